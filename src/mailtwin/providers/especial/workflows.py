"""Workflows and their actions: references checked (audience list and segment, blueprint,
parent action, sender), locks (a workflow locked with a key refuses every change that does
not carry that `lock_key` until unlocked or expired), rendering, test sends and links."""

from __future__ import annotations

import re
from typing import Any

from mailtwin import handlers
from mailtwin.hooks import Context, Hooks, Reply
from mailtwin.listing import Listing
from mailtwin.providers.especial.common import (
    attributes,
    body_of,
    find,
    lookup,
    merge,
    refuse,
)
from mailtwin.store import Collection, Record

LOCK_SECONDS = 300
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def _locks(ctx: Context) -> dict[Any, dict[str, Any]]:
    held: dict[Any, dict[str, Any]] = ctx.tenant.extra.setdefault("workflow_locks", {})
    return held


def _lock_of(ctx: Context, workflow_id: Any) -> dict[str, Any] | None:
    """The unexpired lock of a workflow, or None."""
    lock: dict[str, Any] | None = ctx.tenant.extra.get("workflow_locks", {}).get(workflow_id)
    if lock is None or lock["until"] <= ctx.now.timestamp():
        return None
    return lock


def _check_audience(ctx: Context, audience: Any) -> None:
    if not isinstance(audience, dict):
        return
    chosen = lookup(ctx.tenant, "list", audience.get("list_id"))
    if chosen is None:
        raise refuse(f"list {audience.get('list_id')} does not exist",
                     ("body", "audience", "list_id"))
    segment_id = audience.get("segment_id")
    if segment_id is not None:
        segment = lookup(ctx.tenant, "segment", segment_id)
        if segment is None or str(segment.get("list_id")) != str(chosen["id"]):
            raise refuse(f"segment {segment_id} does not exist in list {chosen['id']}",
                         ("body", "audience", "segment_id"))


def _check_sender(ctx: Context, settings: Any, where: tuple[str | int, ...]) -> None:
    sender = settings.get("sender") if isinstance(settings, dict) else None
    if isinstance(sender, dict) and lookup(ctx.tenant, "sender", sender.get("id")) is None:
        raise refuse(f"sender {sender.get('id')} does not exist", (*where, "sender", "id"))


def _blueprint(ctx: Context, body: Record) -> Record | None:
    chosen = body.get("blueprint")
    if not isinstance(chosen, dict):
        return None
    found = ctx.tenant.collections["workflow_blueprint"].get(chosen.get("id"))
    if found is None:
        raise refuse(f"workflow blueprint {chosen.get('id')} does not exist",
                     ("body", "blueprint", "id"))
    _check_sender(ctx, chosen.get("email_settings"), ("body", "blueprint", "email_settings"))
    return found


def create_workflow(ctx: Context) -> Reply:
    """A new, inactive workflow; from a blueprint it copies the blueprint's actions."""
    body = body_of(ctx)
    _check_audience(ctx, body.get("audience"))
    blueprint = _blueprint(ctx, body)
    chosen = body.pop("blueprint", None) or {}
    fields = dict(body)
    if blueprint is not None:
        for name in ("name", "description", "goal", "trigger"):
            fields.setdefault(name, blueprint.get(name))
    resource = ctx.provider.resources["workflow"]
    record = ctx.insert(resource.name, ctx.new(resource.name, fields))
    if blueprint is not None:
        _copy_actions(ctx, blueprint, record, chosen.get("email_settings") or {})
    return ctx.respond(record, 201)


def _copy_actions(ctx: Context, blueprint: Record, workflow: Record,
                  settings: dict[str, Any]) -> None:
    """The blueprint's actions as actions of a new workflow (parents mapped to the copies)."""
    actions = ctx.provider.resources["action"]
    copies: dict[Any, Any] = {}
    for step in ctx.tenant.collections["workflow_blueprint_action"].records.values():
        if step.get("blueprint_id") != blueprint["id"]:
            continue
        fields = {k: v for k, v in step.items() if k not in ("id", "blueprint_id")}
        fields["workflow_id"] = workflow["id"]
        fields["parent_id"] = copies.get(step.get("parent_id"))
        fields["email_settings"] = {**(step.get("email_settings") or {}), **settings}
        copy = ctx.new(actions.name, fields)
        copy["workflow_id"] = workflow["id"]
        ctx.insert(actions.name, copy)
        copies[step["id"]] = copy["id"]


