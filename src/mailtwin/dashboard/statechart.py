"""A declared lifecycle laid out as an arc diagram: states in a row, moves forward arching
above it and moves back arching below, for the server to draw as SVG."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NODE_WIDTH = 104
NODE_HEIGHT = 36
SPACING = 132
MARGIN = 16
ARC_BASE = 30
ARC_PER_STEP = 34
LINE_HEIGHT = 14


@dataclass
class Node:
    """A state: its place and how it relates to the record shown."""

    state: str
    x: float
    y: float
    current: bool
    visited: bool
    initial: bool

    @property
    def cx(self) -> float:
        return self.x + NODE_WIDTH / 2


@dataclass
class Edge:
    """One or more moves between two states: actions (solid) or a timed move (dashed)."""

    source: str
    target: str
    timed: bool
    labels: list[str] = field(default_factory=list)
    path: str = ""
    label_x: float = 0.0
    label_y: float = 0.0
    # next: possible from the current state; taken: the record made this move.
    next: bool = False
    taken: bool = False

    @property
    def css(self) -> str:
        return " ".join(name for name, on in (("edge", True), ("timed", self.timed),
                                              ("next", self.next), ("taken", self.taken)) if on)


@dataclass
class Chart:
    """Everything the SVG template draws, and the text that describes it."""

    width: float
    height: float
    nodes: list[Node]
    edges: list[Edge]
    stays: list[tuple[str, list[str]]]
    anywhere: list[str]
    description: str


def _text(value: Any) -> str:
    return "none" if value is None else str(value)


def _after(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"after {int(seconds // size)} {unit}"
    return f"after {seconds:g} s"


def _order(life: dict[str, Any]) -> list[str]:
    """States as declared, else the initial one, the timed chain, then every action target."""
    order = [_text(s) for s in life["states"]]
    seen = set(order)

    def add(state: Any) -> None:
        if state is not None and _text(state) not in seen:
            seen.add(_text(state))
            order.append(_text(state))

    add(life["initial"])
    for move in life["timed"]:
        add(move["from"])
        add(move["to"])
    for action in life["actions"]:
        for source in action["from"] or []:
            add(source)
        add(action["to"])
    add(life["state"])
    return order


def _edges(life: dict[str, Any], states: list[str]) -> tuple[
        list[Edge], list[tuple[str, list[str]]], list[str]]:
    """Moves between two different states, actions that keep the state, and actions allowed
    in any state that keep it."""
    edges: dict[tuple[str, str, bool], Edge] = {}
    stays: dict[str, list[str]] = {}
    anywhere: list[str] = []

    def edge(source: str, target: str, timed: bool, label: str) -> None:
        found = edges.setdefault((source, target, timed), Edge(source, target, timed))
        if label not in found.labels:
            found.labels.append(label)

    for move in life["timed"]:
        label = f"at {move['at']}" if move["at"] else _after(move["after"] or 0)
        edge(_text(move["from"]), _text(move["to"]), True, label)
    for action in life["actions"]:
        sources = [_text(s) for s in action["from"]] if action["from"] is not None else None
        if action["to"] is None and sources is None:
            anywhere.append(action["name"])
            continue
        for source in sources if sources is not None else states:
            target = source if action["to"] is None else _text(action["to"])
            if target == source:
                stays.setdefault(source, []).append(action["name"])
            else:
                edge(source, target, False, action["name"])
    ordered_stays = [(s, stays[s]) for s in states if s in stays]
    return list(edges.values()), ordered_stays, anywhere


def layout(life: dict[str, Any], moves: list[dict[str, Any]]) -> Chart:
    """Place the states of a lifecycle description (as the control plane's `record` answers
    it) and route its moves; `moves` are the record's own, to mark the path it took."""
    states = _order(life)
    current = _text(life["state"])
    taken = {(_text(m["from"]), _text(m["to"])) for m in moves}
    visited = {s for pair in taken for s in pair}
    edges, stays, anywhere = _edges(life, states)
    position = {state: index for index, state in enumerate(states)}
    above = [e for e in edges if position[e.target] > position[e.source]]
    below = [e for e in edges if position[e.target] < position[e.source]]

    def height(e: Edge) -> float:
        return ARC_BASE + ARC_PER_STEP * (abs(position[e.target] - position[e.source]) - 1)

    top = max([height(e) + LINE_HEIGHT * len(e.labels) for e in above], default=0) + MARGIN
    bottom = max([height(e) + LINE_HEIGHT * len(e.labels) for e in below], default=0) + MARGIN
    row = top + 8
    nodes = [Node(state, MARGIN + index * SPACING, row, state == current, state in visited,
                  state == _text(life["initial"]))
             for index, state in enumerate(states)]
    by_state = {node.state: node for node in nodes}
    for e in edges:
        source, target = by_state[e.source], by_state[e.target]
        forward = e in above
        # Arcs leave and enter a little off centre, so moves in both directions stay apart.
        x1 = source.cx + (10 if forward else -10)
        x2 = target.cx - (10 if forward else -10)
        y = row if forward else row + NODE_HEIGHT
        lift = height(e) * (-1 if forward else 1) * 4 / 3
        e.path = f"M{x1:.1f},{y:.1f} C{x1:.1f},{y + lift:.1f} {x2:.1f},{y + lift:.1f} " \
                 f"{x2:.1f},{y:.1f}"
        e.label_x = (x1 + x2) / 2
        e.label_y = y + lift * 3 / 4 + (-6 - LINE_HEIGHT * (len(e.labels) - 1) if forward
                                         else 14)
        e.next = e.source == current
        e.taken = (e.source, e.target) in taken
    width = MARGIN * 2 + (len(states) - 1) * SPACING + NODE_WIDTH
    height_total = row + NODE_HEIGHT + bottom + 8
    description = (f"States in order: {', '.join(states)}. The record is {current}. "
                   + " ".join(f"{e.source} to {e.target} by {' or '.join(e.labels)}."
                              for e in edges))
    return Chart(width, height_total, nodes, edges, stays, anywhere, description)
