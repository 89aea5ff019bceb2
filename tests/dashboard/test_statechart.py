"""The lifecycle drawing: states in a row, moves forward above it and back below it."""

from __future__ import annotations

from typing import Any

from mailtwin.dashboard.statechart import layout

LIFE: dict[str, Any] = {
    "name": "campaign", "field": "status", "state": "scheduled", "initial": "draft",
    "states": ["draft", "scheduled", "sent"],
    "actions": [
        {"name": "schedule", "from": ["draft"], "to": "scheduled"},
        {"name": "unschedule", "from": ["scheduled"], "to": "draft"},
        {"name": "reschedule", "from": ["scheduled"], "to": "scheduled"},
        {"name": "archive", "from": None, "to": None},
        {"name": "cancel", "from": ["draft", "scheduled"], "to": "cancelled"},
    ],
    "timed": [{"from": "scheduled", "to": "sent", "at": "send_at", "after": None}],
}


def test_states_keep_their_declared_order_and_unknown_targets_follow() -> None:
    chart = layout(LIFE, [])
    assert [n.state for n in chart.nodes] == ["draft", "scheduled", "sent", "cancelled"]
    assert [n.state for n in chart.nodes if n.current] == ["scheduled"]
    assert [n.state for n in chart.nodes if n.initial] == ["draft"]
    assert chart.nodes[1].x > chart.nodes[0].x


def test_moves_forward_arch_above_and_back_below() -> None:
    chart = layout(LIFE, [{"from": "draft", "to": "scheduled"}])
    edges = {(e.source, e.target): e for e in chart.edges}
    row = chart.nodes[0].y
    forward, back = edges[("draft", "scheduled")], edges[("scheduled", "draft")]
    assert forward.label_y < row < back.label_y
    assert forward.taken and not forward.next
    assert back.next and edges[("scheduled", "sent")].next
    assert edges[("scheduled", "sent")].timed and edges[("scheduled", "sent")].labels == [
        "at send_at"]
    assert chart.stays == [("scheduled", ["reschedule"])]
    assert chart.anywhere == ["archive"]
    assert "The record is scheduled." in chart.description


def test_timed_moves_after_a_delay_are_labelled_in_the_largest_whole_unit() -> None:
    life = {**LIFE, "timed": [{"from": "scheduled", "to": "sent", "at": None, "after": 300},
                              {"from": "sent", "to": "draft", "at": None, "after": 90}]}
    labels = {(e.source, e.target): e.labels for e in layout(life, []).edges}
    assert labels[("scheduled", "sent")] == ["after 5 min"]
    assert labels[("sent", "draft")] == ["after 90 s"]
