"""Workflows and their actions: locks (a workflow locked with a key refuses every change that
does not carry that `lock_key` until unlocked or expired), activation (with an action and an
audience that still exists), blueprints copied, rendering, test sends and links. The lists,
segments, blueprints, senders and parent actions a body names are declared references."""

from __future__ import annotations

from typing import Any

from mailtwin.hooks import Context, Hooks, Record, Reply, rows
from mailtwin.providers.especial.common import contact_values, content_page, in_window
from mailtwin.providers.especial.links import urls_in
from mailtwin.providers.especial.reports import ZERO_COUNTS

LOCK_SECONDS = 300


def _locks(ctx: Context) -> dict[Any, dict[str, Any]]:
    held: dict[Any, dict[str, Any]] = ctx.tenant.extra.setdefault("workflow_locks", {})
    return held


def _lock_of(ctx: Context, workflow_id: Any) -> dict[str, Any] | None:
    """The unexpired lock of a workflow, or None."""
    lock: dict[str, Any] | None = ctx.tenant.extra.get("workflow_locks", {}).get(workflow_id)
    if lock is None or lock["until"] <= ctx.now.timestamp():
        return None
    return lock


def create_workflow(ctx: Context) -> Reply:
    """A new, inactive workflow; from a blueprint it copies the blueprint's actions."""
    fields = ctx.fields()
    chosen = fields.pop("blueprint", None) or {}
    blueprint = ctx.require("workflow_blueprint", chosen["id"]) if chosen else None
    if blueprint is not None:
        for name in ("name", "description", "goal", "trigger"):
            fields.setdefault(name, blueprint.get(name))
    record = ctx.create("workflow", fields)
    if blueprint is not None:
        _copy_actions(ctx, blueprint, record, chosen.get("email_settings") or {})
    return ctx.respond(record, 201)


def _copy_actions(ctx: Context, blueprint: Record, workflow: Record,
                  settings: dict[str, Any]) -> None:
    """The blueprint's actions as actions of a new workflow (parents mapped to the copies)."""
    copies: dict[Any, Any] = {}
    for step in ctx.tenant.collections["workflow_blueprint_action"].records.values():
        if step.get("blueprint_id") != blueprint["id"]:
            continue
        fields = {k: v for k, v in step.items() if k not in ("id", "blueprint_id")}
        fields["workflow_id"] = workflow["id"]
        fields["parent_id"] = copies.get(step.get("parent_id"))
        fields["email_settings"] = {**(step.get("email_settings") or {}), **settings}
        copy = ctx.new("action", fields)
        copy["workflow_id"] = workflow["id"]
        copies[step["id"]] = ctx.insert("action", copy)["id"]


def _activatable(ctx: Context, workflow: Record) -> None:
    """A workflow activates with an action, and with the audience it names still there."""
    if not ctx.records("action", workflow_id=workflow["id"]):
        raise ctx.refuse(f"workflow {workflow['id']} has no action; add one before "
                         "activating it", ("path", "workflow_id"))
    audience = workflow.get("audience")
    if not isinstance(audience, dict):
        return
    chosen = ctx.record("list", audience.get("list_id"))
    if chosen is None:
        raise ctx.refuse(f"list {audience.get('list_id')} does not exist",
                         ("body", "audience", "list_id"))
    segment = ctx.record("segment", audience.get("segment_id"))
    if audience.get("segment_id") is not None and (
            segment is None or str(segment.get("list_id")) != str(chosen["id"])):
        raise ctx.refuse(f"segment {audience['segment_id']} does not exist in list "
                         f"{chosen['id']}", ("body", "audience", "segment_id"))


def locked_workflow_change(ctx: Context) -> Reply:
    """Any change of a workflow or its actions: refused while another key holds the lock."""
    workflow = ctx.require("workflow")
    lock = _lock_of(ctx, workflow["id"])
    given = ctx.query.get("lock_key")
    if lock is not None and given != lock["key"]:
        held = "a different lock_key" if given else "no lock_key"
        raise ctx.refuse(f"workflow {workflow['id']} is locked; the request carries {held}",
                         ("query", "lock_key"))
    if ctx.op.spec.path.endswith("/activate"):
        _activatable(ctx, workflow)
    parent = ctx.fields().get("parent_id")
    if parent is not None and parent == ctx.path.get("action_id"):
        raise ctx.refuse("an action cannot be its own parent", ("body", "parent_id"))
    if ctx.op.spec.path == "/workflows/{workflow_id}" and ctx.op.spec.method == "DELETE":
        for action in ctx.records("action", workflow_id=workflow["id"]):
            ctx.delete("action", action)
        ctx.tenant.extra.get("workflow_locks", {}).pop(workflow["id"], None)
    return ctx.proceed()


