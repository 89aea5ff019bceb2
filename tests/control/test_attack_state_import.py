"""Attack: a state document (over `PUT /__mailtwin/state` or as a `serve --state` file) that
passes the schema but breaks the server later: tenants without their collections, foreign
collections, malformed shared entries. Each is a 400 naming the place, and nothing changes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mailtwin import Clock, Config, MailtwinApp, Sandbox, create_app
from mailtwin.inprocess import client
from mailtwin.statefile import StateFileError, load_file
from tests.control.live import START

Change = Callable[[dict[str, Any]], None]


def _tenant(document: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = document["tenants"][0]
    return found


@pytest.mark.parametrize(("change", "where", "words"), [
    (lambda d: _tenant(d).update(collections={}), ["body", "tenants", 0, "collections"],
     "collection is missing"),
    (lambda d: _tenant(d)["collections"].pop("mailing"), ["body", "tenants", 0, "collections"],
     "the mailing collection is missing"),
    (lambda d: _tenant(d)["collections"].update(
        nothing={"id_field": "id", "records": []}),
     ["body", "tenants", 0, "collections", "nothing"], "no resource named 'nothing'"),
    (lambda d: _tenant(d)["collections"]["mailing"].update(id_field="id"),
     ["body", "tenants", 0, "collections", "mailing", "id_field"], "'mailing_id'"),
    (lambda d: d.update(shared={"emma": {"rate_limit": {"public": "lots"}}}),
     ["body", "shared", "emma", "rate_limit", "public"], "array"),
    (lambda d: d.update(shared={"emma": {"rate_limit": []}}),
     ["body", "shared", "emma", "rate_limit"], "object"),
])
def test_a_document_that_would_break_later_is_refused_now(
        sb: Sandbox, api: httpx.Client, control: httpx.Client, change: Change,
        where: list[Any], words: str) -> None:
    api.put("/100/mailings/211", json={"status": "paused"})
    document = sb.export_state()
    change(document)
    api.put("/100/mailings/211", json={"status": "ready"})
    answer = control.put("/__mailtwin/state", json=document)
    assert answer.status_code == 400
    problem = answer.json()["problems"][0]
    assert problem["loc"] == where
    assert words in problem["msg"]
    assert api.get("/100/mailings/211").json()["mailing_status"] == "p"
    assert api.get("/100/mailings").status_code == 200


def test_a_timer_due_at_nan_is_refused(sb: Sandbox, api: httpx.Client,
                                       control: httpx.Client) -> None:
    api.get("/100/mailings/200")
    text = json.dumps(sb.export_state())
    document = json.loads(text)
    document["timers"][0]["due"] = "NAN"
    raw = json.dumps(document).replace('"NAN"', "NaN")
    answer = control.put("/__mailtwin/state", content=raw,
                         headers={"content-type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["problems"][0]["loc"] in (["body", "timers", 0, "due"],
                                                   ["body", "timers", 0])


@pytest.fixture(scope="module")
def app() -> MailtwinApp:
    return create_app(Config(providers=("outreach", "especial"), max_records=400),
                      Clock(frozen_at=START))


@pytest.fixture
def http(app: MailtwinApp) -> Iterator[httpx.Client]:
    app.runtime.store.reset()
    with client(app) as made:
        made.post("/outreach/oauth/token", data={"grant_type": "client_credentials",
                                                 "client_id": "acme"})
        made.post("/especial/token", data={"username": "me@example.com", "password": "pw"})
        yield made


def _exact(http: httpx.Client) -> dict[str, Any]:
    document: dict[str, Any] = http.get("/__mailtwin/state?secrets=true").json()
    return document


def _first_key(mapping: dict[str, Any]) -> str:
    return next(iter(mapping))


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d["shared"]["outreach"]["tokens"][_first_key(
        d["shared"]["outreach"]["tokens"])].pop("kind"), ["shared", "outreach", "tokens"]),
    (lambda d: d["shared"]["outreach"].update(tokens=["not", "a", "map"]),
     ["shared", "outreach", "tokens"]),
    (lambda d: d["shared"]["especial"].update(codes={"user_confirm": ["x"]}),
     ["shared", "especial", "codes", "user_confirm"]),
    (lambda d: d["shared"]["especial"]["tokens"][_first_key(
        d["shared"]["especial"]["tokens"])].update(expires="soon"),
     ["shared", "especial", "tokens"]),
    (lambda d: d["shared"]["especial"].update(files={"key": ["t", "contact_export"]}),
     ["shared", "especial", "files", "key"]),
])
def test_malformed_shared_entries_are_refused(app: MailtwinApp, http: httpx.Client,
                                              change: Change, where: list[Any],
                                              tmp_path: Path) -> None:
    document = _exact(http)
    change(document)
    before = app.runtime.store.snapshot()
    answer = http.put("/__mailtwin/state", json=document)
    assert answer.status_code == 400, answer.text
    location = answer.json()["problems"][0]["loc"]
    assert location[:len(where) + 1] == ["body", *where]
    assert app.runtime.store.snapshot() == before
    path = tmp_path / "state.json"
    path.write_text(json.dumps(document))
    with pytest.raises(StateFileError, match=r"state\.json: shared\." + where[1]):
        load_file(app.runtime, path)
    assert app.runtime.store.snapshot() == before


def test_a_collection_past_the_record_limit_is_refused(app: MailtwinApp,
                                                       http: httpx.Client) -> None:
    http.get("/outreach/api/v2/templates", headers={"Authorization": "Bearer big"})
    document = _exact(http)
    tenant = next(t for t in document["tenants"] if t["tenant"] == "big")
    records = tenant["collections"]["template"]["records"]
    records.extend({**records[0], "id": 10_000 + n} for n in range(350))
    answer = http.put("/__mailtwin/state", json=document)
    assert answer.status_code == 400
    problem = answer.json()["problems"][0]
    assert problem["loc"][-2:] == ["template", "records"]
    assert "the 400 the sandbox keeps" in problem["msg"]


def test_a_clean_document_still_round_trips(app: MailtwinApp, http: httpx.Client) -> None:
    document = _exact(http)
    answer = http.put("/__mailtwin/state", json=document)
    assert answer.status_code == 200, answer.text
    assert _exact(http) == document
