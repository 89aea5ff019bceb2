"""Especial hooks: the behaviour of the platform API that its spec cannot state as data.

Each area is a module exporting `HOOKS = Hooks(...)`; this package merges them. A new area is
a new module named in MODULES.
"""

from __future__ import annotations

import importlib

from mailtwin.hooks import Hooks

MODULES = ("auth", "campaigns", "delivery", "lists", "contacts", "senders", "templates",
           "tasks", "reports",
           "users", "accounts", "workflows", "tags", "attributes", "brand", "forms",
           "suppression", "emails", "blueprints", "automation",
           "emails_v2", "mfa", "links", "campaigns_exports",
           "template_sends", "email_activity")

HOOKS = Hooks.merge(importlib.import_module(f"{__name__}.{name}").HOOKS for name in MODULES)
