"""Especial hooks: the behaviour of the platform API that its spec cannot state as data.

Each area is a module exporting `HOOKS` (name -> hook) and optionally `MOVE_LISTENERS`
(resource -> listener called on every lifecycle move of that resource). This package merges
them; a new area is a new module named in MODULES.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any

from mailtwin.store import Record, Tenant

MODULES = ("auth", "campaigns", "delivery", "lists", "contacts", "senders", "templates",
           "tasks", "reports",
           "users", "accounts", "workflows", "tags", "attributes", "brand", "forms",
           "suppression", "emails", "blueprints", "automation",
           "emails_v2", "mfa", "links", "campaigns_exports",
           "template_sends", "email_activity")

Listener = Any


def _load() -> tuple[dict[str, Any], dict[str, list[Listener]]]:
    hooks: dict[str, Any] = {}
    listeners: dict[str, list[Listener]] = {}
    for name in MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        clash = set(hooks) & set(module.HOOKS)
        if clash:
            raise RuntimeError(f"hooks defined twice: {sorted(clash)}")
        hooks.update(module.HOOKS)
        for resource, listener in getattr(module, "MOVE_LISTENERS", {}).items():
            listeners.setdefault(resource, []).append(listener)
    return hooks, listeners


HOOKS, _LISTENERS = _load()


def on_move(tenant_name: str, tenant: Tenant, resource: str, record: Record, source: Any,
            target: Any, moment: datetime) -> None:
    """Every lifecycle move, passed to the listeners of its resource."""
    for listener in _LISTENERS.get(resource, ()):
        listener(tenant_name, tenant, record, source, target, moment)


HOOKS["on_move"] = on_move


_GRANT = {"type": "object", "required": ["kind", "tenant", "expires"],
          "properties": {"kind": {"enum": ["access", "refresh"]}, "tenant": {"type": "string"},
                         "expires": {"type": "number"}, "seconds": {"type": "integer"}},
          "if": {"properties": {"kind": {"const": "refresh"}}},
          "then": {"required": ["seconds"]}}
# The provider-wide state these hooks keep, checked when a state document is imported.
SHARED = {
    "type": "object",
    "properties": {
        "tokens": {"type": "object", "additionalProperties": _GRANT},
        "codes": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": {
                "type": "object", "required": ["tenant", "id"],
                "properties": {"tenant": {"type": "string"},
                               "id": {"type": ["integer", "string"]}}}}},
        "challenges": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["login", "user_id", "tenant", "seconds", "expires"],
            "properties": {"login": {"type": "string"}, "tenant": {"type": "string"},
                           "user_id": {"type": ["integer", "string"]},
                           "seconds": {"type": "integer"}, "expires": {"type": "number"}}}},
        "files": {"type": "object", "additionalProperties": {
            "type": "array", "minItems": 3, "maxItems": 4,
            "prefixItems": [{"type": "string"}, {"type": "string"},
                            {"type": ["integer", "string"]}, {"type": "number"}]}},
    },
}
