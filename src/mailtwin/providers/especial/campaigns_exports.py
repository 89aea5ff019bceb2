"""Campaign reports exports: when the export's task is ready, its CSV holds one row per sent
campaign (messages sent, or delivering / delivered, archived ones included) with the figures
/reports/campaigns/{id} answers at that moment, counted from its messages' events; the
download answers its link (`common.download_export`).
"""

from __future__ import annotations

from typing import Any

from mailtwin.hooks import Hooks, Move
from mailtwin.providers.especial.common import csv_text, csv_when_ready
from mailtwin.providers.especial.reports import counts, rates
from mailtwin.store import Record

COLUMNS = ("campaign_id", "name", "subject", "status", "scheduled_for", "delivery_finished_on",
           "sent_emails", "unsubscribes", "unsubscribe_rate", "opens", "unique_opens",
           "clicks", "unique_clicks", "bounces", "spams")
SENT = ("delivering", "delivered")


def _was_sent(campaign: Record, sent: set[str]) -> bool:
    return (str(campaign["id"]) in sent or campaign.get("status") in SENT
            or campaign.get("archived_from") in SENT)


def _row(move: Move, campaign: Record) -> list[Any]:
    messages = move.messages("campaign", campaign["id"])
    found = counts(messages, move.message_events("campaign", campaign["id"]))
    return [campaign["id"], campaign.get("name"), (campaign.get("content") or {}).get("subject"),
            campaign.get("status"), campaign.get("scheduled_for"),
            campaign.get("delivery_finished_on"), found["sent"], found["unsubscribes"],
            rates(found)["unsubscribe_rate"], found["opens"], found["unique_opens"],
            found["clicks"], found["unique_clicks"],
            found["bounces_hard"] + found["bounces_soft"], found["spams"]]


def reports_csv(move: Move) -> str:
    """The CSV of every sent campaign's report figures, as they are now."""
    sent = {str(m.mailing) for m in move.messages("campaign")}
    return csv_text(COLUMNS, (_row(move, campaign)
                              for campaign in move.tenant.collections["campaign"].records.values()
                              if _was_sent(campaign, sent)))


HOOKS = Hooks(moves={"campaigns_export": [csv_when_ready(reports_csv)]})

