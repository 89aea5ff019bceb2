"""`GET /__mailtwin/engagement`: what happened to each mailing's messages, counted per event
type and over time in buckets of a round length, for reports and the dashboard's charts."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mailtwin.control.outbox import chosen
from mailtwin.control.validation import Call
from mailtwin.delivery.message import EVENT_TYPES, Message
from mailtwin.runtime import Runtime

if TYPE_CHECKING:
    from mailtwin.control.validation import ControlState

# Bucket lengths to choose from, in seconds: a minute up to a week.
STEPS = (60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400,
         7 * 86400)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def step_for(span: float, buckets: int) -> int:
    """The shortest bucket length that covers `span` seconds in at most `buckets` buckets.

    >>> step_for(7200, 24)
    300
    """
    return next((step for step in STEPS if span / step <= buckets), STEPS[-1])


def mailing_engagement(messages: list[Message], buckets: int) -> dict[str, Any]:
    """One mailing's messages: how many had each event type, and events per bucket."""
    first = min(m.created for m in messages)
    happened = [event for m in messages for event in m.happened()]
    last = max([first, *(event.at for event in happened)])
    step = step_for(max(last - first, 1.0), buckets)
    start = math.floor(first / step) * step
    count = max(math.floor((last - start) / step) + 1, 1)
    series: dict[str, list[int]] = {}
    for event in happened:
        row = series.setdefault(event.type, [0] * count)
        row[min(int((event.at - start) // step), count - 1)] += 1
    counts = dict.fromkeys((t for t in EVENT_TYPES if t in series), 0)
    for message in messages:
        for kind in message.types():
            counts[kind] += 1
    newest = max(messages, key=lambda m: (m.created, m.seq))
    return {"mailing": {"resource": newest.resource, "id": newest.mailing},
            "subject": newest.body.subject,
            "messages": len(messages), "counts": counts, "first_sent": _iso(first),
            "last_event": _iso(last), "start": _iso(start), "bucket_seconds": step,
            "series": {t: series[t] for t in EVENT_TYPES if t in series}}


def engagement(rt: Runtime, cs: ControlState, call: Call) -> Any:
    q = call.query
    grouped: dict[tuple[str, str, str, str], list[Message]] = {}
    for message in chosen(rt, q):
        key = (message.provider, message.tenant, message.resource, str(message.mailing))
        grouped.setdefault(key, []).append(message)
    newest_first = sorted(grouped.items(), key=lambda item: max(
        (m.created, m.seq) for m in item[1]), reverse=True)
    buckets = q.get("buckets", 24)
    mailings = [{"provider": owner, "tenant": rt.tenant_label(owner, name),
                 **mailing_engagement(messages, buckets)}
                for (owner, name, _, _), messages in newest_first[:q.get("limit", 20)]]
    return {"mailings": mailings, "count": len(grouped)}


ENGAGEMENT = {"engagement": engagement}
