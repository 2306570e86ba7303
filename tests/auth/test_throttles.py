"""Throttles on guessing, counted by the API's own limiter: web and API logins per
address and per account, forgotten-password requests, discount codes in the price
preview and the booking (customer form, staff form, API), and wrong API credentials
per address."""
from __future__ import annotations

import contextlib
import re
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.domain import accounts
from app.domain.discounts import GIFT_CARD_ALPHABET
from app.domain.models import Booking, DiscountCode, OutboxMessage, RateLimitCounter
from tests import builders as b
from tests.conftest import DAY, NOW
from tests.web.helpers import csrf_from, submit

PASSWORD = "correct-horse"


@pytest.fixture
def config(config):
    return config | {"PROXY_FIX": 1}  # tests pick their client address with X-Forwarded-For


def at(address):
    return {"headers": {"X-Forwarded-For": address}}


def make_user(session, email="casey@example.com", role="customer"):
    return accounts.create_user(session, email=email, password=PASSWORD, role=role, first_name="Casey", now=NOW)


def web_login(client, email, password, address="192.0.2.1"):
    return submit(client, "/login", {"email": email, "password": password}, **at(address))


def test_web_login_stops_a_guesser_even_with_the_right_password(app, client, session):
    app.config["LOGIN_RATE_LIMIT"] = "5 per minute"
    make_user(session)
    wrong = [web_login(client, "casey@example.com", f"guess-{i}").status_code for i in range(5)]
    assert wrong == [422] * 5
    refused = web_login(client, "casey@example.com", PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Please wait" in refused.get_data(as_text=True)
    # Someone else, from another address, logs in as usual.
    make_user(session, "other@example.com")
    assert web_login(client, "other@example.com", PASSWORD, address="198.51.100.7").status_code == 302


def test_web_login_is_throttled_per_account_at_each_address_without_locking_the_owner_out(app, client, session):
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "3 per hour"
    make_user(session)
    for _ in range(3):
        assert web_login(client, "casey@example.com", "wrong-one", address="203.0.113.1").status_code == 422
    assert web_login(client, "casey@example.com", PASSWORD, address="203.0.113.1").status_code == 429
    # The guesser's budget on this account is spent at its address; the owner's is not.
    assert web_login(app.test_client(), "casey@example.com", PASSWORD, address="198.51.100.99").status_code == 302


def test_ten_wrong_passwords_lock_the_guessers_address_not_the_owner(app, client, session):
    make_user(session, "admin@example.com", role="admin")
    for i in range(10):  # the default budgets: 10 a minute per address, 10 per 15 minutes per account there
        assert web_login(client, "admin@example.com", f"guess-{i}", address="203.0.113.66").status_code == 422
    assert web_login(client, "admin@example.com", PASSWORD, address="203.0.113.66").status_code == 429
    assert web_login(app.test_client(), "admin@example.com", PASSWORD, address="198.51.100.20").status_code == 302
    # And a reset link still lets the owner in, from the guesser's address too.
    submit(app.test_client(), "/forgot-password", {"email": "admin@example.com"}, **at("198.51.100.21"))
    body = session.scalars(select(OutboxMessage)).one().body
    link = re.search(r"https?://\S+(/reset-password/\S+)", body).group(1)
    owner = app.test_client()
    reset = submit(owner, link, {"password": "a-new-password", "confirm": "a-new-password"}, **at("203.0.113.66"))
    assert reset.status_code == 302 and owner.get("/admin/calendar").status_code == 200


def test_thirty_concurrent_wrong_logins_check_at_most_the_budget(app, session, monkeypatch):
    app.config["LOGIN_RATE_LIMIT"] = "10 per minute"
    make_user(session)
    checked = []
    together = threading.Barrier(10, timeout=5)  # holds the first checks until ten are in flight
    real = accounts.verify_password

    def slow_verify(user, password):
        checked.append(password)
        with contextlib.suppress(threading.BrokenBarrierError):
            together.wait()
        return real(user, password)

    monkeypatch.setattr(accounts, "verify_password", slow_verify)
    answers: list[int] = []
    forms = []
    for _ in range(30):  # thirty browsers on the log-in page, each with its own CSRF token
        browser = app.test_client()
        forms.append((browser, csrf_from(browser.get("/login").get_data(as_text=True))))

    def guess(i):
        browser, token = forms[i]
        answers.append(browser.post("/login", data={"csrf_token": token, "email": "casey@example.com", "password": f"guess-{i}"},
                                    **at("203.0.113.77")).status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(checked) == 10
    assert sorted(answers) == [422] * 10 + [429] * 20


def test_guessing_the_current_password_on_the_profile_is_throttled(app, client, session):
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "3 per hour"
    make_user(session)
    assert web_login(client, "casey@example.com", PASSWORD).status_code == 302

    def change(current):
        return submit(client, "/profile", {"pw-current_password": current, "pw-new_password": "a-new-password",
                                           "pw-confirm": "a-new-password"}, post_url="/profile/password", **at("192.0.2.1"))

    assert [change(f"guess-{i}").status_code for i in range(3)] == [422] * 3
    refused = change(PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert accounts.authenticate_login(session, "casey@example.com", PASSWORD) is not None  # unchanged


def test_successful_logins_are_not_counted(app, client, session):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    make_user(session)
    for _ in range(4):
        assert web_login(client, "casey@example.com", PASSWORD).status_code == 302


def test_api_login_is_throttled_per_account(app, client, session):
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "2 per hour"
    make_user(session)
    for _ in range(2):
        answer = client.post("/api/v1/login", json={"email": "casey@example.com", "password": "nope-nope"}, **at("203.0.113.1"))
        assert answer.status_code == 401
    refused = client.post("/api/v1/login", json={"email": "casey@example.com", "password": PASSWORD}, **at("203.0.113.1"))
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    owner = client.post("/api/v1/login", json={"email": "casey@example.com", "password": PASSWORD}, **at("198.51.100.50"))
    assert owner.status_code == 200


def test_forgot_password_is_limited_per_address_and_per_target(app, client, session):
    app.config["PASSWORD_RESET_RATE_LIMIT"] = "4 per hour"
    app.config["PASSWORD_RESET_EMAIL_RATE_LIMIT"] = "2 per hour"
    make_user(session)
    for i in range(3):  # from several addresses, at one victim
        assert submit(client, "/forgot-password", {"email": "casey@example.com"}, **at(f"203.0.113.{i}")).status_code == 302
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 2
    for i in range(4):  # one address, many targets
        answer = submit(client, "/forgot-password", {"email": f"someone{i}@example.com"}, **at("192.0.2.9"))
        assert answer.status_code == 302
    refused = submit(client, "/forgot-password", {"email": "casey@example.com"}, **at("192.0.2.9"))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


@pytest.fixture
def priced(session):
    loc, svc, _ = b.basic_setup(session)
    b.frequency(session, "One time", None, 1, "0")
    b.code(session, "GIFT-ABCD-EFGH-JKMN-PQRS", kind="giftcard", amount_type="fixed", amount=Decimal("0"), balance=Decimal("30.00"))
    session.commit()
    return svc


def test_code_guessing_in_the_api_price_preview_is_throttled(app, client, session, priced):
    app.config["CODE_CHECK_RATE_LIMIT"] = "3 per hour"
    make_user(session)
    token = client.post("/api/v1/login", json={"email": "casey@example.com", "password": PASSWORD}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}

    def price(code):
        body = {"frequency_id": 1, "services": [{"id": priced.id}], "discount_code": code}
        return client.post("/api/v1/customer/bookings/price", json=body, headers=auth)

    assert [price(f"GUESS{i}").status_code for i in range(3)] == [422] * 3
    refused = price("GIFT-ABCD-EFGH-JKMN-PQRS")  # the right code, found too late
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert client.post("/api/v1/customer/bookings/price", json={"frequency_id": 1, "services": [{"id": priced.id}]},
                       headers=auth).status_code == 200  # prices without a code still work


def test_code_guessing_in_the_web_price_preview_is_throttled(app, client, session, priced):
    app.config["CODE_CHECK_RATE_LIMIT"] = "3 per hour"
    make_user(session)
    assert web_login(client, "casey@example.com", PASSWORD).status_code == 302
    page = client.get("/book").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)

    def preview(code):
        data = {"services": str(priced.id), "frequency_id": "1", "date": DAY, "payment_method": "cash", "discount_code": code}
        return client.post("/book", data=data, headers={"HX-Request": "true", "X-CSRFToken": token}).get_data(as_text=True)

    for i in range(3):
        assert "Too many codes" not in preview(f"GUESS{i}")
    answer = preview("GIFT-ABCD-EFGH-JKMN-PQRS")
    assert "Too many codes" in answer and "30.00" not in answer


@pytest.mark.parametrize("role", ["customer", "staff"])
def test_once_codes_are_used_up_booking_with_a_code_is_refused_on_the_customer_and_staff_forms(app, client, session, priced, role):
    """The booking itself checks a code: after the guesses, "Book" with a code (even the
    right one) is the form again with 429, the wait, and nothing booked."""
    app.config["CODE_CHECK_RATE_LIMIT"] = "3 per hour"
    make_user(session, email=f"{role}@example.com", role=role)
    assert web_login(client, f"{role}@example.com", PASSWORD).status_code == 302
    form_path = "/book" if role == "customer" else "/admin/bookings/new"
    page = client.get(form_path).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "services": str(priced.id), "frequency_id": "1", "date": DAY, "time": "10:00",
            "agent_id": "any", "address": "1 Main St", "payment_method": "cash", "nonce": f"{role}-codes"}
    for i in range(3):  # wrong codes in the form's price
        assert "Too many codes" not in client.post(form_path, data={**data, "discount_code": f"GUESS{i}"}).get_data(as_text=True)
    booked = client.post(form_path, data={**data, "discount_code": "GIFT-ABCD-EFGH-JKMN-PQRS", "action": "book"})
    assert booked.status_code == 429 and int(booked.headers["Retry-After"]) > 0
    assert "Too many codes" in booked.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Booking)) == 0


