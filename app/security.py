"""What every response carries and how the app trusts its network: security headers,
cookie flags, trusted host names and the reverse proxies in front.

A small after_request rather than Flask-Talisman: the policy is a handful of fixed
headers, and one place that reads our own settings is easier to follow than another
extension's defaults (Talisman would also force HTTPS redirects we leave to the proxy)."""
from __future__ import annotations

from flask import Flask, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from . import config as config_module

# style-src allows inline style attributes: the calendar places its blocks with them.
# Scripts only from our own files; htmx is told not to inject styles or eval (base.html).
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
))

def content_security_policy(extra: dict[str, list[str]]) -> str:
    """The policy, with the origins card payments need (Stripe.js's, when configured)
    added to their directives and nothing else."""
    if not extra:
        return CONTENT_SECURITY_POLICY
    parts = []
    for directive in CONTENT_SECURITY_POLICY.split("; "):
        name = directive.split(" ", 1)[0]
        parts.append(" ".join([directive, *extra.get(name, [])]))
    for name, sources in extra.items():
        if not any(p.split(" ", 1)[0] == name for p in parts):
            parts.append(" ".join([name, "'self'", *sources]))
    return "; ".join(parts)


HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def configure(app: Flask) -> None:
    """Cookie flags, trusted hosts and proxies from the settings (after every config layer)."""
    secure = config_module.secure_cookies(app.config)
    app.config.update(
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_HTTPONLY=True,
        # Lax: the cookies go along when someone follows a link here, never with a
        # cross-site form post or a framed page.
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SAMESITE="Lax",
    )
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies > 0:
        # Believe exactly this many hops of X-Forwarded-*: the address rate limits see
        # is then the client's, not nginx's, and a client cannot forge its own.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]

    from .web.payments import csp_sources

    headers = dict(HEADERS, **{"Content-Security-Policy": content_security_policy(csp_sources(app))})

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if _carries_credentials():
            # Signed-in pages and answers to API credentials are for one person only.
            response.headers["Cache-Control"] = "no-store"
        return response


def _carries_credentials() -> bool:
    if request.headers.get("X-API-Key") or request.headers.get("Authorization"):
        return True
    if request.endpoint == "static" or request.path.startswith("/api/"):
        return False  # the API never looks at the browser's cookies
    return bool(current_user and current_user.is_authenticated)
