"""Creating and changing bookings: the one path every caller (form, API, bulk, admin,
CLI) goes through.

Each public function is one transaction: take the locks (concurrency.begin_write),
re-read and re-check what the change depends on, write the booking with its history
and outbox rows, commit. Any error rolls everything back, and the database backstops
turn a clash that slipped past the application into the same domain error.

Where to look:
    create.py         create_booking, create_in_transaction (new bookings and series), series_preview
    change.py         update_booking, BookingChanges, the checks every change goes through
    status_change.py  change_status, cancel_booking, undo_cancellation (Undo right after a staff cancel)
    move.py           reschedule_booking, move_series (this and all later visits), move_choices, move_days, move_times (moving by hand; what the move pages and the API offer)
    submit.py         submit_booking (a booking form sent once per nonce: claim, book or card step, keep the answer)
    again.py          book_again_request (book this again)
    common.py         write_transaction, BookingResult, UNAVAILABLE, shared helpers
"""
from .again import book_again_request
from .change import UNSET, BookingChanges, customer_change_refusal, update_booking
from .common import (
    CODE_ALPHABET,
    MAX_DURATION,
    UNAVAILABLE,
    BookingResult,
    SkippedOccurrence,
    missing_address,
    new_booking_code,
    price_adjustment,
    write_transaction,
)
from .create import SeriesVisit, create_booking, create_in_transaction, series_preview
from .move import SeriesVisitRefused, first_move_day, move_choices, move_days, move_series, move_times, reschedule_booking
from .status_change import can_undo_cancel, cancel_booking, change_status, later_visits, undo_cancellation

__all__ = [
    "CODE_ALPHABET",
    "MAX_DURATION",
    "UNAVAILABLE",
    "UNSET",
    "BookingChanges",
    "BookingResult",
    "SkippedOccurrence",
    "book_again_request",
    "can_undo_cancel",
    "cancel_booking",
    "change_status",
    "SeriesVisit",
    "SeriesVisitRefused",
    "create_booking",
    "create_in_transaction",
    "customer_change_refusal",
    "first_move_day",
    "later_visits",
    "missing_address",
    "move_choices",
    "move_series",
    "move_days",
    "move_times",
    "new_booking_code",
    "price_adjustment",
    "reschedule_booking",
    "series_preview",
    "undo_cancellation",
    "update_booking",
    "write_transaction",
]