def test_made_up_api_keys_are_throttled_per_address_and_add_no_rows(app, client, session):
    app.config["AUTH_FAILURE_RATE_LIMIT"] = "5 per minute"
    statuses = [client.get("/api/v1/services", headers={"X-API-Key": f"bk_random{i}", **at("192.0.2.5")["headers"]}).status_code
                for i in range(8)]
    assert statuses == [401] * 5 + [429] * 3
    # Counted per address: a handful of rows, not one per key.
    assert session.scalar(select(func.count()).select_from(RateLimitCounter)) <= 3
    _, key = accounts.create_api_key(session, name="real", scope="read", now=NOW)
    assert client.get("/api/v1/services", headers={"X-API-Key": key, **at("198.51.100.1")["headers"]}).status_code == 200


def test_made_up_bearer_tokens_are_throttled_per_address(app, client):
    app.config["AUTH_FAILURE_RATE_LIMIT"] = "2 per minute"
    statuses = [client.get("/api/v1/customer/bookings", headers={"Authorization": f"Bearer tok{i}", **at("192.0.2.6")["headers"]}).status_code
                for i in range(3)]
    assert statuses == [401, 401, 429]


# What argon2-cffi's PasswordHasher() uses (RFC 9106's low-memory profile): 64 MiB, 3 passes, 4 lanes.
REAL_COST = "$argon2id$v=19$m=65536,t=3,p=4$"


