"""Webhooks, signed per Standard Webhooks: endpoints, the events written for them, and
their delivery.

An event is one WebhookDelivery row per subscribed active endpoint, written in the same
transaction as the change it announces (bookings: next to their history row; customers:
by a flush listener, so every path that creates or edits a customer is covered). A
rolled-back change therefore sends nothing and a committed one is never lost.

`webhook_channel()` declares how the outbox runner (outbox.py) sends them: each
delivery is claimed in the database (several workers never send one twice), POSTed
outside any transaction within TIMEOUT_SECONDS in all by the HTTP transport
(app/transports/http.py), which checks every address against `refusal` at send time,
then marked delivered or retried with exponential backoff and jitter for RETRY_FOR, then
failed.
"""
from __future__ import annotations

import base64
import json
import random
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, event, insert, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks.webhooks import Webhook

from .actor import Actor
from .audit import audit
from .errors import FieldErrors, NotFound, ValidationFailed
from .models import DeliveryStatus, Role, User, WebhookDelivery, WebhookEndpoint
from .outbox import Attempt, Channel, Delivered, DeliveryFailed, JitteredForADay, Parcel
from .queries import Page, paginate, read_paging
from .requests.webhooks import WebhookEndpointInput, WebhookEndpointUpdate
from .validation import as_id
from .webhook_rules import (  # noqa: F401 - the address rule, named here too
    EVENTS, MAX_URL_LENGTH, URL_PATTERN, URL_RULE, literal_ip, parse_url, reachable_url, refusal,
)

TIMEOUT_SECONDS = 10.0
RETRY_FOR = timedelta(hours=24)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
# What a customer.updated announces: the fields of the customer object, not passwords,
# sessions or log-in times.
CUSTOMER_FIELDS = ("first_name", "last_name", "email", "phone", "address", "city", "state", "zip", "sms_notifications", "active")

# The JSON shape of each kind of object, as the API returns it. The API layer fills this
# in (app/api/__init__.py); the domain does not import the API.
PAYLOADS: dict[str, Callable[[Any], dict[str, Any]]] = {}


def configure_payloads(*, booking: Callable[[Any], dict[str, Any]], customer: Callable[[Any], dict[str, Any]]) -> None:
    PAYLOADS.update(booking=booking, customer=customer)


# --- endpoints -----------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


M = TypeVar("M", WebhookEndpointInput, WebhookEndpointUpdate)


def _read_endpoint(model: type[M], values: M | Mapping[str, Any], *, allow_private: bool) -> M:
    """The typed request; a form's values (the back office) are parsed into the same model."""
    if isinstance(values, model):
        return values
    return model.parse(values, context={"allow_private": allow_private})


