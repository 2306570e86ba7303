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
import ipaddress
import json
import random
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import idna

from sqlalchemy import ColumnElement, event, insert, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks.webhooks import Webhook

from .actor import Actor
from .errors import FieldErrors, NotFound
from .audit import audit
from .models import DeliveryStatus, Role, User, WebhookDelivery, WebhookEndpoint
from .outbox import Attempt, Channel, Delivered, DeliveryFailed, JitteredForADay, Parcel
from .queries import Page, paginate, read_paging
from .validation import BadValue, as_bool, as_id, as_text, parse_text

EVENTS = (
    "booking.created",
    "booking.updated",
    "booking.rescheduled",
    "booking.status_changed",
    "booking.cancelled",
    "customer.created",
    "customer.updated",
    "payment.succeeded",
    "payment.failed",
    "payment.refunded",
)
TIMEOUT_SECONDS = 10.0
RETRY_FOR = timedelta(hours=24)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
MAX_URL_LENGTH = 2000
# What a customer.updated announces: the fields of the customer object, not passwords,
# sessions or log-in times.
CUSTOMER_FIELDS = ("first_name", "last_name", "email", "phone", "address", "city", "state", "zip", "sms_notifications", "active")

# The JSON shape of each kind of object, as the API returns it. The API layer fills this
# in (app/api/__init__.py); the domain does not import the API.
PAYLOADS: dict[str, Callable[[Any], dict[str, Any]]] = {}


def configure_payloads(*, booking: Callable[[Any], dict[str, Any]], customer: Callable[[Any], dict[str, Any]]) -> None:
    PAYLOADS.update(booking=booking, customer=customer)


# --- the address check (SSRF) --------------------------------------------------------


# IPv6 prefixes that carry an IPv4 address in their last 32 bits and reach it through a
# translator: NAT64's well-known prefix and its local-use one (RFC 6052, RFC 8215).
NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def carried_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address leads to, if it embeds one: IPv4-mapped
    (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), 6to4 (2002:AABB:CCDD::/48), NAT64,
    or a Teredo client. A relay or translator on the way would deliver to that address."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in network for network in NAT64) or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _refused_kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
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
            return kind
    return None


