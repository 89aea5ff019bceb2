"""Transactional email templates of a list: send one to a contact (named by id, or by an
address the list gains as a contact), send a test, render it for a contact. The senders and
contacts named by id are declared references.

A send is recorded with the other transactional sends (the `transactional_email`
collection) and is a message of the delivery engine, so the transactional logs and reports
count its events; a test send is kept apart,
under `template_test_sends` in the tenant's extra state, and counted nowhere.
"""

from __future__ import annotations

from typing import Any

from mailtwin.hooks import Context, Hooks, Record, Reply
from mailtwin.providers.especial.common import attributes, html_page, merge
from mailtwin.providers.especial.contacts import by_email, subscribe
from mailtwin.providers.especial.emails import deliver, refuse_unconfirmed
from mailtwin.providers.especial.suppression import refuse_suppressed


def _template(ctx: Context, *, active: bool) -> tuple[Record, Record]:
    """The list and its template (404s), refusing a template that is not active if asked."""
    chosen = ctx.require("list")
    template = ctx.require("transactional_email_template")
    if active and template.get("status") != "active":
        raise ctx.refuse(f"transactional email template {template['id']} is "
                         f"{template.get('status')}; only an active template sends", ("path",
                         "transactional_email_template_id"))
    return chosen, template


def _sender(ctx: Context, template: Record, named: Any) -> Record:
    """The confirmed sender of a send: the one the body names, else the template's."""
    location: tuple[str, ...] = ("body", "sender")
    if isinstance(named, dict) and named.get("id") is not None:
        sender: Record | None = ctx.require("sender", named["id"])
        location = ("body", "sender", "id")
    else:
        address = str((template.get("sender") or {}).get("email") or "").lower()
        sender = next((s for s in ctx.tenant.collections["sender"].records.values()
                       if str(s.get("email") or "").lower() == address), None)
    if sender is None:
        raise ctx.refuse(f"transactional email template {template['id']} has no existing "
                         "sender; name one", location)
    refuse_unconfirmed(ctx, sender, location)
    return sender


def _contact_by_address(ctx: Context, list_id: Any, email: str) -> Record:
    """The list's contact with that address; an address the list lacks becomes a contact."""
    found = by_email(ctx, list_id, email)
    return found if found is not None else subscribe(ctx, {"email": email,
                                                           "custom_attributes": []})


def _recipient(ctx: Context, list_id: Any, body: dict[str, Any]) -> tuple[Record, str]:
    """The contact a send goes to and where a refusal about it points."""
    if "contact_id" in body:
        return ctx.require("contact", body["contact_id"]), "contact_id"
    refuse_suppressed(ctx, str(body["email"]), ("body", "email"))  # before the list gains it
    return _contact_by_address(ctx, list_id, str(body["email"])), "email"


def _values(contact: Record | None, given: Any) -> dict[str, Any]:
    """The contact's merge values, overridden (not saved) by the request's attributes."""
    values = attributes(contact) if contact is not None else {}
    for item in given or []:
        if isinstance(item, dict) and "name" in item:
            values[str(item["name"])] = item.get("value")
    return values


def _merged(template: Record, values: dict[str, Any]) -> dict[str, Any]:
    content = template.get("content") or {}
    return {"type": content.get("type"), "subject": merge(content.get("subject") or "", values),
            "html": merge(content.get("html") or "", values)}


def send_transactional_template(ctx: Context) -> Reply:
    """Send a list's template to one contact of the list, as a transactional email."""
    chosen, template = _template(ctx, active=True)
    if not (template.get("content") or {}).get("html"):
        raise ctx.refuse(f"transactional email template {template['id']} has no HTML to send",
                         ("path", "transactional_email_template_id"))
    body = ctx.fields()
    sender = _sender(ctx, template, body.get("sender"))
    contact, by = _recipient(ctx, chosen["id"], body)
    email = str(contact["email"])
    refuse_suppressed(ctx, email, ("body", by))
    if contact.get("status") == "unsubscribed":
        if not body.get("resubscribe"):
            raise ctx.refuse(f"contact {contact['id']} ({email}) is unsubscribed; send "
                             "resubscribe=true to send to it", ("body", "resubscribe"))
        ctx.apply("contact", contact, {"status": "active", "subscribed_on": ctx.stamp()})
    name = (body.get("sender") or {}).get("name") or sender.get("name")
    record = ctx.create("transactional_email", {
        "email": email, "list_id": chosen["id"], "contact_id": contact["id"],
        "template_id": template["id"],
        "sender": {"id": sender["id"], "email": sender.get("email"), "name": name},
        "content": _merged(template, _values(contact, body.get("custom_attributes")))})
    deliver(ctx, record, contact_id=contact["id"], list_id=chosen["id"])
    return Reply(200, {"email": email, "object": "transactional-email-template", "sent": True,
                       "data": {"contact_id": contact["id"]}})


def send_test_transactional_template(ctx: Context) -> Reply:
    """A test of a template to one address: merged with no contact, counted nowhere."""
    _, template = _template(ctx, active=False)
    content = template.get("content") or {}
    if not content.get("subject") or not content.get("html"):
        raise ctx.refuse(f"transactional email template {template['id']} has no subject or HTML "
                         "to test", ("path", "transactional_email_template_id"))
    email = str(ctx.body["email"])
    refuse_suppressed(ctx, email, ("body", "email"))
    ctx.tenant.extra.setdefault("template_test_sends", []).append(
        {"transactional_email_template_id": template["id"], "list_id": template.get("list_id"),
         "email": email, "timestamp": ctx.stamp()})
    return Reply(200, {"object": "transactional-email-test", "sent": True})


def render_transactional_template(ctx: Context) -> Reply:
    """The template's HTML merged with a contact of its list (and the given attributes)."""
    _, template = _template(ctx, active=False)
    contact = ctx.require("contact", ctx.body["contact_id"])
    return html_page(_merged(template, _values(contact, ctx.body.get("custom_attributes")))[
        "html"])


HOOKS = Hooks.of(send_transactional_template, send_test_transactional_template,
                 render_transactional_template)
