"""Drop-in paths: a LatePoint or Launch27 client switches to the portal by changing only
its host (and its key). Their paths are served as aliases of /api/v1: the path is
rewritten before routing, so the same handlers answer with the same auth, rate limits,
input checks and JSON errors (a wrong path under an alias is the API's JSON 404, not a
page). docs/api.md lists the mapping."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask

API_PREFIX = "/api/v1"
# prefix a client uses -> what it stands for here
ALIASES = {
    "/wp-json/latepoint-api/v1": API_PREFIX,  # LatePoint's REST API (seeds 000, 003)
    "/latest": API_PREFIX,  # Launch27 API 2.0 (seed 004: https://<subdomain>.launch27.com/latest/...)
}


class AliasPaths:
    """WSGI middleware rewriting an aliased PATH_INFO to the path it stands for."""

    def __init__(self, wsgi_app: Any, aliases: dict[str, str]) -> None:
        self.wsgi_app = wsgi_app
        self.aliases: Iterable[tuple[str, str]] = sorted(aliases.items(), key=lambda item: -len(item[0]))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        for prefix, target in self.aliases:
            if path == prefix or path.startswith(prefix + "/"):
                environ["PATH_INFO"] = target + path[len(prefix):]
                environ["portal.alias_of"] = prefix
                break
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    app.wsgi_app = AliasPaths(app.wsgi_app, ALIASES)  # type: ignore[method-assign]
