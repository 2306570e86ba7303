from . import dashboard, manage  # noqa: F401  (register their pages on bp)
from .views import bp

__all__ = ["bp"]
