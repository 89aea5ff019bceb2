"""The lifecycle engine: timed moves fire in time order, once, and stale plans are dropped."""

from __future__ import annotations

from datetime import timedelta

import httpx

from mailtwin import MailtwinApp
from mailtwin.conventions.timestamps import STYLES
from mailtwin.lifecycle import Lifecycle

from .conftest import START


def test_timed_moves_follow_the_clock(tiny: httpx.Client, tiny_app: MailtwinApp) -> None:
    tiny.patch("/notes/1", json={"publish_at": "2026-01-01T10:00:00Z"})
    tiny.post("/notes/1/publish")
    runtime = tiny_app.runtime
    runtime.clock.advance(timedelta(minutes=59))
    assert tiny.get("/notes/1").json()["data"]["state"] == "scheduled"
    runtime.clock.advance(timedelta(hours=3))
    moved = runtime.tick()
    assert [(m.ident, m.source, m.target, m.at) for m in moved] == [
        (1, "scheduled", "live", "2026-01-01T10:00:00Z"),
        (1, "live", "archived", "2026-01-01T11:00:00Z")]
    note = tiny.get("/notes/1").json()["data"]
    assert note["state"] == "archived"
    assert note["went_live_at"] == "2026-01-01T10:00:00.000Z"
    assert runtime.tick() == []


def test_a_retracted_note_does_not_go_live(tiny: httpx.Client, tiny_app: MailtwinApp) -> None:
    tiny.patch("/notes/1", json={"publish_at": "2026-01-01T10:00:00Z"})
    tiny.post("/notes/1/publish")
    tiny.post("/notes/1/retract")
    tiny_app.runtime.clock.advance(timedelta(hours=5))
    assert tiny.get("/notes/1").json()["data"]["state"] == "draft"


def test_republishing_replans_once(tiny: httpx.Client, tiny_app: MailtwinApp) -> None:
    tiny.patch("/notes/1", json={"publish_at": "2026-01-01T10:00:00Z"})
    tiny.post("/notes/1/publish")
    tiny.post("/notes/1/retract")
    tiny.post("/notes/1/publish")
    tiny_app.runtime.clock.advance(timedelta(hours=1, minutes=30))
    moved = tiny_app.runtime.tick()
    assert [(m.source, m.target) for m in moved] == [("scheduled", "live")]


def test_tenants_have_their_own_timers(tiny: httpx.Client, tiny_app: MailtwinApp) -> None:
    tiny.patch("/notes/1", json={"publish_at": "2026-01-01T10:00:00Z"})
    tiny.post("/notes/1/publish")
    other = {"Authorization": "Bearer token-b"}
    tiny_app.runtime.clock.advance(timedelta(minutes=90))
    assert tiny.get("/notes/1", headers=other).json()["data"]["state"] == "draft"
    assert tiny.get("/notes/1").json()["data"]["state"] == "live"


def test_lists_follow_moves_the_clock_makes(tiny: httpx.Client, tiny_app: MailtwinApp) -> None:
    tiny.patch("/notes/1", json={"publish_at": "2026-01-01T10:00:00Z"})
    tiny.post("/notes/1/publish")
    assert [n["id"] for n in tiny.get("/notes?state=live").json()["data"]] == []
    tiny_app.runtime.clock.advance(timedelta(minutes=61))
    assert [n["id"] for n in tiny.get("/notes?state=live").json()["data"]] == [1]


def test_a_held_record_plans_no_timed_move() -> None:
    spec = {"field": "state", "initial": "draft", "held": "suspended",
            "timed": [{"from": "scheduled", "to": "sending", "at": "send_at"}]}
    life = Lifecycle("campaign", spec, STYLES["iso8601"])
    record = {"state": "scheduled", "send_at": "2026-01-01T09:00:00Z", "suspended": True}
    assert life.due_moves(record, START) == []
    assert len(life.due_moves({**record, "suspended": False}, START)) == 1
