"""Attack: moving the clock to the edge of what dates can hold, after which every endpoint
answered 500; and a timed move that breaks, which must not take the others with it."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from mailtwin import MailtwinApp, Sandbox


@pytest.mark.parametrize(("method", "path", "body", "where"), [
    ("PUT", "/__mailtwin/clock", {"now": "9999-12-31T23:00:00Z"}, ["body", "now"]),
    ("PUT", "/__mailtwin/clock", {"now": "9999-01-01T03:00:00-05:00"}, ["body", "now"]),
    ("POST", "/__mailtwin/reset", {"clock": "9999-06-01T00:00:00Z"}, ["body", "clock"]),
])
def test_a_jump_past_year_9998_is_refused(sb: Sandbox, api: httpx.Client,
                                          control: httpx.Client, method: str, path: str,
                                          body: dict[str, Any], where: list[str]) -> None:
    before = sb.clock.describe()["now"]
    answer = control.request(method, path, json=body)
    assert answer.status_code == 400
    assert answer.json()["problems"][0]["loc"] == where
    assert "stops at 9998-12-31T23:59:59Z" in answer.json()["error"]
    assert sb.clock.describe()["now"] == before
    assert api.get("/100/mailings/200").status_code == 200


def test_an_advance_past_year_9998_is_refused(sb: Sandbox, api: httpx.Client,
                                              control: httpx.Client) -> None:
    sb.clock.set("9998-12-31T00:00:00Z")
    answer = control.post("/__mailtwin/clock/advance", json={"days": 1})
    assert answer.status_code == 400
    assert sb.clock.describe()["now"] == "9998-12-31T00:00:00.000000Z"
    assert control.post("/__mailtwin/clock/advance", json={"hours": 23}).status_code == 200
    for path in ("/100/mailings/200", "/100/mailings"):
        assert api.get(path).status_code == 200
    assert control.get("/__mailtwin/state").status_code == 200


def test_an_import_past_year_9998_is_refused(sb: Sandbox, control: httpx.Client) -> None:
    document = sb.export_state()
    document["clock"]["now"] = "9999-12-31T23:00:00Z"
    answer = control.put("/__mailtwin/state", json=document)
    assert answer.status_code == 400
    assert answer.json()["problems"][0]["loc"] == ["body", "clock", "now"]


def test_a_failing_timed_move_is_logged_and_skipped(
        sb: Sandbox, api: httpx.Client, mailtwin_app: MailtwinApp,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    body = {"recipient_emails": ["ann@example.com"]}
    first = api.post("/100/mailings/200", json=body).json()["mailing_id"]
    second = api.post("/100/mailings/200", json=body).json()["mailing_id"]
    engine = mailtwin_app.runtime.engine
    original = engine.apply

    def breaks_on_first(provider: str, tenant_name: str, tenant: Any, resource: str,
                        ident: Any, changes: Any, moment: Any, **options: Any) -> Any:
        if ident == first:
            raise RuntimeError("a broken record")
        return original(provider, tenant_name, tenant, resource, ident, changes, moment,
                        **options)

    monkeypatch.setattr(engine, "apply", breaks_on_first)
    with caplog.at_level(logging.ERROR, logger="mailtwin"):
        moved = sb.clock.advance(hours=2)
    ids = {m["id"] for m in moved}
    assert second in ids and first not in ids
    assert f"timed move of emma mailing {first}" in caplog.text
    assert api.get(f"/100/mailings/{second}").json()["mailing_status"] == "c"
    assert api.get("/100/mailings/200").status_code == 200