def _workflow_actions(ctx: Context, workflow_id: Any) -> list[Record]:
    return [a for a in ctx.tenant.collections["action"].records.values()
            if str(a.get("workflow_id")) == str(workflow_id)]


def _checks(ctx: Context, workflow: Record) -> None:
    """What a change of a workflow or of one of its actions must satisfy, by its path."""
    body = body_of(ctx)
    path = ctx.op.spec.path
    if path.endswith("/activate"):
        if not _workflow_actions(ctx, workflow["id"]):
            raise refuse(f"workflow {workflow['id']} has no action; add one before "
                         "activating it", ("path", "workflow_id"))
        _check_audience(ctx, workflow.get("audience"))
    if "audience" in body:
        _check_audience(ctx, body["audience"])
    if "blueprint" in body:
        _blueprint(ctx, body)
    if "/actions" in path and ctx.op.spec.method in ("POST", "PATCH"):
        parent = body.get("parent_id")
        siblings = {a["id"] for a in _workflow_actions(ctx, workflow["id"])}
        if parent is not None and parent not in siblings:
            raise refuse(f"action {parent} is not an action of workflow {workflow['id']}",
                         ("body", "parent_id"))
        if parent is not None and parent == ctx.path.get("action_id"):
            raise refuse("an action cannot be its own parent", ("body", "parent_id"))
        _check_sender(ctx, body.get("email_settings"), ("body", "email_settings"))


def locked_workflow_change(ctx: Context) -> Reply:
    """Any change of a workflow or its actions: refused while another key holds the lock."""
    workflow = find(ctx, "workflow", ctx.path["workflow_id"])
    lock = _lock_of(ctx, workflow["id"])
    given = ctx.query.get("lock_key")
    if lock is not None and given != lock["key"]:
        held = "a different lock_key" if given else "no lock_key"
        raise refuse(f"workflow {workflow['id']} is locked; the request carries {held}",
                     ("query", "lock_key"))
    _checks(ctx, workflow)
    if ctx.op.spec.path == "/workflows/{workflow_id}" and ctx.op.spec.method == "DELETE":
        for action in _workflow_actions(ctx, workflow["id"]):
            ctx.tenant.collections["action"].delete(action["id"])
        ctx.tenant.extra.get("workflow_locks", {}).pop(workflow["id"], None)
    return handlers.HANDLERS[ctx.op.kind](ctx)


def lock_workflow(ctx: Context) -> Reply:
    """Take (or extend) the lock of a workflow with a key."""
    workflow = find(ctx, "workflow", ctx.path["workflow_id"])
    key = str(body_of(ctx)["key"])
    lock = _lock_of(ctx, workflow["id"])
    if lock is not None and lock["key"] != key:
        raise refuse(f"workflow {workflow['id']} is already locked with another key",
                     ("body", "key"))
    _locks(ctx)[workflow["id"]] = {"key": key, "until": ctx.now.timestamp() + LOCK_SECONDS}
    return Reply(200, {"object": "workflow", "locked": True, "expires_in": LOCK_SECONDS})


def unlock_workflow(ctx: Context) -> Reply:
    """Release the lock of a workflow; only its key can."""
    workflow = find(ctx, "workflow", ctx.path["workflow_id"])
    key = str(body_of(ctx)["key"])
    lock = _lock_of(ctx, workflow["id"])
    if lock is not None and lock["key"] != key:
        raise refuse(f"workflow {workflow['id']} is locked with another key", ("body", "key"))
    ctx.tenant.extra.get("workflow_locks", {}).pop(workflow["id"], None)
    return Reply(200, {"object": "workflow", "locked": False, "expires_in": 0})


def _action(ctx: Context) -> Record:
    find(ctx, "workflow", ctx.path["workflow_id"])
    return find(ctx, "action", ctx.path["action_id"])