def refusal(address: str) -> str | None:
    """Why webhooks may not reach this IP address, or None if they may. An IPv6 address
    that carries an IPv4 one is judged by both (6to4 2002:7f00:1:: leads to 127.0.0.1)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    carried = carried_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
    if carried is not None:
        kind = _refused_kind(carried)
        if kind is not None:
            return f"{address} leads to {carried}, a {kind} address"
    kind = _refused_kind(ip)
    return f"{address} is a {kind} address" if kind is not None else None


def literal_ip(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


# RFC 3986, section 3, for what follows the authority. pchar = unreserved / pct-encoded /
# sub-delims / ":" / "@"; the query and the fragment may also hold "/" and "?".
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?P<authority>[^/?#]*)(?P<rest>[/?#].*)?", re.DOTALL)
_REST = re.compile(rf"(?:/{_PCHAR}*)*(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?")
_PORT = re.compile(r"[0-9]{1,5}")
_DOTTED_QUAD = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
# A last label that resolvers (and WHATWG URL parsers) read as a number: 2130706433,
# 0x7f.1 or 127.1 all lead to 127.0.0.1. Only the dotted quad is taken as an address.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0[xX][0-9A-Fa-f]*")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
# What JSON Schema can say of the same rule (the OpenAPI request schemas): the scheme, no
# user name, a bracketed IPv6 address or a host name (any letters: they are checked
# against IDNA), a port, then RFC 3986 characters or letters beyond ASCII.
URL_PATTERN = (
    r"^[Hh][Tt][Tt][Pp][Ss]?://(\[[0-9A-Fa-f:.]+\]|([A-Za-z0-9.\-]|[^\x00-\x9F])+)(:[0-9]{0,5})?"
    r"(/([A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2}|[^\x00-\x9F])*)?"
    r"(\?([A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2}|[^\x00-\x9F])*)?"
    r"(#([A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2}|[^\x00-\x9F])*)?$"
)
URL_RULE = (
    "An absolute http or https URI (RFC 3986) without a user name or password. An international host "
    "name is taken in its IDNA (xn--) form and letters beyond ASCII in the path or query are "
    "percent-encoded as UTF-8 (RFC 3987); the URL is stored and returned in that ASCII form. A host is a "
    "DNS name or an IP address (IPv4 as four decimal numbers, IPv6 in brackets)."
)


def _host(text: str) -> str:
    """The host of an authority in its ASCII form: a bracketed IPv6 address, a dotted
    IPv4 one, or a DNS name after IDNA (UTS 46) mapping. Raises BadValue."""
    if text.startswith("["):
        try:
            if not text.endswith("]") or "%" in text:
                raise ValueError(text)
            return f"[{ipaddress.IPv6Address(text[1:-1]).compressed}]"
        except ValueError:
            raise BadValue("Not a valid IPv6 address in brackets.") from None
    if _DOTTED_QUAD.fullmatch(text):
        try:
            return str(ipaddress.IPv4Address(text))
        except ValueError:
            raise BadValue("Not a valid IPv4 address (four numbers from 0 to 255, no leading zeros).") from None
    if "%" in text:
        raise BadValue("Write the host name as it is, not percent-encoded.")
    try:
        name = idna.encode(text, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        raise BadValue("The host is not a valid domain name.") from None
    labels = name.removesuffix(".").split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise BadValue("The host is not a valid domain name.")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        raise BadValue("Write an IPv4 address as four decimal numbers (like 203.0.113.7).")
    return name


def parse_url(value: Any) -> str:
    """A webhook URL: an absolute http(s) URI per RFC 3986 once its host is in IDNA form
    and letters beyond ASCII elsewhere are percent-encoded (the IRI to URI mapping of
    RFC 3987). Returns that ASCII form with the scheme and host in lower case; the rest
    is kept as written. Anything else (spaces, quotes, a stray "%", a user name, a
    number that is not a dotted IPv4 address, spaces around it) is refused. Raises
    BadValue."""
    text = parse_text(value, max_length=MAX_URL_LENGTH, required=True)
    if text != value:
        raise BadValue("Remove the spaces around the URL.")
    match = _URL.fullmatch(text)
    if match is None:
        raise BadValue("Not a valid URL: give an absolute http or https URL such as https://example.com/hooks.")
    if match["scheme"].lower() not in ("http", "https"):
        raise BadValue("Only http and https URLs can receive webhooks.")
    authority = match["authority"]
    if "@" in authority:
        raise BadValue("Put no user name or password in the URL: deliveries are signed instead.")
    host, port = authority, ""
    colon = authority.rfind(":")
    if colon > authority.rfind("]"):
        host, port = authority[:colon], authority[colon + 1:]
        if port and (not _PORT.fullmatch(port) or not 0 < int(port) < 65536):
            raise BadValue("Not a valid port: a number from 1 to 65535.")
    if not host:
        raise BadValue("The URL needs a host name.")
    try:
        rest = "".join(c if c.isascii() else quote(c, safe="") for c in match["rest"] or "")
    except UnicodeError:
        raise BadValue("Not a valid URL: it holds a character that is not text.") from None
    if not _REST.fullmatch(rest):
        raise BadValue('Not a valid URL: spaces, quotes, "<>{}|\\^`" and a "%" not followed by two hex digits '
                       "must be percent-encoded (a space is %20).")
    url = f"{match['scheme'].lower()}://{_host(host)}{':' + port if port else ''}{rest}"
    if len(url) > MAX_URL_LENGTH:
        raise BadValue(f"Must be at most {MAX_URL_LENGTH} characters once encoded.")
    return url


def check_url(errors: FieldErrors, path: str, value: object, *, allow_private: bool) -> str | None:
    """`parse_url`'s form of the URL, whose host, if written as an IP address, webhooks
    may reach (names are checked against every address they resolve to at send time)."""
    try:
        url = parse_url(value)
    except BadValue as exc:
        errors.add(path, str(exc))
        return None
    host = urlsplit(url).hostname or ""
    literal = literal_ip(host)
    if literal is not None and not allow_private:
        reason = refusal(literal)
        if reason is not None:
            errors.add(path, f"Webhooks cannot be sent to this address: {reason}.")
            return None
    return url


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
