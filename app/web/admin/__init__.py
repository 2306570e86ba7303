from . import dashboard, manage, my_day  # noqa: F401  (register their pages on bp)
from .views import bp

__all__ = ["bp"]
