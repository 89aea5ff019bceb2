"""Workflow runs: when a contact enters the state an active workflow's trigger names
(`subscribed`: added to the list, or back to active; `unsubscribed`: unsubscribed) in the
workflow's list (and segment), the workflow's first actions (no parent, no delay) send to
it. The sends feed the action reports and logs."""

from __future__ import annotations

from datetime import datetime

from mailtwin.hooks import Hooks, Move
from mailtwin.providers.especial import audience
from mailtwin.providers.especial.suppression import is_suppressed
from mailtwin.store import Record, Tenant

TRIGGERS = {"active": "subscribed", "unsubscribed": "unsubscribed"}


def _reached(tenant: Tenant, workflow: Record, contact: Record) -> bool:
    """Whether a contact belongs to a workflow's audience."""
    chosen = workflow.get("audience") or {}
    if str(chosen.get("list_id")) != str(contact.get("list_id")):
        return False
    segment_id = chosen.get("segment_id")
    if segment_id is None:
        return True
    segment = tenant.collections["segment"].get(segment_id)
    if segment is None or audience.problem_of(segment):
        return False
    return audience.selection(segment)(contact)


def run(tenant: Tenant, contact: Record, trigger: str, moment: datetime) -> list[Record]:
    """Send the first actions of every active workflow a trigger starts for a contact."""
    if is_suppressed(tenant, str(contact.get("email", ""))):
        return []
    sends: list[Record] = []
    actions = tenant.collections["action"].records.values()
    for workflow in tenant.collections["workflow"].records.values():
        if workflow.get("status") != "active" or workflow.get("trigger") != trigger \
                or not _reached(tenant, workflow, contact):
            continue
        for action in actions:
            if action.get("workflow_id") == workflow["id"] and action.get("parent_id") is None \
                    and not action.get("delay"):
                sends.append({"workflow_id": workflow["id"], "action_id": action["id"],
                              "contact_id": contact["id"], "email": contact.get("email"),
                              "timestamp": int(moment.timestamp())})
    if sends:
        tenant.extra.setdefault("action_sends", []).extend(sends)
    return sends


def _on_contact_move(move: Move) -> None:
    trigger = TRIGGERS.get(str(move.target))
    if trigger is not None and move.source is not None:
        run(move.tenant, move.record, trigger, move.moment)


HOOKS = Hooks(moves={"contact": [_on_contact_move]})