def lock_workflow(ctx: Context) -> Reply:
    """Take (or extend) the lock of a workflow with a key, or release it (`/unlock`); a lock
    held with another key refuses both."""
    workflow = ctx.require("workflow")
    key = str(ctx.body["key"])
    lock = _lock_of(ctx, workflow["id"])
    locking = not ctx.op.spec.path.endswith("/unlock")
    if lock is not None and lock["key"] != key:
        held = "already locked" if locking else "locked"
        raise ctx.refuse(f"workflow {workflow['id']} is {held} with another key",
                         ("body", "key"))
    if not locking:
        ctx.tenant.extra.get("workflow_locks", {}).pop(workflow["id"], None)
        return Reply(200, {"object": "workflow", "locked": False, "expires_in": 0})
    _locks(ctx)[workflow["id"]] = {"key": key, "until": ctx.now.timestamp() + LOCK_SECONDS}
    return Reply(200, {"object": "workflow", "locked": True, "expires_in": LOCK_SECONDS})


def _action(ctx: Context) -> Record:
    ctx.require("workflow")
    return ctx.require("action")


def _content(action: Record) -> dict[str, Any]:
    settings = action.get("email_settings") or {}
    content = settings.get("content") if isinstance(settings, dict) else None
    return content if isinstance(content, dict) else {}


def render_action(ctx: Context) -> Reply:
    """The action's HTML (text when it has none) with a contact's attributes merged in."""
    return content_page(_content(_action(ctx)), contact_values(ctx, ctx.query.get("contact_id")))


def send_test_action(ctx: Context) -> Reply:
    """Send a test of an action that has a subject and content."""
    action = _action(ctx)
    content = _content(action)
    if not content.get("subject") or not (content.get("html") or content.get("text")):
        raise ctx.refuse(f"action {action['id']} has no subject or content to test")
    body = ctx.fields()
    ctx.tenant.extra.setdefault("action_test_sends", []).append(
        {"action_id": action["id"], "email": body["email"], "type": body.get("type", "merged"),
         "timestamp": ctx.stamp()})
    return Reply(200, {"id": action["id"], "object": "action", "sent": True})


def action_links(ctx: Context) -> Reply:
    """The links of an action's HTML, in order of appearance."""
    urls = urls_in(_content(_action(ctx)).get("html"))
    return ctx.page(rows({"id": number, "status": "active", "link_to": url}
                         for number, url in enumerate(urls, 1)))


def _sends(ctx: Context, action: Record) -> list[dict[str, Any]]:
    within = in_window(ctx)
    return [s for s in ctx.tenant.extra.get("action_sends", [])
            if s.get("action_id") == action["id"] and within(s["timestamp"])]


def action_report(ctx: Context) -> Reply:
    """Figures of an action, counted from its recorded sends."""
    sent = len(_sends(ctx, _action(ctx)))
    stats: dict[str, Any] = dict.fromkeys((*ZERO_COUNTS, "bounces", "bounces_hard",
                                           "bounces_soft", "unique_clicks", "unique_opens",
                                           "clicks", "opens", "spams", "unsubscribes"), 0)
    stats.update({"unopens": sent, "sent_emails": sent, "spam_rate": 0.0})
    return Reply(200, {"data": stats})


def action_logs(ctx: Context) -> Reply:
    """The recorded sends of an action, as log entries."""
    sends = _sends(ctx, _action(ctx))
    plan = ctx.query_plan()
    fields = ("id", "contact_id", "email", "type", "timestamp", "occurrences")
    return ctx.page(rows(({"id": number, "log_id": number, "contact_id": send.get("contact_id"),
                           "email": send.get("email"), "type": "sent",
                           "timestamp": send["timestamp"], "time": send["timestamp"],
                           "occurrences": 1} for number, send in enumerate(sends, 1)),
                         render=lambda r: {k: r.get(k) for k in fields},
                         predicates=plan.predicates, order=plan.order))


HOOKS = Hooks.of(create_workflow, locked_workflow_change, lock_workflow,
                 render_action, send_test_action, action_links, action_report, action_logs)