def test_passwords_are_hashed_with_the_real_argon2_cost(client, session, real_password_hashing):
    """The rest of the suite hashes cheaply (tests/conftest.py): here the app's own settings."""
    user = make_user(session)
    assert user.password_hash.startswith(REAL_COST)
    assert accounts._hash_for_nobody().startswith(REAL_COST)  # an unknown address costs the same
    assert accounts.verify_password(user, PASSWORD) and not accounts.verify_password(user, PASSWORD + "!")
    assert web_login(client, "casey@example.com", PASSWORD).status_code == 302


def test_an_unknown_address_costs_the_same_argon2_verification(client, session, monkeypatch, real_password_hashing):
    make_user(session)
    calls = []
    real = accounts._hasher

    class Spy:
        def hash(self, password):
            return real.hash(password)

        def verify(self, stored, password):
            calls.append(stored)
            return real.verify(stored, password)

    monkeypatch.setattr(accounts, "_hasher", Spy())
    client.post("/api/v1/login", json={"email": "nobody@example.com", "password": "whatever-1"})
    client.post("/api/v1/login", json={"email": "casey@example.com", "password": "whatever-1"})
    submit(client, "/login", {"email": "nobody@example.com", "password": "whatever-1"})
    assert len(calls) == 3 and all(h.startswith(REAL_COST) for h in calls)


