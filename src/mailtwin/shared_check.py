"""The shapes of a provider's shared state (tokens, codes, rate-limit counts, simulation
rates), checked when a state document is imported so that a malformed entry is a 400 then,
not a 500 later.

A provider's hooks declare their own entries as a JSON Schema (`Hooks(shared=...)`); the
rate-limit counts and the known credentials the engine keeps are checked for every provider,
the tokens of the `oauth2` convention for the providers that declare it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailtwin.credentials import SHARED_CREDENTIALS
from mailtwin.errors import Problem
from mailtwin.oauth2 import SHARED_TOKENS
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
        # The provider's rates of the delivery simulation (PUT /__mailtwin/simulation).
        "simulation": {
            "type": "object",
            "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
        },
    },
}


def check_shared(provider: Provider, own: dict[str, Any] | None, shared: Any) -> list[Problem]:
    """Problems of one provider's shared state (`own`: its hooks' schema of their entries),
    at locations under ("body", ...)."""
    oauth2 = provider.auth["scheme"] == "oauth2"
    parts = [ENGINE, SHARED_CREDENTIALS, *([SHARED_TOKENS] if oauth2 else []),
             *([own] if own else [])]
    schema: dict[str, Any] = {"allOf": parts}
    return Validator(schema, Schemas(f"{provider.name}-shared", schema)).problems(
        shared, ("body",))
