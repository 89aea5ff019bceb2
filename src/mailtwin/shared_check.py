"""The shapes of a provider's shared state (tokens, codes, rate-limit counts), checked when a
state document is imported so that a malformed entry is a 400 then, not a 500 later.

A provider's hooks module declares its own entries as a JSON Schema named `SHARED`; the
rate-limit counts the engine keeps are checked for every provider.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailtwin.errors import Problem
from mailtwin.validation import Schemas, Validator

if TYPE_CHECKING:
    from mailtwin.provider import Provider

ENGINE = {
    "type": "object",
    "properties": {
        "rate_limit": {
            "type": "object",
            "additionalProperties": {"type": "array", "minItems": 2, "maxItems": 2,
                                     "items": {"type": "number"}},
        },
    },
}


def check_shared(provider: Provider, shared: Any) -> list[Problem]:
    """Problems of one provider's shared state, at locations under ("body", ...)."""
    own = provider.shared_schema or {}
    schema: dict[str, Any] = {"allOf": [ENGINE, own]} if own else ENGINE
    return Validator(schema, Schemas(f"{provider.name}-shared", schema)).problems(
        shared, ("body",))