def create_endpoint(
    session: Session, values: WebhookEndpointInput | Mapping[str, Any], *, actor: Actor, now: datetime,
    allow_private: bool = False,
) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint (url, events, description); returns it with its signing secret,
    which is shown only now. `allow_private` applies to values not yet parsed. Raises
    ValidationFailed."""
    clean = _read_endpoint(WebhookEndpointInput, values, allow_private=allow_private).model_dump()
    secret = new_secret()
    endpoint = WebhookEndpoint(secret=secret, created_at=now, updated_at=now, **({"active": True, "description": ""} | clean))
    session.add(endpoint)
    session.flush()
    audit(session, actor=actor, now=now, kind="webhook", object_id=endpoint.id, action="created",
          changes={"url": (None, endpoint.url), "events": (None, endpoint.events)})
    session.commit()
    return endpoint, secret


def get_endpoint(session: Session, endpoint_id: object) -> WebhookEndpoint:
    """Raises NotFound."""
    eid = as_id(FieldErrors(), "id", endpoint_id)
    endpoint = session.get(WebhookEndpoint, eid) if eid is not None else None
    if endpoint is None:
        raise NotFound(f"Webhook endpoint with ID {endpoint_id} was not found")
    return endpoint


def list_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def update_endpoint(
    session: Session, endpoint_id: object, values: WebhookEndpointUpdate | Mapping[str, Any], *, actor: Actor,
    now: datetime, allow_private: bool = False,
) -> WebhookEndpoint:
    """Change an endpoint's url, events, description or active flag (those the request
    gives). Raises NotFound, ValidationFailed."""
    endpoint = get_endpoint(session, endpoint_id)
    clean = _read_endpoint(WebhookEndpointUpdate, values, allow_private=allow_private).given()
    changes = {name: (getattr(endpoint, name), value) for name, value in clean.items() if getattr(endpoint, name) != value}
    if changes:
        for name, (_, value) in changes.items():
            setattr(endpoint, name, value)
        endpoint.updated_at = now
        audit(session, actor=actor, now=now, kind="webhook", object_id=endpoint.id, action="updated", changes=changes)
        if changes.get("active", (None, True))[1] is False:
            _cancel_queued(session, endpoint.id, "cancelled: the endpoint was switched off")
    session.commit()
    return endpoint


def _cancel_queued(session: Session, endpoint_id: int, reason: str) -> None:
    """What waits for an endpoint goes nowhere once it is switched off. A delivery a
    worker is sending at this moment cannot be called back; the runner claims only
    deliveries of active endpoints, so none is started after this commits."""
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.CANCELLED, next_attempt_at=None, last_error=reason)
        .execution_options(synchronize_session=False)
    )


def delete_endpoint(session: Session, endpoint_id: object, *, actor: Actor, now: datetime) -> None:
    """Remove an endpoint and its delivery log (what was queued for it goes with it).
    Raises NotFound."""
    endpoint = get_endpoint(session, endpoint_id)
    audit(session, actor=actor, now=now, kind="webhook", object_id=endpoint.id, action="deleted", changes={"url": (endpoint.url, None)})
    session.delete(endpoint)
    session.commit()


def list_deliveries(session: Session, endpoint_id: object, *, page: object = 1, per_page: object = 20) -> Page[WebhookDelivery]:
    """An endpoint's deliveries, newest first. Raises NotFound, ValidationFailed."""
    endpoint = get_endpoint(session, endpoint_id)
    errors = FieldErrors()
    number, size = read_paging(errors, page, per_page)
    errors.raise_if_any("Check the paging parameters.")
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id).order_by(WebhookDelivery.id.desc())
    return paginate(session, query, number, size)


def resend(session: Session, endpoint_id: object, delivery_id: object, *, actor: Actor, now: datetime) -> WebhookDelivery:
    """Send a delivery again (same webhook-id, same body), with a fresh day of retries.
    Raises NotFound."""
    endpoint = get_endpoint(session, endpoint_id)
    did = as_id(FieldErrors(), "delivery_id", delivery_id)
    delivery = session.get(WebhookDelivery, did) if did is not None else None
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound(f"Delivery with ID {delivery_id} was not found")
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = None
    delivery.retry_until = None
    delivery.claimed_until = None
    audit(session, actor=actor, now=now, kind="webhook", object_id=endpoint.id, action="resent",
          changes={"delivery": (None, delivery.event_id)})
    session.commit()
    return delivery


# The event "Send test event" queues: sent to the one endpoint whatever it subscribes to,
# as Stripe's and Svix's test events are; receivers should answer 2xx and ignore it.
TEST_EVENT = "webhook.test"


