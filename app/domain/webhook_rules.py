"""Webhook addresses: the one URL rule (`parse_url`, what an endpoint's address may be
written as) and the address check (`refusal`: which IP addresses webhooks may not reach),
used by the webhook request models, the HTTP transport at send time and the OpenAPI
document (URL_PATTERN, URL_RULE)."""
from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import quote, urlsplit

import idna

from .errors import FieldErrors
from .validation import BadValue, parse_text

MAX_URL_LENGTH = 2000


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


def reachable_url(url: str, *, allow_private: bool) -> str:
    """`url` (parse_url's form) if its host, when written as an IP address, is one webhooks
    may reach (names are checked against every address they resolve to at send time).
    Raises BadValue."""
    literal = literal_ip(urlsplit(url).hostname or "")
    if literal is not None and not allow_private:
        reason = refusal(literal)
        if reason is not None:
            raise BadValue(f"Webhooks cannot be sent to this address: {reason}.")
    return url


# --- events --------------------------------------------------------------------------

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
EVENTS_WANTED = f"Give a list of one or more of: {', '.join(EVENTS)}."


def parse_events(value: Any) -> list[str]:
    """A non-empty list of EVENTS, in EVENTS' order without repeats. Raises BadValue."""
    if not isinstance(value, list | tuple) or not value:
        raise BadValue(EVENTS_WANTED)
    unknown = [v for v in value if not isinstance(v, str) or v not in EVENTS]
    if unknown:
        raise BadValue(f"Unknown event {unknown[0]!r}; choose from {', '.join(EVENTS)}.")
    return [e for e in EVENTS if e in value]
