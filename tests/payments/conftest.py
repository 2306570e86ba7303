"""Payments tests run against a real localstripe on a free loopback port (one process for
the run: it is stateful, so tests count only the objects their own payments made)."""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from app.domain.models import AmountType, PaymentMode
from app.domain.payments import save_policy
from app.transports.stripe import StripeGateway
from tests import builders as b
from tests.localstripe_server import localstripe_server

CARDS = {
    "ok": "4242424242424242",
    "declined_when_saved": "4000000000000002",
    "declined_when_charged": "4000000000000341",
    "three_d_secure": "4000002760003184",
}


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with localstripe_server(tmp_path_factory.mktemp("localstripe")) as url:
        yield url


@pytest.fixture
def config(config: dict[str, object], localstripe: str) -> dict[str, object]:
    return config | {
        "STRIPE_SECRET_KEY": "sk_test_portal",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_portal",
        "STRIPE_WEBHOOK_SECRET": "whsec_test_portal",
        "STRIPE_API_BASE": localstripe,
        "STRIPE_JS_URL": f"{localstripe}/js.stripe.com/v3/",
    }


@pytest.fixture
def gateway(localstripe: str) -> StripeGateway:
    return StripeGateway("sk_test_portal", api_base=localstripe)


@pytest.fixture
def berlin(session):
    """An office in Berlin charging EUR, a 100 EUR service taking a 20 % deposit, one
    agent, and a customer."""
    loc = b.location(session, "Europe/Berlin", currency="EUR", name="Berlin")
    svc = b.service(session, loc, name="Deep clean", price=Decimal("100.00"))
    agent = b.agent(session, [svc], loc)
    save_policy(session, service_id=svc.id, values={
        "mode": PaymentMode.DEPOSIT, "deposit_type": AmountType.PERCENT, "deposit_value": "20",
        "no_show_fee_type": AmountType.FIXED, "no_show_fee_value": "30", "late_cancel_fee_type": AmountType.PERCENT,
        "late_cancel_fee_value": "50",
    })
    customer = b.customer(session)
    session.commit()
    return loc, svc, agent, customer


def confirm_setup(gateway: StripeGateway, setup_intent_id: str, card: str) -> None:
    """What Stripe.js's confirmCardSetup does in the browser: the card goes to Stripe
    (localstripe), never to us."""
    gateway.client.v1.setup_intents.confirm(setup_intent_id, {"payment_method_data": {
        "type": "card", "card": {"number": CARDS.get(card, card), "exp_month": 12, "exp_year": 2030, "cvc": "123"}}})


def intents_for(gateway: StripeGateway, payment) -> list:
    """The PaymentIntents made for one of our payment rows (localstripe is shared by the run)."""
    return [i for i in gateway.payment_intents(limit=100) if (i.metadata or {}).get("payment_key") == payment.idempotency_key]
