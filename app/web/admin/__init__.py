from . import manage  # noqa: F401  (registers the management pages on bp)
from . import webhooks  # noqa: F401  (the webhook pages)
from .views import bp

__all__ = ["bp"]
