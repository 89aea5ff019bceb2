"""Especial hooks: the behaviour of the platform API that its spec cannot state as data.

Each area is a module exporting `HOOKS = Hooks.of(...)`; this package merges them, with the
shape of the provider-wide state they keep. A new area is a new module named in MODULES.
"""

from __future__ import annotations

import importlib

from mailtwin.hooks import Hooks

MODULES = ("auth", "campaigns", "delivery", "lists", "contacts", "senders", "templates",
           "tasks", "reports",
           "users", "accounts", "workflows", "tags", "attributes", "brand", "forms",
           "suppression", "emails", "automation",
           "emails_v2", "mfa", "links", "campaigns_exports",
           "template_sends", "email_activity", "engagement")

# The provider-wide state these hooks keep, checked when a state document is imported (the
# tokens are the oauth2 convention's, which the engine checks).
SHARED = {
    "type": "object",
    "properties": {
        "codes": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": {
                "type": "object", "required": ["tenant", "id"],
                "properties": {"tenant": {"type": "string"},
                               "id": {"type": ["integer", "string"]}}}}},
        "challenges": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["login", "user_id", "tenant", "seconds", "expires"],
            "properties": {"login": {"type": "string"}, "tenant": {"type": "string"},
                           "home": {"type": "string"},
                           "user_id": {"type": ["integer", "string"]},
                           "seconds": {"type": "integer"}, "expires": {"type": "number"}}}},
        "files": {"type": "object", "additionalProperties": {
            "type": "array", "minItems": 3, "maxItems": 4,
            "prefixItems": [{"type": "string"}, {"type": "string"},
                            {"type": ["integer", "string"]}, {"type": "number"}]}},
    },
}

HOOKS = Hooks.merge([*(importlib.import_module(f"{__name__}.{name}").HOOKS for name in MODULES),
                     Hooks(shared=SHARED)])
