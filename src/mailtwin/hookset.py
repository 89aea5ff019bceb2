"""The kinds of hook a provider module exports (typed Protocols), the Hooks it exports them in,
and loading the module a spec names. Hooks import all this from `mailtwin.hooks`."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from mailtwin.context import AuthContext, Context
from mailtwin.delivery.engine import MessageListener
from mailtwin.lifecycle import MoveListener
from mailtwin.reply import Reply
from mailtwin.spec import ProviderSpec
from mailtwin.yamlsource import SourceError, line_of, pointer_of


class OperationHook(Protocol):
    """Serves an operation whose spec names it (`x-mailtwin: {hook: name}`) in place of the
    generic handler of its kind: `def forward(ctx: Context) -> Reply`. Raise an ApiError
    (`raise ctx.refuse(...)`) for every refusal; check everything before changing anything."""

    __name__: str

    def __call__(self, ctx: Context, /) -> Reply: ...


class Authenticate(Protocol):
    """Gives the tenant a request acts as, or raises the provider's 401 / 403:
    `def authenticate(auth: AuthContext) -> str` (`auth.scheme()` is the declared scheme's
    answer)."""

    def __call__(self, auth: AuthContext, /) -> str: ...


@dataclass
class Hooks:
    """What a provider's hook module exports as `HOOKS`: operation hooks by name, an
    optional authenticate hook, move listeners by resource, and message listeners by the
    mailing resource whose messages they follow."""

    operations: dict[str, OperationHook] = field(default_factory=dict)
    authenticate: Authenticate | None = None
    moves: dict[str, list[MoveListener]] = field(default_factory=dict)
    # The JSON Schema of the provider-wide state the hooks keep (checked on state imports).
    shared: dict[str, Any] | None = None
    messages: dict[str, list[MessageListener]] = field(default_factory=dict)

    @classmethod
    def of(cls, *operations: OperationHook, authenticate: Authenticate | None = None,
           moves: dict[str, list[MoveListener]] | None = None,
           shared: dict[str, Any] | None = None,
           messages: dict[str, list[MessageListener]] | None = None) -> Hooks:
        """Hooks whose operation hooks are named by their functions' names:
        `Hooks.of(forward, resend, moves={"mailing": [on_mailing_move]},
        messages={"mailing": [on_mailing_message]})`."""
        return cls({op.__name__: op for op in operations}, authenticate,
                   dict(moves or {}), shared, dict(messages or {}))

    @classmethod
    def merge(cls, parts: Iterable[Hooks]) -> Hooks:
        """One Hooks from several (a provider package's modules); an operation hook or an
        authenticate hook defined twice is an error."""
        merged = cls()
        for part in parts:
            clash = set(merged.operations) & set(part.operations)
            if clash:
                raise ValueError(f"hooks defined twice: {sorted(clash)}")
            merged.operations.update(part.operations)
            if part.authenticate is not None:
                if merged.authenticate is not None:
                    raise ValueError("authenticate is defined twice")
                merged.authenticate = part.authenticate
            for resource, listeners in part.moves.items():
                merged.moves.setdefault(resource, []).extend(listeners)
            for resource, followers in part.messages.items():
                merged.messages.setdefault(resource, []).extend(followers)
            if part.shared is not None:
                merged.shared = part.shared if merged.shared is None else {
                    "allOf": [merged.shared, part.shared]}
        return merged


def load_hooks(spec: ProviderSpec) -> Hooks:
    """The Hooks of the module a spec names (none without `hooks`); a module that does not
    import or export a Hooks is a SourceError at `x-mailtwin/hooks`."""
    name = spec.ext.get("hooks")
    if name is None:
        return Hooks()
    try:
        found = importlib.import_module(name).HOOKS
    except (ImportError, AttributeError, TypeError, ValueError) as exc:
        message = f"cannot load hooks {name!r}: {exc}"
    else:
        if isinstance(found, Hooks):
            return found
        message = f"{name}.HOOKS must be a mailtwin.hooks.Hooks, not {type(found).__name__}"
    at = ("x-mailtwin", "hooks")
    raise SourceError(spec.source, line_of(spec.source, at), pointer_of(at), message)
