"""Read-path caches that cannot serve a stale answer.

What is cached is keyed by generation numbers that the database keeps and that every
change raises in its own transaction (concurrency.py does the raising, on every flush):

* `cache_versions.catalog`: services, locations, agents, their hours and the settings;
* `cache_versions.api_keys`: the API keys (created, revoked, renamed; not their
  `last_used_at`, which accounts.py writes with a plain UPDATE);
* `agents.schedule_version`: one agent's bookings, time off and hours.

A request reads them all in one small statement (`versions()`), then looks its answers
up under keys that include them. A change committed by any process changes the keys,
so an older answer is simply never asked for again; nothing has to be invalidated.

Two rules keep this sound:

* Data is read after the versions it is filed under, so an entry is never older than
  its key (it may be newer, which is harmless).
* A transaction that has written neither reads nor fills the cache: it may see its own
  uncommitted version numbers, and a rollback would let them be reused for other data.

The entries live in the process (`LocalCache`, bounded) unless CACHE_URL (or else a
redis:// RATELIMIT_STORAGE_URI) names a Redis server, which several app servers then
share (`RedisCache`); their keys are namespaced by the database and the SECRET_KEY
(db.cache_namespace). A Redis that does not answer is a cache that misses: requests
go on from the database.

Generations are raised to max(old + 1, now in microseconds) (concurrency.py), so none
is ever used twice, not after a deleted row nor after a restored backup. Tables with
generations must be changed through the ORM (whose flushes raise them), never by
plain SQL UPDATE/DELETE; the one exception is `api_keys.last_used_at`, which no cached
entry depends on.
"""
from __future__ import annotations

import hashlib
import logging
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import event, text
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

log = logging.getLogger(__name__)
QUIET_SECONDS = 5.0
T = TypeVar("T")
CATALOG = "catalog"
API_KEYS = "api_keys"
# Every generation in one statement: the named ones, then one row per agent. Plain SQL
# that both databases take as it is, so a warm request spends nothing on building it.
_VERSIONS = text(
    "SELECT name, 0, version FROM cache_versions"
    " UNION ALL SELECT '', id, schedule_version FROM agents"
)


class CacheBackend(Protocol):
    def get(self, key: Hashable) -> Any | None: ...

    def set(self, key: Hashable, value: Any) -> None: ...


class LocalCache:
    """A bounded, thread-safe LRU map in this process. Values are shared, not copied:
    callers treat them as immutable."""

    def __init__(self, max_entries: int = 2048) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def set(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


class RedisCache:
    """Entries in Redis, shared by every process and app server using the same URL.
    Keys expire after a day: an entry for an old version is never read again anyway."""

    def __init__(self, url: str, namespace: str = "", ttl_seconds: int = 86_400) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._errors = (redis.RedisError, OSError)
        self._quiet_until = 0.0  # after a failure, leave Redis alone for a few seconds
        # Versions count per database: two databases sharing one Redis must not meet.
        self.prefix = f"portal:cache:{namespace}:"
        self.ttl = ttl_seconds
        # A small local layer: the same immutable entries, fetched once per process.
        self.local = LocalCache(1024)

    def _key(self, key: Hashable) -> str:
        return self.prefix + repr(key)

    def get(self, key: Hashable) -> Any | None:
        value = self.local.get(key)
        if value is not None:
            return value
        if time.monotonic() < self._quiet_until:
            return None
        try:
            raw = self.client.get(self._key(key))
        except self._errors as exc:
            self._failed(exc)
            return None
        if raw is None:
            return None
        value = pickle.loads(raw)  # noqa: S301 - our own entries, written by set() below
        self.local.set(key, value)
        return value

    def set(self, key: Hashable, value: Any) -> None:
        raw = pickle.dumps(value)  # before other threads can see (and add views to) it
        self.local.set(key, value)
        if time.monotonic() < self._quiet_until:
            return
        try:
            self.client.set(self._key(key), raw, ex=self.ttl)
        except self._errors as exc:
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        log.warning("cache: Redis did not answer (%s); using this process's entries and the database", exc)
        self._quiet_until = time.monotonic() + QUIET_SECONDS


def make_backend(url: str | None, namespace: str = "") -> CacheBackend:
    """Redis for a redis:// or rediss:// URL, else the in-process cache. `namespace`
    names the database the entries describe."""
    if url and url.split(":", 1)[0] in ("redis", "rediss"):
        return RedisCache(url, hashlib.sha256(namespace.encode()).hexdigest()[:12])
    return LocalCache()


@dataclass(frozen=True)
class Versions:
    catalog: int
    agents: dict[int, int]
    api_keys: int = 0

    def of_agents(self, agent_ids: list[int]) -> tuple[tuple[int, int], ...]:
        return tuple((i, self.agents.get(i, 0)) for i in agent_ids)


def backend(session: Session) -> CacheBackend | None:
    """The cache this session may use now, or None (no cache configured, or this
    transaction has written)."""
    if session.info.get("_wrote"):
        return None
    return session.info.get("cache")


def versions(session: Session) -> Versions:
    """The catalog's, the API keys' and every agent's version: one statement, read once
    per transaction."""
    memo = session.info.get("_versions")
    if memo is not None and memo[0] is session.get_transaction():
        return memo[1]
    named: dict[str, int] = {}
    agents: dict[int, int] = {}
    for name, agent_id, version in session.execute(_VERSIONS):
        if name:
            named[name] = version
        else:
            agents[agent_id] = version
    found = Versions(catalog=named.get(CATALOG, 0), agents=agents, api_keys=named.get(API_KEYS, 0))
    session.info["_versions"] = (session.get_transaction(), found)
    return found


def cached(session: Session, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """`compute()`, or its earlier result under `key` (which must contain the versions
    the result depends on)."""
    store = backend(session)
    if store is None:
        return compute()
    value = store.get(key)
    if value is None:
        value = compute()
        store.set(key, value)
    return value


def local_cached(session: Session, key: tuple[Any, ...], compute: Callable[[], T], *, fallback: Callable[[], T]) -> T:
    """Like `cached`, for values that stay in this process (never pickled to Redis: live
    objects such as detached ORM rows); `fallback()` when the cache is not usable now."""
    store = backend(session)
    if store is None:
        return fallback()
    local = store.local if isinstance(store, RedisCache) else store
    value = local.get(key)
    if value is None:
        value = compute()
        local.set(key, value)
    return value


def lookup(session: Session, key: tuple[Any, ...]) -> Any | None:
    """The entry under `key`, or None (absent, or the cache is not usable now)."""
    store = backend(session)
    return store.get(key) if store is not None else None


def remember(session: Session, key: tuple[Any, ...], value: T) -> T:
    """File `value` under `key` when the cache is usable now; returns `value`."""
    store = backend(session)
    if store is not None:
        store.set(key, value)
    return value


def mark_written(session: Session) -> None:
    """This transaction changes data: stop using the cache until it ends."""
    session.info["_wrote"] = True
    session.info.pop("_versions", None)


def listen(factory: sessionmaker[Session]) -> None:
    """Attach the cache's transaction hook to the app's sessions (app/db.py)."""
    event.listen(factory, "after_transaction_end", _forget_transaction)


def _forget_transaction(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop("_wrote", None)
        session.info.pop("_versions", None)
