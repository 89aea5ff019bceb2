"""Personalization syntaxes fill a message's placeholders from its recipient's values, with a
tag's own default where the value is missing, and a recipient with no values at all still
gets the placeholders filled (defaults, or nothing)."""

from __future__ import annotations

from mailtwin.delivery.message import Body, Message
from mailtwin.delivery.personalization import SYNTAXES

TAGS = SYNTAXES["member-tags"]


def test_member_tags_take_the_value_else_their_default_else_nothing() -> None:
    text = 'Hi [% member:first_name | "there" %], [% member:last_name %]![% member:x %]'
    assert TAGS.names(text) == {"first_name", "last_name", "x"}
    assert TAGS.fill(text, {"first_name": "Ada", "last_name": "L"}) == "Hi Ada, L!"
    assert TAGS.fill(text, {"first_name": ""}) == "Hi there, !"
    assert TAGS.fill("[% mailing:name %]|[% unsubscribe %]", {"mailing:name": "April"}) == (
        "April|")


def _message(values: dict[str, str] | None) -> Message:
    body = Body("k", 'Hello [% member:first_name | "you" %]', "<p>[% member:last_name %]</p>",
                "plain", "member-tags", "a@example.com", None, None, {}, None)
    return Message("m1", 1, "emma", "t", "mailing", 1, "b@example.com", body, values, None,
                   0.0)


def test_a_recipient_without_values_gets_defaults_and_empty_placeholders() -> None:
    bare = _message(None)
    assert (bare.part("subject"), bare.part("html"), bare.part("text")) == (
        "Hello you", "<p></p>", "plain")
    named = _message({"first_name": "Ada", "last_name": "Lovelace"})
    assert (named.part("subject"), named.part("html")) == ("Hello Ada", "<p>Lovelace</p>")
