from . import manage  # noqa: F401  (registers the management pages on bp)
from .views import bp

__all__ = ["bp"]
