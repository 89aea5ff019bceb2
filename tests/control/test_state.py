"""Export the whole state as JSON and import it back; state files for `mailtwin serve --state`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from mailtwin import Clock, Config, MailtwinApp, Sandbox, create_app
from mailtwin.inprocess import client
from mailtwin.statefile import StateFileError, load_file, save_file


def test_export_is_json_with_tenants_collections_records(sb: Sandbox, api: httpx.Client
                                                        ) -> None:
    api.put("/100/mailings/211", json={"status": "paused"})
    document = sb.export_state()
    assert document["format"] == "mailtwin-state"
    assert document["clock"] == {"now": "2018-09-16T12:00:00.000000Z", "frozen": True}
    (tenant,) = document["tenants"]
    assert (tenant["provider"], tenant["tenant"]) == ("emma", "public")
    mailings = tenant["collections"]["mailing"]
    assert mailings["id_field"] == "mailing_id"
    paused = [r for r in mailings["records"] if r["mailing_id"] == 211]
    assert paused[0]["mailing_status"] == "a"
    assert document["timers"]
    json.dumps(document)


def test_import_puts_back_an_exported_state(sb: Sandbox, api: httpx.Client) -> None:
    api.put("/100/mailings/211", json={"status": "paused"})
    created = api.post("/100/mailings/200", json={"recipient_emails": ["x@example.com"]})
    document = sb.export_state()
    sb.reset(clock="2030-01-01T00:00:00Z")
    answer = sb.import_state(document)
    assert answer["tenants"] == 1
    assert answer["clock"]["now"] == "2018-09-16T12:00:00.000000Z"
    assert api.get("/100/mailings/211").json()["mailing_status"] == "a"
    ident = created.json()["mailing_id"]
    moved = sb.clock.advance(minutes=10)
    assert [(m["from"], m["to"]) for m in moved if m["id"] == ident] == [("i", "s"), ("s", "c")]
    again = api.post("/100/mailings/200", json={"recipient_emails": ["y@example.com"]})
    assert again.json()["mailing_id"] == ident + 1


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d.update(format="other"), ["body", "format"]),
    (lambda d: d["tenants"][0].update(provider="nope"), ["body", "tenants", 0, "provider"]),
    (lambda d: d["tenants"].append(dict(d["tenants"][0])), ["body", "tenants", 1]),
    (lambda d: d["tenants"][0]["collections"]["mailing"]["records"].append({"x": 1}),
     ["body", "tenants", 0, "collections", "mailing", "records", 52]),
    (lambda d: d["timers"][0].update(move=99), ["body", "timers", 0]),
])
def test_a_bad_document_is_refused_and_changes_nothing(
        sb: Sandbox, api: httpx.Client, control: httpx.Client, change: object,
        where: list[object]) -> None:
    api.put("/100/mailings/211", json={"status": "paused"})
    document = sb.export_state()
    change(document)  # type: ignore[operator]
    api.put("/100/mailings/211", json={"status": "ready"})
    response = control.put("/__mailtwin/state", json=document)
    assert response.status_code == 400
    assert response.json()["problems"][0]["loc"] == where
    assert api.get("/100/mailings/211").json()["mailing_status"] == "p"


def test_state_file_round_trip(sb: Sandbox, api: httpx.Client, mailtwin_app: MailtwinApp,
                               tmp_path: Path) -> None:
    api.put("/100/mailings/211", json={"status": "paused"})
    path = tmp_path / "state.json"
    save_file(mailtwin_app.runtime, path)
    sb.reset()
    load_file(mailtwin_app.runtime, path)
    assert api.get("/100/mailings/211").json()["mailing_status"] == "a"


def test_a_broken_state_file_says_where(mailtwin_app: MailtwinApp, tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"format": "mailtwin-state", "version": 1, "tenants": []}')
    with pytest.raises(StateFileError, match=r"state\.json: clock: field required"):
        load_file(mailtwin_app.runtime, path)
    path.write_text("{not json")
    with pytest.raises(StateFileError, match=r"state\.json: Expecting property name"):
        load_file(mailtwin_app.runtime, path)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["tenants"][0]["versions"].insert(0, ["mailing", [1], 1]),
     "tenants[0].versions[0]: a version is [resource, id, number]"),
    (lambda d: d["timers"][0].update(ident=[1]), "timers[0].ident: an id is a number or a string"),
    (lambda d: d["tenants"][0]["collections"]["mailing"]["records"].append({"mailing_id": [1]}),
     "tenants[0].collections.mailing.records[52]: unhashable type: 'list'"),
    (lambda d: d["tenants"][0]["collections"]["mailing"]["records"].append({"mailing_id": 200}),
     "tenants[0].collections.mailing.records[52]: duplicate id 200"),
])
def test_unusable_ids_are_refused(sb: Sandbox, api: httpx.Client, control: httpx.Client,
                                  change: object, message: str) -> None:
    api.get("/100/mailings/200")
    document = sb.export_state()
    change(document)  # type: ignore[operator]
    response = control.put("/__mailtwin/state", json=document)
    assert response.status_code == 400
    assert response.json()["error"] == message


def test_a_body_over_the_control_limit_is_refused_unread(tmp_path: Path) -> None:
    config = Config(providers=("emma",),
                    control_max_body_bytes=1000)
    clock = Clock(frozen_at=datetime(2026, 1, 1, tzinfo=UTC))
    with client(create_app(config, clock), base_url="http://mailtwin.test") as http:
        before = http.get("/__mailtwin/state").json()
        answer = http.put("/__mailtwin/state", content=b"{" + b" " * 2000 + b"}",
                          headers={"content-type": "application/json"})
        assert answer.status_code == 413
        assert answer.json()["problems"] == [{"loc": ["body"], "type": "too_large",
                                              "msg": "the request body is over 1000 bytes"}]
        assert http.get("/__mailtwin/state").json() == before
        small = http.post("/__mailtwin/clock/advance", json={"seconds": 1})
        assert small.status_code == 200, small.text
