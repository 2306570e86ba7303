"""Twilio's webhooks: delivery reports for the texts we sent (the status callback URL
each text names) and customers' replies (the number's "a message comes in" URL, where
STOP ends their texts).

Neither carries a session or a CSRF token: each request is checked instead with the
`X-Twilio-Signature` Twilio computes from our auth token, the URL it called and the
form fields, through the SDK's own RequestValidator. The URL is rebuilt from PUBLIC_URL
(what Twilio was given), never from the request's Host. Both are idempotent: Twilio may
send a report or a reply again, and the second changes nothing.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator

from ...clock import now
from ...db import get_session
from ...domain import sms
from ...domain.phones import parse_phone
from ...domain.validation import BadValue
from ...extensions import csrf
from ...links import public_url_for

bp = Blueprint("sms", __name__, url_prefix="/sms")
csrf.exempt(bp)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _verified_form(endpoint: str) -> dict[str, str]:
    """The request's form fields once its Twilio signature is checked; 403 otherwise."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN") or ""
    if not token:
        abort(403)
    url = public_url_for(endpoint)
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    form = {key: request.form.get(key, "") for key in request.form}
    if not RequestValidator(token).validate(url, form, request.headers.get("X-Twilio-Signature", "")):
        abort(403)
    return form


@bp.post("/twilio/status")
def twilio_status() -> Any:
    form = _verified_form("sms.twilio_status")
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if not sid or not status or len(sid) > 64:
        return Response("MessageSid and MessageStatus are needed.", 400, mimetype="text/plain")
    sms.record_delivery_report(get_session(), sid, status, form.get("ErrorCode", ""), now=now())
    return Response(status=204)


@bp.post("/twilio/inbound")
def twilio_inbound() -> Any:
    form = _verified_form("sms.twilio_inbound")
    words = " ".join(form.get("Body", "").split()).upper()
    if words in sms.STOP_WORDS or form.get("OptOutType", "").upper() == "STOP":
        try:
            sender = parse_phone(form.get("From", ""), region="US")
        except BadValue:
            sender = ""
        if sender:
            sms.opt_out(get_session(), sender, now=now())
    return Response(EMPTY_TWIML, 200, mimetype="text/xml")
