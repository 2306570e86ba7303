"""The thin gateway to Stripe (or localstripe, its stand-in on loopback): the few calls
the payments domain makes, through the official SDK, each carrying the idempotency key
the domain derived from its own row. It decides nothing; app/domain/payments.py does.

Quirk of localstripe (noted for the tests): it ignores idempotency keys, so against it
"exactly once" rests on the domain's claim on its row; against Stripe both hold."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import stripe

from ..domain.payments import CardDeclined, UnknownToStripe

# Stripe's own answer for a card that was declined, shown at the payment field.
DECLINED = "Your card was declined."


@dataclass(frozen=True)
class Intent:
    """What the domain needs of a SetupIntent or PaymentIntent."""

    id: str
    status: str
    client_secret: str
    payment_method: str | None
    amount: int = 0
    currency: str = ""
    error: str = ""
    metadata: dict[str, str] | None = None


@dataclass(frozen=True)
class Card:
    brand: str
    last4: str
    exp_month: int
    exp_year: int


class StripeUnavailable(Exception):
    """Stripe did not answer, or answered with an error that is not about the card."""


def _plain(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _intent(stripe_obj: Any) -> Intent:
    obj = _plain(stripe_obj)
    pm = obj.get("payment_method")
    if isinstance(pm, dict):
        pm = pm.get("id")
    error = obj.get("last_payment_error") or obj.get("last_setup_error") or {}
    return Intent(
        id=obj["id"], status=obj["status"], client_secret=obj.get("client_secret") or "", payment_method=pm,
        amount=int(obj.get("amount") or 0), currency=str(obj.get("currency") or ""),
        error=(error.get("message") or "") if isinstance(error, dict) else "",
        metadata=dict(obj.get("metadata") or {}),
    )


class StripeGateway:
    def __init__(self, secret_key: str, *, api_base: str | None = None, timeout: float = 20) -> None:
        http = stripe.RequestsClient(timeout=timeout) if _has_requests() else None
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,  # type: ignore[typeddict-item]
            http_client=http,
            # Retries reuse the idempotency key, so they are safe.
            max_network_retries=2,
        )

    def _call(self, fn: Any, params: dict[str, Any], key: str | None = None) -> Any:
        try:
            return fn(params, {"idempotency_key": key} if key else None)
        except stripe.CardError as exc:
            intent = getattr(exc.error, "payment_intent", None) if exc.error else None
            raise CardDeclined(exc.user_message or DECLINED, getattr(intent, "id", None)) from exc
        except stripe.StripeError as exc:
            if exc.http_status == 402:
                raise CardDeclined(exc.user_message or DECLINED) from exc
            if exc.http_status == 404:
                raise UnknownToStripe(str(exc.user_message or exc)) from exc
            raise StripeUnavailable(str(exc.user_message or exc)) from exc

    def create_customer(self, *, email: str, name: str, key: str) -> str:
        return self._call(self.client.v1.customers.create, {"email": email, "name": name}, key)["id"]

    def create_setup_intent(self, *, customer: str, key: str, metadata: dict[str, str]) -> Intent:
        params = {"customer": customer, "usage": "off_session", "payment_method_types": ["card"], "metadata": metadata}
        return _intent(self._call(self.client.v1.setup_intents.create, params, key))

    def retrieve_setup_intent(self, intent_id: str) -> Intent:
        return _intent(self._call(lambda p, o: self.client.v1.setup_intents.retrieve(intent_id, p, o), {}))

    def card(self, payment_method: str) -> Card:
        pm = _plain(self._call(lambda p, o: self.client.v1.payment_methods.retrieve(payment_method, p, o), {}))
        card = pm.get("card") or {}
        return Card(str(card.get("brand") or ""), str(card.get("last4") or ""), int(card.get("exp_month") or 0), int(card.get("exp_year") or 0))

    def charge(
        self, *, amount: int, currency: str, customer: str, payment_method: str, key: str, metadata: dict[str, str],
        off_session: bool,
    ) -> Intent:
        """Create and confirm a PaymentIntent. Raises CardDeclined."""
        params: dict[str, Any] = {
            "amount": amount, "currency": currency.lower(), "customer": customer, "payment_method": payment_method,
            "confirm": True, "metadata": metadata, "payment_method_types": ["card"],
        }
        if off_session:
            params["off_session"] = True
        return _intent(self._call(self.client.v1.payment_intents.create, params, key))

    def retrieve_payment_intent(self, intent_id: str) -> Intent:
        return _intent(self._call(lambda p, o: self.client.v1.payment_intents.retrieve(intent_id, p, o), {}))

    def payment_intents(self, limit: int = 100) -> list[Intent]:
        """The latest PaymentIntents (for reconcile): at most `limit`."""
        page = self._call(self.client.v1.payment_intents.list, {"limit": limit})
        return [_intent(obj) for obj in page.data]

    def refunds_of(self, payment_intent: str, limit: int = 100) -> list[Intent]:
        """The refunds made from a PaymentIntent (latest first, at most `limit`): id,
        status, amount and metadata, for reconcile to find one it made but did not record."""
        page = self._call(self.client.v1.refunds.list, {"payment_intent": payment_intent, "limit": limit})
        return [Intent(id=r["id"], status=str(r.get("status") or ""), client_secret="", payment_method=None,
                       amount=int(r.get("amount") or 0), currency=str(r.get("currency") or ""),
                       metadata=dict(r.get("metadata") or {})) for r in (_plain(obj) for obj in page.data)]

    def refund(self, *, payment_intent: str, amount: int, key: str, metadata: dict[str, str]) -> str:
        params = {"payment_intent": payment_intent, "amount": amount, "metadata": metadata}
        return self._call(self.client.v1.refunds.create, params, key)["id"]


def _has_requests() -> bool:
    try:
        import requests  # noqa: F401
    except ImportError:
        return False
    return True


def gateway_from_config(config: Any) -> StripeGateway | None:
    """The gateway when card payments are set up (both keys), else None."""
    secret, publishable = config.get("STRIPE_SECRET_KEY"), config.get("STRIPE_PUBLISHABLE_KEY")
    if not secret or not publishable:
        return None
    return StripeGateway(secret, api_base=config.get("STRIPE_API_BASE"), timeout=float(config.get("DELIVERY_TIMEOUT_SECONDS") or 20))


def gateway_for(app: Any) -> StripeGateway | None:
    """The app's gateway (made once per app), or None when card payments are not set up."""
    if "stripe_gateway" not in app.extensions:
        app.extensions["stripe_gateway"] = gateway_from_config(app.config)
    return app.extensions["stripe_gateway"]
