"""The hook API on a tiny provider (data/shelf.yaml, shelf_hooks.py): references refused in
the provider's style, verbs, move listeners per resource and the event bus."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

import mailtwin.hooks
from mailtwin import Clock, Config, MailtwinApp, create_app
from mailtwin.events import Event, EventBus, SubscriberLimit
from mailtwin.hookset import Hooks
from mailtwin.inprocess import client
from mailtwin.references import values_at

DATA = Path(__file__).parent / "data"


@pytest.fixture
def shelf_app() -> MailtwinApp:
    config = Config(specs=DATA / "shelf.yaml", fixtures=DATA / "fixtures", builtin=False)
    return create_app(config, Clock(frozen_at=datetime(2026, 1, 1, tzinfo=UTC)))


@pytest.fixture
def shelf(shelf_app: MailtwinApp) -> Iterator[httpx.Client]:
    with client(shelf_app, base_url="http://mailtwin.test/shelf",
                headers={"Authorization": "Bearer reader"}) as http:
        yield http


def test_a_body_naming_a_missing_record_is_refused_in_the_provider_style(
        shelf: httpx.Client) -> None:
    response = shelf.post("/books", json={"title": "Lost", "shelf_id": 9,
                                          "related": [{"id": 1}, {"id": 77}]})
    assert response.status_code == 400
    assert response.json() == {"detail": [
        {"loc": ["body", "shelf_id"], "msg": "no shelf has the id 9", "type": "bad_request"},
        {"loc": ["body", "related", "1", "id"], "msg": "no book has the id 77",
         "type": "bad_request"}]}
    assert shelf.get("/books/3").status_code == 404


def test_a_body_naming_existing_records_is_served(shelf: httpx.Client) -> None:
    response = shelf.post("/books", json={"title": "Found", "shelf_id": 2,
                                          "related": [{"id": 2}]})
    assert response.status_code == 201
    assert response.json()["data"]["created_on"] == 1767225600


def test_a_query_reference_has_its_own_message(shelf: httpx.Client) -> None:
    response = shelf.get("/reading-list", params={"book_id": 5})
    assert response.json()["detail"] == [{"loc": ["query", "book_id"],
                                          "msg": "book 5 is not in the catalogue",
                                          "type": "bad_request"}]


def test_a_record_out_of_the_path_scope_is_not_found(shelf: httpx.Client) -> None:
    assert shelf.get("/shelves/1/books/1").status_code == 200
    assert shelf.get("/shelves/2/books/1").status_code == 404


def test_a_hook_moves_a_record_and_a_listener_of_its_resource_hears(
        shelf: httpx.Client, shelf_app: MailtwinApp) -> None:
    events: list[Event] = []
    stop = shelf_app.runtime.bus.subscribe(events.append)
    lent = shelf.post("/books/1/lend", json={"reader": "ada"}).json()["data"]
    stop()
    assert (lent["state"], lent["reader"], lent["moves"]) == ("lent", "ada", 1)
    assert [(e.kind, e.data) for e in events] == [
        ("moved", {"resource": "book", "id": 1, "from": "shelved", "to": "lent",
                   "at": "2026-01-01T00:00:00Z", "via": "request"}),
        ("book.lent", {"id": 1, "reader": "ada"})]
    assert (events[1].provider, events[1].tenant) == ("shelf", "reader")
    assert events[1].at == pytest.approx(1767225600.0)
    refused = shelf.post("/books/1/lend", json={})
    assert (refused.status_code, refused.json()["detail"][0]["msg"]) == (409, "book 1 is lent")
    shelf_app.runtime.clock.advance(timedelta(days=2))
    assert shelf.get("/books/1").json()["data"]["moves"] == 2
    assert shelf.get("/reading-list").json()["data"] == [
        {"id": 1, "title": "Emma", "reader": "ada"}]


def test_the_event_bus_keeps_only_the_last_events() -> None:
    bus = EventBus(limit=3)
    for n in range(5):
        bus.emit("tick", "p", "t", float(n), {"n": n})
    assert [e.data["n"] for e in bus.since()] == [2, 3, 4]
    assert [e.seq for e in bus.since(4)] == [5]
    bus.clear()
    assert bus.since() == []
    assert bus.emit("tick", "p", "t", 9.0).seq == 6


def test_the_event_bus_takes_a_bounded_number_of_subscribers() -> None:
    bus = EventBus(max_subscribers=2)
    seen: list[int] = []
    stops = [bus.subscribe(lambda e: seen.append(e.seq)) for _ in range(2)]
    with pytest.raises(SubscriberLimit):
        bus.subscribe(lambda e: None)
    stops[0]()
    bus.emit("tick", "p", "t", 0.0)
    assert seen == [1]
    bus.subscribe(lambda e: None)


def test_hooks_merge_and_refuse_a_name_defined_twice() -> None:
    def one(ctx: mailtwin.hooks.Context) -> mailtwin.hooks.Reply:
        return mailtwin.hooks.Reply()

    merged = Hooks.merge([Hooks(operations={"a": one}, moves={"x": []}),
                          Hooks(operations={"b": one})])
    assert sorted(merged.operations) == ["a", "b"]
    with pytest.raises(ValueError, match="defined twice"):
        Hooks.merge([Hooks(operations={"a": one}), Hooks(operations={"a": one})])


def test_a_hooks_module_must_export_hooks(tmp_path: Path) -> None:
    spec = (DATA / "shelf.yaml").read_text().replace("tests.core.shelf_hooks", "json")
    (tmp_path / "shelf.yaml").write_text(spec)
    from mailtwin.check import check

    problems = check(Config(specs=tmp_path, builtin=False))
    assert len(problems) == 1
    assert "/x-mailtwin/hooks" in problems[0]
    assert "cannot load hooks 'json'" in problems[0]


def test_a_reference_message_may_name_only_what_it_can_fill(tmp_path: Path) -> None:
    spec = (DATA / "shelf.yaml").read_text().replace(
        'message: "book {id} is not in the catalogue"', 'message: "{title} is missing"')
    (tmp_path / "shelf.yaml").write_text(spec)
    from mailtwin.check import check

    problems = check(Config(specs=tmp_path, builtin=False))
    assert len(problems) == 1 and "names {title}" in problems[0]


def test_a_pointer_with_stars_reaches_every_item() -> None:
    document = {"a": [{"id": 1}, {"id": 2}, {}], "b": {"x": {"id": 3}}}
    assert list(values_at(document, "/a/*/id")) == [(("a", 0, "id"), 1), (("a", 1, "id"), 2)]
    assert list(values_at(document, "/b/*/id")) == [(("b", "x", "id"), 3)]
    assert list(values_at(document, "/c")) == []


def test_a_reset_forgets_the_events_and_keeps_the_subscribers(
        shelf: httpx.Client, shelf_app: MailtwinApp) -> None:
    from mailtwin import Sandbox

    seen: list[Event] = []
    shelf_app.runtime.bus.subscribe(seen.append)
    shelf.post("/books/1/lend", json={})
    assert [e.kind for e in shelf_app.runtime.bus.since()] == ["moved", "book.lent"]
    with Sandbox(app=shelf_app) as control:
        control.reset()
    assert shelf_app.runtime.bus.since() == []
    shelf.post("/books/1/lend", json={})
    assert [e.kind for e in seen] == ["moved", "book.lent", "moved", "book.lent"]


def test_a_basic_scheme_challenges_with_its_declared_realm(tmp_path: Path) -> None:
    spec = (DATA / "shelf.yaml").read_text().replace("auth: {scheme: bearer}",
                                                     "auth: {scheme: basic, realm: shelf}")
    (tmp_path / "shelf.yaml").write_text(spec)
    app = create_app(Config(specs=tmp_path, fixtures=DATA / "fixtures", builtin=False))
    with client(app, base_url="http://mailtwin.test/shelf") as http:
        refused = http.get("/books/1")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == 'Basic realm="shelf"'
        assert http.get("/books/1", auth=("reader", "secret")).status_code == 200


def test_a_page_answer_is_the_first_pointer_naming_a_value(shelf: httpx.Client) -> None:
    page = shelf.get("/books/1/page")
    assert (page.status_code, page.headers["content-type"], page.text) == (
        200, "text/html; charset=utf-8", "Emma")
    assert shelf.get("/books/9/page").status_code == 404
