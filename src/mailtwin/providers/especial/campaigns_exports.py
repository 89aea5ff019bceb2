"""Campaign reports exports: when the export's task is ready, its CSV holds one row per sent
campaign (sends recorded, or delivering / delivered, archived ones included) with the
figures /reports/campaigns/{id} answers at that moment; the download answers its link.

The sandbox has no readers, so opens, clicks, bounces and spam reports stay at 0 as in the
campaign report; sends and unsubscribes after a send are counted from state. The download is
`common.download_export`.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from mailtwin.hooks import Hooks, Move
from mailtwin.providers.especial.reports import events_of
from mailtwin.store import Record, Tenant

COLUMNS = ("campaign_id", "name", "subject", "status", "scheduled_for", "delivery_finished_on",
           "sent_emails", "unsubscribes", "unsubscribe_rate", "opens", "unique_opens",
           "clicks", "unique_clicks", "bounces", "spams")
SENT = ("delivering", "delivered")


def _was_sent(campaign: Record, sends: dict[Any, Any]) -> bool:
    return (campaign["id"] in sends or campaign.get("status") in SENT
            or campaign.get("archived_from") in SENT)


def _row(tenant: Tenant, campaign: Record) -> list[Any]:
    events = events_of(tenant, [campaign["id"]])
    sent = sum(1 for e in events if e["type"] == "sent")
    unsubscribes = sum(1 for e in events if e["type"] == "unsubscribe")
    rate = round(unsubscribes / sent, 4) if sent else 0.0
    return [campaign["id"], campaign.get("name"), (campaign.get("content") or {}).get("subject"),
            campaign.get("status"), campaign.get("scheduled_for"),
            campaign.get("delivery_finished_on"), sent, unsubscribes, rate, 0, 0, 0, 0, 0, 0]


def reports_csv(tenant: Tenant) -> str:
    """The CSV of every sent campaign's report figures, as they are now."""
    sends = tenant.extra.get("sends", {})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for campaign in tenant.collections["campaign"].records.values():
        if _was_sent(campaign, sends):
            writer.writerow(["" if v is None else v for v in _row(tenant, campaign)])
    return out.getvalue()


def _export_ready(move: Move) -> None:
    if move.target == "ready":
        move.record["csv"] = reports_csv(move.tenant)


HOOKS = Hooks(moves={"campaigns_export": [_export_ready]})

