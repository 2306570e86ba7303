from . import dashboard, manage, my_day  # noqa: F401  (register their pages on bp)
from . import payment_policies, webhooks  # noqa: F401  (the payment policy and webhook pages)
from .views import bp

__all__ = ["bp"]
