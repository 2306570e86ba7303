"""Webhook POSTs over HTTP(S), with the SSRF guard: every address the host name
resolves to is checked against the domain's rule (app/domain/webhook_rules.py `refusal`) and
the connection goes to a checked address, so DNS cannot point the send somewhere the
check did not see. No redirects are followed. The whole exchange (connect, headers,
body) has one deadline."""
from __future__ import annotations

import http.client
import socket
import ssl
import threading
from urllib.parse import quote, urlsplit

from ..domain.outbox import DeliveryFailed
from ..domain.webhook_rules import literal_ip, refusal
from .deadline import Watchdog, shut, watchdog

# What may stay as it is in a request target; anything else is percent-encoded.
URL_SAFE = "/?&=%:@!$'()*+,;~-._"


class AddressRefused(Exception):
    """The URL's host is, or resolves to, an address webhooks may not reach."""


class NotResolved(Exception):
    """The host name does not resolve right now (maybe later: DNS is being changed, or
    the resolver is down)."""


def resolve_checked(host: str, port: int, *, allow_private: bool) -> list[str]:
    """Every address `host` resolves to, refusing them all if any one is not allowed
    (a name with one public and one private address could be steered to the private
    one). Raises AddressRefused, NotResolved."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise NotResolved(f"{host} does not resolve: {exc}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not allow_private:
        for address in addresses:
            reason = refusal(address)
            if reason is not None:
                raise AddressRefused(f"{host} resolves to {reason}")
    return addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address already checked, while the Host header keeps the name;
    its socket is handed to the delivery's watchdog."""

    def __init__(self, host: str, port: int | None, address: str, watch: Watchdog):
        super().__init__(host, port, timeout=max(watch.remaining(), 0.001))
        self._address = address
        self._watch = watch

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self._address, self.port), max(self._watch.remaining(), 0.001))
        self._watch.attach(lambda: shut(self.sock or sock))
        return sock

    def connect(self) -> None:
        self.sock = self._open()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    def connect(self) -> None:
        sock = self._open()
        # The certificate is checked against the name, not the address connected to.
        self.sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)


def http_post(
    url: str, body: bytes, headers: dict[str, str], *, allow_private: bool, timeout: float = 10.0,
    stop: threading.Event | None = None,
) -> int:
    """POST within `timeout` seconds in all; returns the answer's status code. Raises
    DeliveryFailed: permanent for an address webhooks may not reach, temporary for
    anything else (a name that does not resolve now, refused, too slow, cut off)."""
    parts = urlsplit(url)
    try:
        # International names go out in their ASCII (IDNA) form, as DNS and Host want them.
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise DeliveryFailed(f"refused: {parts.hostname} is not a valid host name", permanent=True) from exc
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    literal = literal_ip(host)
    try:
        if literal is not None:
            reason = None if allow_private else refusal(literal)
            if reason is not None:
                raise AddressRefused(reason)
            addresses = [literal]
        else:
            addresses = resolve_checked(host, port, allow_private=allow_private)
    except AddressRefused as exc:
        raise DeliveryFailed(f"refused: {exc}", permanent=True) from exc
    except NotResolved as exc:
        raise DeliveryFailed(str(exc)) from exc
    target = quote(parts.path or "/", safe=URL_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=URL_SAFE)
    kind = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    with watchdog(timeout, stop) as watch:
        last_error: OSError | None = None
        for address in addresses:
            connection = kind(host, port, address, watch)
            try:
                if watch.fired:
                    raise socket.timeout("no time left")
                connection.request("POST", target, body=body, headers=headers)
                answer = connection.getresponse()
                answer.read(65536)
                # http.client takes a cut-off header block for a complete one: an
                # answer the watchdog had to end is no answer.
                if watch.fired:
                    raise socket.timeout("cut off")
                return answer.status
            except ConnectionRefusedError as exc:
                last_error = exc  # try the name's next address
            except (OSError, http.client.HTTPException) as exc:
                if watch.fired == "stop":
                    raise DeliveryFailed("interrupted: the worker is stopping") from exc
                if watch.fired or isinstance(exc, TimeoutError):
                    raise DeliveryFailed(f"timed out: no complete answer within {timeout:g} s", timed_out=True) from exc
                raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
            finally:
                connection.close()
    assert last_error is not None
    raise DeliveryFailed(f"{type(last_error).__name__}: {last_error}")
