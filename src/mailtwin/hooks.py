"""The hook API: the kinds of hook a provider module exports (typed Protocols), the Hooks it
exports them in, and everything a hook receives or raises.

A provider's spec names its module (`x-mailtwin: {hooks: my_package.hooks}`); the module
exports `HOOKS = Hooks(...)`:

    from mailtwin.hooks import Context, Hooks, Move, Reply

    def archive_all(ctx: Context) -> Reply:
        for record in list(ctx.tenant.collections["list"].records.values()):
            ctx.move(record, "archive", "list")
        return Reply(204)

    def on_list_move(move: Move) -> None:
        move.record["moved_at"] = move.moment.isoformat()

    HOOKS = Hooks.of(archive_all, moves={"list": [on_list_move]})

See docs/writing-a-provider.md.
"""

from __future__ import annotations

from mailtwin.context import AuthContext, Context
from mailtwin.credentials import CredentialError, Credentials
from mailtwin.delivery.engine import Happened, MessageEvent, MessageListener
from mailtwin.delivery.message import Message
from mailtwin.errors import ApiError, Location, Problem, bad_request, not_found
from mailtwin.events import Event
from mailtwin.hookset import Authenticate, Hooks, OperationHook
from mailtwin.lifecycle import Move, MoveListener
from mailtwin.listing import Listing, rows
from mailtwin.oauth2 import Grant, TokenStore
from mailtwin.reply import Reply, without_nulls
from mailtwin.store import Record, Tenant

__all__ = ["ApiError", "AuthContext", "Authenticate", "Context", "CredentialError", "Credentials",
           "Event", "Grant", "Happened", "Hooks", "Listing", "Location", "Message", "MessageEvent",
           "MessageListener", "Move", "MoveListener", "OperationHook", "Problem", "Record",
           "Reply", "Tenant", "TokenStore", "bad_request", "not_found", "rows", "without_nulls"]
