"""`assert_sent`: the outbox holds a message to an address, with a subject, containing some
text; a failure shows what was sent instead, with a diff of the nearest message's text."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

Fetch = Callable[[str], dict[str, Any]]


def _body_text(message: dict[str, Any]) -> str:
    return "\n".join(part for part in (message.get("text"), message.get("html")) if part)


def _matches(message: dict[str, Any], to: str | None, subject: str | None,
             contains: str | None) -> bool:
    return ((to is None or str(message["to"]).lower() == to.lower())
            and (subject is None or subject in str(message.get("subject") or ""))
            and (contains is None or contains in _body_text(message)))


def explain(sent: list[dict[str, Any]], to: str | None, subject: str | None,
            contains: str | None, times: int | None, found: int) -> str:
    """What was expected, what was sent (newest first), and a diff for the nearest message."""
    wanted = [f"to {to}" if to else "", f"subject holding {subject!r}" if subject else "",
              f"containing {contains!r}" if contains else ""]
    count = "at least once" if times is None else f"{times} time(s)"
    lines = [f"expected a message {' '.join(w for w in wanted if w) or '(any)'} {count}, "
             f"found {found}.", f"The outbox holds {len(sent)} message(s):"]
    for message in sent[:50]:
        lines.append(f"  {message['id']} to {message['to']}: {message.get('subject')!r} "
                     f"({message['provider']} {message['mailing']['resource']} "
                     f"{message['mailing']['id']}; {', '.join(message.get('events') or [])})")
    if len(sent) > 50:
        lines.append(f"  ... and {len(sent) - 50} more")
    if not sent:
        lines.append("  (none)")
    near = [m for m in sent if to is None or str(m["to"]).lower() == to.lower()]
    if near and (subject is not None or contains is not None):
        nearest = near[0]
        if subject is not None and subject not in str(nearest.get("subject") or ""):
            lines.append(f"subject of {nearest['id']} (- expected, + sent):")
            lines.extend(f"  {line}" for line in difflib.ndiff(
                [subject], [str(nearest.get("subject") or "")]) if not line.startswith("?"))
        if contains is not None and contains not in _body_text(nearest):
            lines.append(f"text of {nearest['id']} (- expected, + sent):")
            lines.extend(f"  {line}" for line in difflib.unified_diff(
                contains.splitlines(), _body_text(nearest).splitlines(), lineterm="", n=2))
    return "\n".join(lines)


def assert_sent(sent: list[dict[str, Any]], fetch: Fetch, *, to: str | None = None,
                subject: str | None = None, contains: str | None = None,
                times: int | None = None) -> list[dict[str, Any]]:
    """The matching messages (each with its parts, fetched by id); AssertionError with what
    was sent instead when there are none, or not `times`."""
    __tracebackhide__ = True
    candidates = [m for m in sent if _matches(m, to, subject, None)]
    # Parts are read one message at a time: the newest 500 candidates are enough to look at.
    detailed = [fetch(m["id"]) for m in (candidates[:500] if contains is not None else [])]
    found = [m for m in detailed if _matches(m, to, subject, contains)] \
        if contains is not None else candidates
    if (times is None and not found) or (times is not None and len(found) != times):
        shown = [fetch(m["id"]) if i < 5 else m for i, m in enumerate(
            [m for m in sent if to is None or str(m["to"]).lower() == to.lower()] or sent)]
        by_id = {m["id"]: m for m in shown}
        raise AssertionError(explain([by_id.get(m["id"], m) for m in sent], to, subject,
                                     contains, times, len(found)))
    return found
