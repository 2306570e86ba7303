"""Custom fields: a question with options keeps them as lines, in order; the last may take
a text of the customer's own; renaming an option keeps its row."""
from __future__ import annotations

from app.domain import catalog

from .helpers import edit, last_audit, refused, save

CHOICE = {"label": "Pets at home?", "field_type": "radio", "visibility": "customer", "position": "0",
          "options": "None\nA cat\nSomething else", "last_is_other": "1"}


def test_options_are_saved_in_order_and_the_last_takes_other(session, now):
    saved = save(session, "fields", CHOICE, now)
    assert [(o.label, o.position, o.allows_other) for o in saved.options] == [
        ("None", 0, False), ("A cat", 1, False), ("Something else", 2, True)]


def test_a_question_with_options_needs_one(session, now):
    assert refused(session, "fields", CHOICE | {"options": " \n "}, now) == {"options": "Give at least one option, one per line."}


def test_an_option_over_200_characters_is_refused(session, now):
    assert refused(session, "fields", CHOICE | {"options": "x" * 201}, now) == {"options": "Each option is at most 200 characters."}


def test_a_text_question_needs_no_options(session, now):
    saved = save(session, "fields", CHOICE | {"field_type": "single_line", "options": ""}, now)
    assert saved.options == []


def test_renaming_an_option_keeps_its_row_and_is_audited(session, now):
    saved = save(session, "fields", CHOICE, now)
    first = saved.options[0].id
    edit(session, "fields", saved, {"options": "No pets\nA cat\nSomething else", "last_is_other": "1"}, now)
    assert (saved.options[0].id, saved.options[0].label) == (first, "No pets")
    assert last_audit(session).changes["options"][1] == ["No pets", "A cat", "Something else (other)"]


def test_the_form_shows_the_options_as_lines(session, now):
    saved = save(session, "fields", CHOICE, now)
    values = catalog.form_values(session, catalog.TYPES["fields"], saved)
    assert (values["options"], values["last_is_other"]) == ("None\nA cat\nSomething else", True)


def test_a_bad_visibility_is_refused(session, now):
    assert refused(session, "fields", CHOICE | {"visibility": "everyone"}, now) == {"visibility": "Choose one of the options."}
