"""Webhooks, signed per Standard Webhooks: endpoints, the events written for them, and
their delivery.

An event is one WebhookDelivery row per subscribed active endpoint, written in the same
transaction as the change it announces (bookings: next to their history row; customers:
by a flush listener, so every path that creates or edits a customer is covered). A
rolled-back change therefore sends nothing and a committed one is never lost.

`deliver_due()` sends what is due: each delivery is claimed in the database (several
workers never send one twice), POSTed outside any transaction with a 10 s timeout to an
address checked against SSRF at send time, then marked delivered or retried with
exponential backoff and jitter for at least RETRY_FOR, then failed.
"""
from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import logging
import random
import secrets
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy import event, insert, inspect, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks.webhooks import Webhook

from ..clock import wall
from .actor import Actor
from .errors import FieldErrors, NotFound
from .management import audit
from .models import DeliveryStatus, Role, User, WebhookDelivery, WebhookEndpoint, utcnow
from .notifications import CLAIM_FOR, DeliveryReport
from .queries import Page, paginate, read_paging
from .validation import as_bool, as_id, as_text

log = logging.getLogger(__name__)

EVENTS = (
    "booking.created",
    "booking.updated",
    "booking.rescheduled",
    "booking.status_changed",
    "booking.cancelled",
    "customer.created",
    "customer.updated",
)
TIMEOUT_SECONDS = 10.0
RETRY_FOR = timedelta(hours=24)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
MAX_URL_LENGTH = 2000
# What may stay as it is in a request target; anything else is percent-encoded.
URL_SAFE = "/?&=%:@!$'()*+,;~-._"
# What a customer.updated announces: the fields of the customer object, not passwords,
# sessions or log-in times.
CUSTOMER_FIELDS = ("first_name", "last_name", "email", "phone", "address", "city", "state", "zip", "sms_notifications", "active")

# The JSON shape of each kind of object, as the API returns it. The API layer fills this
# in (app/api/__init__.py); the domain does not import the API.
PAYLOADS: dict[str, Callable[[Any], dict[str, Any]]] = {}


def configure_payloads(*, booking: Callable[[Any], dict[str, Any]], customer: Callable[[Any], dict[str, Any]]) -> None:
    PAYLOADS.update(booking=booking, customer=customer)


# --- the address check (SSRF) --------------------------------------------------------


class AddressRefused(Exception):
    """The URL's host is, or resolves to, an address webhooks may not reach."""


