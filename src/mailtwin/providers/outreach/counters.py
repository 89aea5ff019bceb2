"""The counters Outreach keeps on templates and prospects, bumped as the mailings using them
move and as their messages' events happen."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mailtwin.conventions.timestamps import STYLES
from mailtwin.hooks import Record, Tenant

ISO = STYLES["iso8601"]
# Template counters bumped when a mailing using the template enters a state no message event
# makes; the others follow the events of its message (mail.py).
MOVE_COUNTERS = {"scheduled": "scheduleCount", "failed": "failureCount"}


def bump(tenant: Tenant, ident: Any, counter: str | None, moment: datetime | None,
         resource: str = "template", stamp: str = "lastUsedAt") -> None:
    """Count one more on a record's counter (a template's by default) and, with a moment,
    stamp it (`lastUsedAt`)."""
    records = tenant.collections[resource]
    record = records.get(ident) if ident is not None else None
    if record is None:
        return
    changes: Record = {stamp: ISO.format(moment)} if moment is not None else {}
    if counter is not None:
        changes[counter] = int(record.get(counter) or 0) + 1
    if changes:
        records.update(ident, changes)