def send_test_event(session: Session, endpoint_id: object, *, actor: Actor, now: datetime) -> WebhookDelivery:
    """Queue a signed `webhook.test` event for one active endpoint; it goes out like
    any other (same signature, retries and delivery log). Raises NotFound, or
    ValidationFailed for a switched-off endpoint."""
    endpoint = get_endpoint(session, endpoint_id)
    if not endpoint.active:
        raise ValidationFailed("This endpoint is switched off; switch it on to send it a test event.",
                               {"active": "Switched off endpoints get no events."})
    payload = {"type": TEST_EVENT, "timestamp": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
               "data": {"endpoint_id": endpoint.id, "message": "A test event from the booking portal."}}
    delivery = WebhookDelivery(endpoint_id=endpoint.id, event_id="msg_" + secrets.token_urlsafe(18), event_type=TEST_EVENT,
                               payload=payload, status=DeliveryStatus.PENDING.value, attempts=0, next_attempt_at=None,
                               last_error="", created_at=now)
    session.add(delivery)
    audit(session, actor=actor, now=now, kind="webhook", object_id=endpoint.id, action="test_sent",
          changes={"delivery": (None, delivery.event_id)})
    session.commit()
    return delivery


# --- events --------------------------------------------------------------------------


def _record(session: Session, event_type: str, kind: str, obj: Any, now: datetime) -> int:
    """One pending delivery per active endpoint subscribed to `event_type`, in the
    caller's transaction. Core statements only, so it also works inside a flush."""
    endpoints = session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.active.is_(True))
    ).all()
    targets = [endpoint_id for endpoint_id, events in endpoints if event_type in (events or [])]
    if not targets:
        return 0
    serialise = PAYLOADS.get(kind)
    data = obj.data if isinstance(obj, _Data) else serialise(obj) if serialise is not None else {"id": obj.id}
    payload = {"type": event_type, "timestamp": now.astimezone(UTC).isoformat().replace("+00:00", "Z"), "data": data}
    rows = [
        {
            "endpoint_id": endpoint_id,
            "event_id": "msg_" + secrets.token_urlsafe(18),
            "event_type": event_type,
            "payload": payload,
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": None,
            "last_error": "",
            "created_at": now,
        }
        for endpoint_id in targets
    ]
    session.connection().execute(insert(WebhookDelivery.__table__), rows)
    return len(rows)


def booking_event(session: Session, booking: Any, event_type: str, now: datetime) -> int:
    """Queue `event_type` about a booking; the booking package calls this where it
    writes the booking's history."""
    return _record(session, event_type, "booking", booking, now)


def payment_event(session: Session, event_type: str, data: dict[str, Any], now: datetime) -> int:
    """Queue a payment.* event (app/domain/payments.py gives its `data`)."""
    return _record(session, event_type, "payment", _Data(data), now)


class _Data:
    """A ready payload passed through _record (kinds without an API serialiser)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.id = data.get("id")


def booking_change_event(action: str, before_status: str, after_status: str) -> str:
    """The event a recorded booking change is: its history action and status."""
    if action == "status" or before_status != after_status:
        return "booking.cancelled" if after_status == "cancelled" else "booking.status_changed"
    if action == "moved":
        return "booking.rescheduled"
    return "booking.updated"


def listen(factory: sessionmaker[Session]) -> None:
    """Attach the customer events to the app's sessions (app/db.py)."""
    event.listen(factory, "after_flush", _customer_events)


def _customer_events(session: Session, _flush_context: Any) -> None:
    """customer.created / customer.updated for every customer row a flush writes, so
    registration, profile changes, booking forms, the back office, the API and the CLI
    are all covered in the transaction that makes the change. A flush has no `now` of
    its own: the time is the session's clock (the app's, see app/db.py)."""
    now = session.info["clock"]()
    for obj in list(session.new):
        if isinstance(obj, User) and obj.role == Role.CUSTOMER:
            _record(session, "customer.created", "customer", obj, obj.created_at or now)
    for obj in list(session.dirty):
        if isinstance(obj, User) and obj.role == Role.CUSTOMER and obj not in session.new and _customer_changed(obj):
            _record(session, "customer.updated", "customer", obj, now)


def _customer_changed(user: User) -> bool:
    state = inspect(user)
    return any(state.attrs[name].history.has_changes() for name in CUSTOMER_FIELDS)


# --- delivery ------------------------------------------------------------------------


