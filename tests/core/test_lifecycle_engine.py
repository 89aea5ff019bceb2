"""The lifecycle engine: timed moves fire in time order, once, and stale plans are dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

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


LIFE = {"field": "state", "initial": "draft",
        "timed": [{"from": "scheduled", "to": "sending", "at": "send_at"},
                  {"from": "sending", "to": "sent", "after": 60},
                  {"from": "sent", "to": "archived", "after": 3600},
                  {"from": "waiting", "to": "sent", "after": 30}],
        "enter": {"sent": {"sent_at": "$now"}}}


@pytest.mark.parametrize("spec, record, entered", [
    # The changed field says when the record entered its state.
    ({**LIFE, "changed": "changed_at"},
     {"state": "sending", "changed_at": "2026-01-01T10:00:00Z", "send_at": "2026-01-01T09:00:00Z"},
     "2026-01-01T10:00:00+00:00"),
    # Else the stamp its state's enter-set makes.
    (LIFE, {"state": "sent", "sent_at": "2026-01-01T10:00:05Z"}, "2026-01-01T10:00:05+00:00"),
    # Else the time of the timed move into it, or after seconds past the source's entry.
    (LIFE, {"state": "sending", "send_at": "2026-01-01T09:00:00Z"}, "2026-01-01T09:00:00+00:00"),
    (LIFE, {"state": "sent", "send_at": "2026-01-01T09:00:00Z"}, "2026-01-01T09:01:00+00:00"),
    # Nothing says: no entry, so no move counted from it.
    (LIFE, {"state": "waiting"}, None),
    ({**LIFE, "changed": "changed_at"}, {"state": "sending", "changed_at": None}, None),
])
def test_a_record_entered_its_state_when_its_fields_say(
        spec: dict[str, Any], record: dict[str, Any], entered: str | None) -> None:
    life = Lifecycle("mailing", spec, STYLES["iso8601"])
    moment = life.entered_at(record)
    assert (moment.isoformat() if moment else None) == entered
    moves = life.due_moves(record, None)
    if entered is None:
        assert moves == []
    else:
        after = next(m.after for m in life.timed if m.source == record["state"])
        assert moves and moves[0][1] == datetime.fromisoformat(entered).timestamp() + (after or 0)


def test_a_move_at_a_field_plus_seconds_ignores_when_the_state_began() -> None:
    spec = {"field": "state", "initial": "draft", "changed": "changed_at",
            "timed": [{"from": "queued", "to": "sending", "at": "send_at", "after": 30},
                      {"from": "sending", "to": "sent", "after": 60}]}
    life = Lifecycle("mailing", spec, STYLES["iso8601"])
    early = {"state": "queued", "send_at": "2026-01-01T09:00:00Z",
             "changed_at": "2025-06-01T00:00:00Z"}
    due = datetime.fromisoformat("2026-01-01T09:00:30+00:00").timestamp()
    assert life.due_moves(early, None) == [(0, due)]
    assert life.due_moves(early, START) == [(0, due)]
    sending = {"state": "sending", "send_at": "2026-01-01T09:00:00Z"}
    assert life.entered_at(sending) == datetime.fromtimestamp(due, UTC)


def test_a_held_record_plans_no_timed_move() -> None:
    spec = {"field": "state", "initial": "draft", "held": "suspended",
            "timed": [{"from": "scheduled", "to": "sending", "at": "send_at"}]}
    life = Lifecycle("campaign", spec, STYLES["iso8601"])
    record = {"state": "scheduled", "send_at": "2026-01-01T09:00:00Z", "suspended": True}
    assert life.due_moves(record, START) == []
    assert len(life.due_moves({**record, "suspended": False}, START)) == 1
