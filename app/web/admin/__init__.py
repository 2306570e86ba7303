from . import dashboard, manage, my_day  # noqa: F401  (register their pages on bp)
from . import customers, day_sheet, payment_policies, webhooks  # noqa: F401  (customer record, day sheets, payment policies, webhooks)
from .views import bp

__all__ = ["bp"]