def refusal(address: str) -> str | None:
    """Why webhooks may not reach this IP address, or None if they may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind, flag in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("not a public", not ip.is_global),
    ):
        if flag:
            return f"{address} is a {kind} address"
    return None


def _literal_ip(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def check_url(errors: FieldErrors, path: str, value: object, *, allow_private: bool) -> str | None:
    """An http(s) URL whose host, if written as an IP address, webhooks may reach (names
    are checked against every address they resolve to at send time)."""
    url = as_text(errors, path, value, max_length=MAX_URL_LENGTH, required=True)
    if not url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        errors.add(path, "Not a valid URL.")
        return None
    if parts.scheme not in ("http", "https"):
        errors.add(path, "Only http and https URLs can receive webhooks.")
        return None
    if not parts.hostname:
        errors.add(path, "The URL needs a host name.")
        return None
    if port == 0:
        errors.add(path, "Not a valid port.")
        return None
    literal = _literal_ip(parts.hostname)
    if literal is not None and not allow_private:
        reason = refusal(literal)
        if reason is not None:
            errors.add(path, f"Webhooks cannot be sent to this address: {reason}.")
            return None
    return url


def resolve_checked(host: str, port: int, *, allow_private: bool) -> list[str]:
    """Every address `host` resolves to, refusing them all if any one is not allowed
    (a name with one public and one private address could be steered to the private
    one). Raises AddressRefused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(f"{host} does not resolve: {exc}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not allow_private:
        for address in addresses:
            reason = refusal(address)
            if reason is not None:
                raise AddressRefused(f"{host} resolves to {reason}")
    return addresses


# --- endpoints -----------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _events(errors: FieldErrors, path: str, value: object) -> list[str] | None:
    if not isinstance(value, list | tuple) or not value:
        errors.add(path, f"Give a list of one or more of: {', '.join(EVENTS)}.")
        return None
    unknown = [v for v in value if not isinstance(v, str) or v not in EVENTS]
    if unknown:
        errors.add(path, f"Unknown event {unknown[0]!r}; choose from {', '.join(EVENTS)}.")
        return None
    return [e for e in EVENTS if e in value]


def _read_endpoint(values: dict[str, Any], *, partial: bool, allow_private: bool) -> dict[str, Any]:
    errors = FieldErrors()
    # A new endpoint is active; only a change may switch it off.
    known = {"url", "events", "description", "active"} if partial else {"url", "events", "description"}
    for name in values:
        if name not in known:
            errors.add(name, "Unknown field.")
    clean: dict[str, Any] = {}
    if "url" in values or not partial:
        clean["url"] = check_url(errors, "url", values.get("url"), allow_private=allow_private)
    if "events" in values or not partial:
        clean["events"] = _events(errors, "events", values.get("events"))
    if "description" in values:
        clean["description"] = as_text(errors, "description", values["description"], max_length=255) or ""
    if "active" in values:
        clean["active"] = as_bool(errors, "active", values["active"], default=True)
    errors.raise_if_any("The webhook endpoint could not be saved; check the highlighted fields.")
    return clean


def create_endpoint(
    session: Session, values: dict[str, Any], *, actor: Actor, now: datetime, allow_private: bool = False
) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint (url, events, description); returns it with its signing secret,
    which is shown only now. Raises ValidationFailed."""
    clean = _read_endpoint(values, partial=False, allow_private=allow_private)
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
    session: Session, endpoint_id: object, values: dict[str, Any], *, actor: Actor, now: datetime, allow_private: bool = False
) -> WebhookEndpoint:
    """Change an endpoint's url, events, description or active flag. Raises NotFound,
    ValidationFailed."""
    endpoint = get_endpoint(session, endpoint_id)
    clean = _read_endpoint(values, partial=True, allow_private=allow_private)
    changes = {name: (getattr(endpoint, name), value) for name, value in clean.items() if getattr(endpoint, name) != value}
    if changes:
        for name, (_, value) in changes.items():
            setattr(endpoint, name, value)
        endpoint.updated_at = now
        audit(session, actor=actor, now=now, kind="webhook", object_id=endpoint.id, action="updated", changes=changes)
    session.commit()
    return endpoint


def delete_endpoint(session: Session, endpoint_id: object, *, actor: Actor, now: datetime) -> None:
    """Remove an endpoint and its delivery log. Raises NotFound."""
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
    data = serialise(obj) if serialise is not None else {"id": obj.id}
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


def booking_change_event(action: str, before_status: str, after_status: str) -> str:
    """The event a recorded booking change is: its history action and status."""
    if action == "status" or before_status != after_status:
        return "booking.cancelled" if after_status == "cancelled" else "booking.status_changed"
    if action == "moved":
        return "booking.rescheduled"
    return "booking.updated"


@event.listens_for(Session, "after_flush")
def _customer_events(session: Session, _flush_context: Any) -> None:
    """customer.created / customer.updated for every customer row a flush writes, so
    registration, profile changes, booking forms, the back office, the API and the CLI
    are all covered in the transaction that makes the change."""
    now = session.info.get("webhook_now") or utcnow()
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


@dataclass
class Response:
    status: int


Sender = Callable[[str, bytes, dict[str, str], bool], Response]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address already checked, while the Host header keeps the name."""

    def __init__(self, host: str, port: int | None, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int | None, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the name, not the address connected to.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def http_post(url: str, body: bytes, headers: dict[str, str], allow_private: bool) -> Response:
    """POST to an address the URL's host resolves to, after checking every one of them
    (so DNS cannot point the send somewhere the check did not see). No redirects are
    followed. Raises AddressRefused, OSError, http.client.HTTPException."""
    parts = urlsplit(url)
    try:
        # International names go out in their ASCII (IDNA) form, as DNS and Host want them.
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise AddressRefused(f"{parts.hostname} is not a valid host name") from exc
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    literal = _literal_ip(host)
    if literal is not None:
        reason = None if allow_private else refusal(literal)
        if reason is not None:
            raise AddressRefused(reason)
        addresses = [literal]
    else:
        addresses = resolve_checked(host, port, allow_private=allow_private)
    target = quote(parts.path or "/", safe=URL_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=URL_SAFE)
    last_error: OSError | None = None
    for address in addresses:
        kind = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
        connection = kind(host, port, address, TIMEOUT_SECONDS)
        try:
            connection.request("POST", target, body=body, headers=headers)
            answer = connection.getresponse()
            answer.read(65536)
            return Response(answer.status)
        except ConnectionRefusedError as exc:
            last_error = exc  # try the name's next address
        finally:
            connection.close()
    assert last_error is not None
    raise last_error


def next_wait(attempts: int, jitter: float) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: doubling from 30 s up to
    an hour, the second half of it random (jitter in [0, 1)) so receivers coming back
    are not hit by every sender at once."""
    wait = min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT) if attempts < 20 else LONGEST_WAIT
    return wait / 2 + wait / 2 * jitter


def signed_headers(secret: str, event_id: str, body: str, signed_at: datetime) -> dict[str, str]:
    signature = Webhook(secret).sign(event_id, signed_at.astimezone(UTC), body)
    return {
        "content-type": "application/json",
        "user-agent": "booking-portal-webhooks/1",
        "webhook-id": event_id,
        "webhook-timestamp": str(int(signed_at.timestamp())),
        "webhook-signature": signature,
    }


def deliver_due(
    factory: sessionmaker[Session],
    *,
    now: datetime,
    allow_private: bool = False,
    limit: int = 100,
    send: Sender = http_post,
    jitter: Callable[[], float] = random.random,
    clock: Callable[[], datetime] = wall,
) -> DeliveryReport:
    """Send the deliveries that are due (`now` decides which, and when to retry; the
    signature's timestamp is the real sending time from `clock`, as receivers check it
    against their own clock)."""
    report = DeliveryReport()
    with factory() as session:
        due = list(
            session.scalars(
                select(WebhookDelivery.id)
                .where(
                    WebhookDelivery.status == DeliveryStatus.PENDING,
                    # Never tried (NULL): due at once, whatever the clock says.
                    or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= now),
                    or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
                )
                .order_by(WebhookDelivery.id)
                .limit(limit)
            )
        )
    for delivery_id in due:
        with factory() as session:
            outcome = _deliver_one(session, delivery_id, now=now, allow_private=allow_private, send=send, jitter=jitter, clock=clock)
        if outcome == "sent":
            report.sent += 1
        elif outcome == "retry":
            report.retried += 1
        elif outcome == "failed":
            report.failed += 1
    return report


def _deliver_one(
    session: Session, delivery_id: int, *, now: datetime, allow_private: bool, send: Sender,
    jitter: Callable[[], float], clock: Callable[[], datetime],
) -> str | None:
    # The claim is a conditional UPDATE: of two workers, exactly one changes the row.
    claimed = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
            or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
        )
        .values(claimed_until=now + CLAIM_FOR, attempts=WebhookDelivery.attempts + 1)
    ).rowcount
    session.commit()
    if not claimed:
        return None
    row = session.get(WebhookDelivery, delivery_id, populate_existing=True)
    if row is None:  # its endpoint was removed a moment ago
        session.commit()
        return None
    endpoint = row.endpoint
    body = json.dumps(row.payload, separators=(",", ":"), ensure_ascii=False)
    url, secret, event_id = endpoint.url, endpoint.secret, row.event_id
    # No transaction stays open while the receiver takes its time.
    session.commit()

    status_code: int | None = None
    error = ""
    refused = False
    try:
        answer = send(url, body.encode(), signed_headers(secret, event_id, body, clock()), allow_private)
        status_code = answer.status
        if not 200 <= answer.status < 300:
            error = f"HTTP {answer.status}"
    except AddressRefused as exc:
        refused, error = True, f"refused: {exc}"
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - one delivery that cannot be sent must not stop the others
        log.warning("webhook delivery %s could not be sent: %r", delivery_id, exc)
        error = f"{type(exc).__name__}: {exc}"

    row.claimed_until = None
    row.last_attempt_at = now
    row.last_status_code = status_code
    row.last_error = error[:2000]
    if not error:
        row.status = DeliveryStatus.DELIVERED
        row.delivered_at = now
        row.next_attempt_at = None
        outcome = "sent"
    elif refused or (row.retry_until is not None and now >= row.retry_until):
        # An address we may not reach will not become one; a receiver down for a day
        # is given up on. Both can be resent from the log.
        row.status = DeliveryStatus.FAILED
        row.next_attempt_at = None
        outcome = "failed"
    else:
        # The day of retries starts at the first failure (so it is measured on the same
        # clock as the attempts).
        row.retry_until = row.retry_until or now + RETRY_FOR
        row.next_attempt_at = now + next_wait(row.attempts, jitter())
        outcome = "retry"
    session.commit()
    return outcome


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