def _content(action: Record) -> dict[str, Any]:
    settings = action.get("email_settings") or {}
    content = settings.get("content") if isinstance(settings, dict) else None
    return content if isinstance(content, dict) else {}


def render_action(ctx: Context) -> Reply:
    """The action's HTML (text when it has none) with a contact's attributes merged in."""
    action = _action(ctx)
    values: dict[str, Any] = {}
    if ctx.query.get("contact_id") is not None:
        contact = lookup(ctx.tenant, "contact", ctx.query["contact_id"])
        if contact is None:
            raise refuse(f"contact {ctx.query['contact_id']} does not exist",
                         ("query", "contact_id"))
        values = attributes(contact)
    content = _content(action)
    html = merge(content.get("html") or content.get("text") or "", values)
    return Reply(200, media_type="text/html; charset=utf-8", raw=str(html).encode("utf-8"))


def send_test_action(ctx: Context) -> Reply:
    """Send a test of an action that has a subject and content."""
    action = _action(ctx)
    content = _content(action)
    if not content.get("subject") or not (content.get("html") or content.get("text")):
        raise refuse(f"action {action['id']} has no subject or content to test")
    body = body_of(ctx)
    ctx.tenant.extra.setdefault("action_test_sends", []).append(
        {"action_id": action["id"], "email": body["email"], "type": body.get("type", "merged"),
         "timestamp": ctx.stamp()})
    return Reply(200, {"id": action["id"], "object": "action", "sent": True})


def action_links(ctx: Context) -> Reply:
    """The links of an action's HTML, in order of appearance."""
    action = _action(ctx)
    collection = Collection("id")
    seen: list[str] = []
    for url in _HREF.findall(str(_content(action).get("html") or "")):
        if url not in seen:
            seen.append(url)
            collection.insert({"id": len(seen), "status": "active", "link_to": url})
    return ctx.page(Listing(collection, collection.ids(), [], dict))


def _sends(ctx: Context, action: Record) -> list[dict[str, Any]]:
    start, end = ctx.query.get("start_time"), ctx.query.get("end_time")
    return [s for s in ctx.tenant.extra.get("action_sends", [])
            if s.get("action_id") == action["id"]
            and (start is None or s["timestamp"] >= start)
            and (end is None or s["timestamp"] <= end)]


def action_report(ctx: Context) -> Reply:
    """Figures of an action, counted from its recorded sends."""
    sent = len(_sends(ctx, _action(ctx)))
    counts = ("bounces", "bounces_address_changed", "bounces_challenge_response",
              "bounces_dns_failure", "bounces_full_mailbox", "bounces_hard",
              "bounces_mail_blocked", "bounces_soft", "bounces_transient", "unique_clicks",
              "forwards", "implied_opens", "unique_opens", "clicks", "opens", "spams",
              "unsubscribes")
    stats: dict[str, Any] = dict.fromkeys(counts, 0)
    stats.update({"unopens": sent, "sent_emails": sent, "spam_rate": 0.0})
    return Reply(200, {"data": stats})


def action_logs(ctx: Context) -> Reply:
    """The recorded sends of an action, as log entries."""
    collection = Collection("id")
    for number, send in enumerate(_sends(ctx, _action(ctx)), start=1):
        collection.insert({"id": number, "log_id": number, "contact_id": send.get("contact_id"),
                           "email": send.get("email"), "type": "sent",
                           "timestamp": send["timestamp"], "time": send["timestamp"],
                           "occurrences": 1})
    plan = ctx.query_plan()
    ids = handlers.sort_ids(collection.records, collection.ids(), plan.order)
    fields = ("id", "contact_id", "email", "type", "timestamp", "occurrences")
    found = Listing(collection, ids, plan.predicates, lambda r: {k: r.get(k) for k in fields})
    return ctx.page(found)


HOOKS = Hooks(operations={
    "create_workflow": create_workflow, "locked_workflow_change": locked_workflow_change,
    "lock_workflow": lock_workflow, "unlock_workflow": unlock_workflow,
    "render_action": render_action, "send_test_action": send_test_action,
    "action_links": action_links, "action_report": action_report, "action_logs": action_logs})
