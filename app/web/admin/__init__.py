from . import dashboard, manage, my_day  # noqa: F401  (register their pages on bp)
from . import webhooks  # noqa: F401  (the webhook pages)
from .views import bp

__all__ = ["bp"]
