from . import dashboard, manage, my_day  # noqa: F401  (register their pages on bp)
from . import customers, day_sheet, webhooks  # noqa: F401  (the customer record, day sheets, the webhook pages)
from .views import bp

__all__ = ["bp"]
