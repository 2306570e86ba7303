"""Absolute links for messages, built from configuration only.

A link in an e-mail must never come from the request that caused it: a reset asked for
with `Host: attacker.example` would otherwise mail a link to the attacker's site. The
base is PUBLIC_URL, else PREFERRED_URL_SCHEME://SERVER_NAME (+ APPLICATION_ROOT)."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app

DEV_URL = "http://127.0.0.1:5000"


def public_base(config: dict[str, Any]) -> str:
    """The configured public address of the site, without a trailing slash."""
    if config.get("PUBLIC_URL"):
        return str(config["PUBLIC_URL"]).rstrip("/")
    if config.get("SERVER_NAME"):
        root = str(config.get("APPLICATION_ROOT") or "/").rstrip("/")
        return f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}{root}"
    return DEV_URL


def public_url_for(endpoint: str, *, app: Flask | None = None, **values: Any) -> str:
    """url_for(endpoint, **values) as an absolute URL on the configured public address,
    whatever request (if any) is being handled."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    base = urlsplit(public_base(app.config))
    adapter = app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)
