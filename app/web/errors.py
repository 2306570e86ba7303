"""Error pages in the site's layout, each with a way back. The API keeps its JSON
envelope: app/api answers its own paths and hands every other request here."""
from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

TITLES = {
    400: ("That request did not make sense", "Something in the request was not right. Please go back and try again."),
    403: ("You cannot open this page", "This page is not available to your account."),
    404: ("Page not found", "The page may have moved, or the address may be mistyped."),
    405: ("That action is not possible here", "This address does not take that kind of request. Please go back and use the page's own buttons."),
    413: ("That was too large", "What you sent is larger than we accept. Please send less and try again."),
    500: ("Sorry, something went wrong on our side", "Nothing was changed. Please try again in a moment."),
    503: ("We are busy right now", "Someone else is changing the same thing, or the site is under load. Nothing was "
                                   "changed. Please go back and try again in a moment."),
}


def site_error_page(exc: HTTPException) -> Any:
    """The error as a page of the site; a plain page if even that cannot be drawn."""
    code = exc.code or 500
    title, text = TITLES.get(code, (exc.name, exc.description or ""))
    headers = exc.get_headers() if code == 405 else []
    allow = [value for name, value in headers if name.lower() == "allow"]
    try:
        body = render_template("errors/error.html", code=code, title=title, text=text)
    except Exception:  # the database behind the layout may be what failed
        current_app.logger.exception("error page could not be rendered")
        body = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{text}</p><p><a href='/'>Home page</a></p>"
    response = current_app.make_response((body, code))
    if allow:
        response.headers["Allow"] = allow[0]
    return response


def busy_page(retry_after: int) -> Any:
    """A database wait ran out (a lock held too long, a statement past its timeout)."""
    response = site_error_page(ServiceUnavailable())
    response.headers["Retry-After"] = str(retry_after)
    return response


def server_error_page() -> Any:
    return site_error_page(InternalServerError())