def test_admins_get_long_generated_gift_card_codes(client, session):
    make_user(session, "admin@example.com", role="admin")
    assert web_login(client, "admin@example.com", PASSWORD).status_code == 302
    page = client.get("/admin/manage/discount_codes/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    base = {"csrf_token": token, "kind": "giftcard", "amount_type": "fixed", "balance": "50"}
    short = client.post("/admin/manage/discount_codes/new", data=base | {"code": "GIFT50"})
    assert short.status_code == 422 and "at least 16" in short.get_data(as_text=True)
    made = client.post("/admin/manage/discount_codes/new", data=base | {"code": ""})
    assert made.status_code in (302, 303), made.get_data(as_text=True)[:500]
    code = session.scalars(select(DiscountCode)).one().code
    letters = code.replace("-", "")
    assert len(letters) >= 16 and set(letters) <= set(GIFT_CARD_ALPHABET)


def test_booking_with_guessed_codes_shares_the_code_budget(app, client, session, priced):
    app.config["CODE_CHECK_RATE_LIMIT"] = "2 per hour"
    make_user(session)
    token = client.post("/api/v1/login", json={"email": "casey@example.com", "password": PASSWORD}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    body = {"address": "1 Main St", "frequency_id": 1, "service_date": f"{DAY}T10:00:00", "arrival_window": 0,
            "services": [{"id": priced.id}], "payment_method": "cash"}
    guesses = [client.post("/api/v1/customer/bookings", json=body | {"discount_code": f"GUESS{i}"}, headers=auth) for i in range(2)]
    assert [(g.status_code, g.get_json()["error"]["code"]) for g in guesses] == [(422, "discount_code_invalid")] * 2
    refused = client.post("/api/v1/customer/bookings", json=body | {"discount_code": "GIFT-ABCD-EFGH-JKMN-PQRS"}, headers=auth)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # The web form of the same customer is out of guesses as well.
    assert web_login(client, "casey@example.com", PASSWORD).status_code == 302
    page = client.get("/book").get_data(as_text=True)
    form = {"csrf_token": re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1), "action": "book",
            "services": str(priced.id), "frequency_id": "1", "date": DAY, "time": "10:00", "address": "1 Elm St", "payment_method": "cash",
            "discount_code": "GIFT-ABCD-EFGH-JKMN-PQRS"}
    answer = client.post("/book", data=form)
    assert answer.status_code == 429 and "Too many codes" in answer.get_data(as_text=True)


REGISTRATION = {"first_name": "Robin", "last_name": "Reyes"}


def register(client, email, address):
    return submit(client, "/register", REGISTRATION | {"email": email}, **at(address))


def test_registration_is_throttled_per_address_and_in_total(app, client, session):
    app.config["REGISTER_RATE_LIMIT"] = "2 per hour"
    app.config["REGISTER_TOTAL_RATE_LIMIT"] = "3 per hour"
    assert [register(app.test_client(), f"r{i}@example.com", "192.0.2.10").status_code for i in range(2)] == [302, 302]
    refused = register(app.test_client(), "r2@example.com", "192.0.2.10")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert register(app.test_client(), "r3@example.com", "198.51.100.10").status_code == 302  # another address
    assert register(app.test_client(), "r4@example.com", "203.0.113.10").status_code == 429  # all addresses: 3 an hour
    sent = session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.topic == "account.confirm")).all()
    assert sorted(sent) == ["r0@example.com", "r1@example.com", "r3@example.com"]


def test_a_new_account_from_the_same_address_brings_no_new_code_budget(app, client, session, priced):
    app.config["CODE_CHECK_RATE_LIMIT"] = "2 per hour"

    def guess(email, code):
        make_user(session, email)
        token = client.post("/api/v1/login", json={"email": email, "password": PASSWORD}, **at("192.0.2.20")).get_json()["token"]
        body = {"frequency_id": 1, "services": [{"id": priced.id}], "discount_code": code}
        return [client.post("/api/v1/customer/bookings/price", json=body,
                            headers={"Authorization": f"Bearer {token}", **at("192.0.2.20")["headers"]}).status_code for _ in range(2)]

    assert guess("first@example.com", "GUESS1") == [422, 422]
    assert guess("second@example.com", "GIFT-ABCD-EFGH-JKMN-PQRS") == [429, 429]


def test_the_booking_forms_new_account_answers_a_known_and_a_new_email_alike(app, client, session, priced):
    make_user(session)
    answers = []
    for email in ("casey@example.com", "mallory@example.com"):
        visitor = app.test_client()
        page = visitor.get("/book").get_data(as_text=True)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
        answer = visitor.post("/book", data={
            "csrf_token": token, "action": "review", "services": str(priced.id), "frequency_id": "1", "date": "2026-11-24",
            "time": "10:00", "address": "1 Elm St", "payment_method": "cash", "account": "new", "account_first_name": "Mallory", "account_last_name": "M",
            "account_email": email})
        answers.append((answer.status_code, answer.headers.get("Location"), answer.get_data(as_text=True)))
    assert answers[0] == answers[1] and answers[0][:2] == (303, "/register/sent")
    message = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "account.exists")).one()
    assert message.recipient == "casey@example.com" and "/reset-password/" in message.body
    confirm = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "account.confirm")).one()
    assert confirm.recipient == "mallory@example.com" and "/register/confirm/" in confirm.body


def test_the_booking_forms_new_accounts_are_under_the_registration_throttle(app, client, session, priced):
    app.config["REGISTER_RATE_LIMIT"] = "1 per hour"

    def new_account(email):
        visitor = app.test_client()
        page = visitor.get("/book").get_data(as_text=True)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
        return visitor.post("/book", data={
            "csrf_token": token, "action": "review", "services": str(priced.id), "frequency_id": "1", "date": "2026-11-24",
            "time": "10:00", "address": "1 Elm St", "payment_method": "cash", "account": "new", "account_first_name": "Robin", "account_last_name": "R",
            "account_email": email}, **at("192.0.2.30"))

    assert new_account("one@example.com").status_code == 303
    refused = new_account("two@example.com")
    assert refused.status_code == 422 and "Too many new accounts from here" in refused.get_data(as_text=True)
    assert session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "two@example.com")).first() is None
