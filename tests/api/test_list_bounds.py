"""Every list a client sends is bounded by what it can mean, and refused early and whole
when it is longer (issue 20): answers by the questions, services, extras, parameters and
options by the catalog, form fields by count. Times are measured in bench/lists.py, not
asserted here."""
from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import func, select

from app.domain.models import Booking
from tests import builders as b
from tests.api.conftest import launch27_body


def _bookings(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Booking))


def test_an_answer_repeated_thousands_of_times_is_refused_as_one_error(customer_api, catalog, session):
    answers = [{"id": catalog["door"], "value": "4417"}] * 8000
    response = customer_api.post("/customer/bookings", launch27_body(catalog, custom_fields=answers))
    assert response.status_code == 422
    # Two questions in the catalog: the list is refused whole, not answer by answer.
    assert response.get_json()["error"]["details"] == {"custom_fields": "At most 2 answers, each once."}
    assert _bookings(session) == 0


def test_answers_are_bounded_by_the_chosen_services_own_questions(customer_api, catalog, session):
    other = b.service(session, b.location(session, name="Elsewhere"), name="Windows")
    elsewhere = b.field(session, [other], "single_line", "Ladder?")
    session.commit()
    answers = [{"id": catalog["door"], "value": "1"}, {"id": catalog["pets"], "values": []}, {"id": elsewhere.id, "value": "no"}]
    response = customer_api.post("/customer/bookings", launch27_body(catalog, custom_fields=answers))
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {
        "custom_fields": "At most 2 answers: one for each question of the chosen services."}
    assert _bookings(session) == 0


def test_a_price_estimate_refuses_more_answers_than_questions(customer_api, catalog):
    body = {"services": [{"id": catalog["service"]}], "custom_fields": [{"id": catalog["door"], "value": "x"}] * 5000}
    response = customer_api.post("/customer/bookings/price", body)
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"custom_fields": "At most 2 answers, each once."}


def test_more_services_than_the_catalog_holds_are_refused_before_they_are_read(customer_api, catalog):
    response = customer_api.post("/customer/bookings/price", {"services": [{"id": catalog["service"]}] * 60_000})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"services": "At most 2 services, each once."}


def test_more_extras_or_parameters_than_the_catalog_holds_are_refused(customer_api, catalog):
    extras = [{"id": catalog["fridge"], "quantity": 1}] * 5000
    parameters = [{"id": catalog["bedrooms"], "quantity": 1}] * 5000
    refused = customer_api.post("/customer/bookings/price", {"services": [{"id": catalog["service"], "extras": extras}]})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"] == {"services[0].extras": "At most 1 extras, each once."}
    refused = customer_api.post("/customer/bookings/price", {"services": [{"id": catalog["service"], "pricing_parameters": parameters}]})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"] == {"services[0].pricing_parameters": "At most 1 pricing parameters, each once."}


def test_extras_are_bounded_by_the_services_own_extras(customer_api, catalog, session):
    from app.domain.models import Service

    hourly = session.get(Service, catalog["hourly"])
    only_hourly = b.extra(session, [hourly], name="Oven")
    session.commit()
    extras = [{"id": catalog["fridge"], "quantity": 1}, {"id": only_hourly.id, "quantity": 1}]
    refused = customer_api.post("/customer/bookings/price", {"services": [{"id": catalog["service"], "extras": extras}]})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"] == {"services[0].extras": "Standard clean has 1 extras to choose from; list each at most once."}


def test_an_option_picked_thousands_of_times_is_refused_as_one_error(customer_api, catalog, session):
    body = launch27_body(catalog, custom_fields=[{"id": catalog["pets"], "values": [{"id": catalog["pets_cat"]}] * 5000}])
    refused = customer_api.post("/customer/bookings", body)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"] == {"custom_fields[0].values": "At most 2 options, each once."}
    assert _bookings(session) == 0


def test_the_price_preview_refuses_a_form_of_150000_junk_fields_with_413(app, client, catalog):
    app.config["WTF_CSRF_ENABLED"] = False  # a visitor's preview: the token is not what is tested
    fields = [("services", str(catalog["service"]))] + [(f"junk{i}", "x") for i in range(150_000)]
    response = client.post("/book/price", data=urlencode(fields), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    fine = client.post("/book/price", data=urlencode(fields[:900]), content_type="application/x-www-form-urlencoded")
    assert fine.status_code == 200


def test_the_form_field_limit_is_a_setting(app, client, catalog):
    app.config.update(MAX_FORM_PARTS=10, WTF_CSRF_ENABLED=False)
    fields = [("services", str(catalog["service"]))] + [(f"junk{i}", "x") for i in range(10)]
    assert client.post("/book/price", data=urlencode(fields), content_type="application/x-www-form-urlencoded").status_code == 413
    assert client.post("/book/price", data=urlencode(fields[:9]), content_type="application/x-www-form-urlencoded").status_code == 200