class Post(Protocol):
    """The HTTP transport (app/transports/http.py `http_post`): POSTs within `timeout`
    seconds in all and returns the status code; raises DeliveryFailed."""

    def __call__(
        self, url: str, body: bytes, headers: dict[str, str], *, allow_private: bool, timeout: float,
        stop: threading.Event | None,
    ) -> int: ...


def signed_headers(secret: str, event_id: str, body: str, signed_at: datetime) -> dict[str, str]:
    signature = Webhook(secret).sign(event_id, signed_at.astimezone(UTC), body)
    return {
        "content-type": "application/json",
        "user-agent": "booking-portal-webhooks/1",
        "webhook-id": event_id,
        "webhook-timestamp": str(int(signed_at.timestamp())),
        "webhook-signature": signature,
    }


# Waits doubling from 30 s up to an hour, the second half of each random, for a day.
RETRY = JitteredForADay(first=FIRST_RETRY, longest=LONGEST_WAIT, retry_for=RETRY_FOR)


def webhook_channel(
    post: Post,
    *,
    allow_private: bool,
    signing_clock: Callable[[], datetime],
    jitter: Callable[[], float] = random.random,
    deadline: float = TIMEOUT_SECONDS,
) -> Channel:
    """Webhook deliveries, as the outbox runner sends them. A 2xx answer within the
    deadline is success; an address webhooks may not reach fails at once; anything else
    is retried. The signature's timestamp is the real time of sending (`signing_clock`),
    as receivers check it against their own clock, whatever clock schedules the retries."""

    def prepare(session: Session, row: WebhookDelivery, now: datetime) -> Parcel:
        endpoint = row.endpoint
        body = json.dumps(row.payload, separators=(",", ":"), ensure_ascii=False)
        url, secret, event_id = endpoint.url, endpoint.secret, row.event_id

        def send(timeout: float, stop: threading.Event | None) -> Delivered:
            headers = signed_headers(secret, event_id, body, signing_clock())
            status = post(url, body.encode(), headers, allow_private=allow_private, timeout=timeout, stop=stop)
            if not 200 <= status < 300:
                raise DeliveryFailed(f"HTTP {status}", status_code=status)
            return Delivered(status_code=status)

        return send

    return Channel(
        name="webhooks", model=WebhookDelivery, prepare=prepare, retry=replace(RETRY, jitter=jitter),
        sent_status=DeliveryStatus.DELIVERED, pending_status=DeliveryStatus.PENDING, failed_status=DeliveryStatus.FAILED,
        due=_endpoint_active, group=WebhookDelivery.endpoint_id, record=_record_attempt, deadline=deadline,
    )


def _endpoint_active(now: datetime) -> list[ColumnElement[bool]]:
    # Checked again in each claim: an endpoint switched off (or removed) mid-round gets nothing more.
    return [WebhookDelivery.endpoint_id.in_(select(WebhookEndpoint.id).where(WebhookEndpoint.active.is_(True)))]


def _record_attempt(row: WebhookDelivery, attempt: Attempt) -> None:
    """The delivery log's columns: when, what the receiver answered, when delivered."""
    row.last_attempt_at = attempt.at
    row.last_status_code = attempt.status_code
    if attempt.ok:
        row.delivered_at = attempt.at
    if attempt.ok or attempt.final:
        row.next_attempt_at = None


def serialise_delivery(row: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": row.id,
        "event_id": row.event_id,
        "type": row.event_type,
        "status": row.status,
        "attempts": row.attempts,
        "last_response_code": row.last_status_code,
        "last_error": row.last_error or None,
        "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
        "last_attempt_at": row.last_attempt_at.isoformat() if row.last_attempt_at else None,
        "created_at": row.created_at.isoformat(),
        "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
    }


def serialise_endpoint(endpoint: WebhookEndpoint, *, secret: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "active": endpoint.active,
        "created_at": endpoint.created_at.isoformat(),
        "updated_at": endpoint.updated_at.isoformat(),
    }
    if secret is not None:
        data["secret"] = secret
    return data
