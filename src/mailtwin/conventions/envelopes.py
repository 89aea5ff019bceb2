"""Envelopes by name: how one record is wrapped in an answer, and how a request body is
unwrapped into record fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mailtwin.conventions import jsonapi
from mailtwin.errors import Location

if TYPE_CHECKING:
    from mailtwin.context import Context
    from mailtwin.provider import Resource


@dataclass(frozen=True)
class Envelope:
    """wrap: rendered record -> body; unwrap: body -> (fields, where those fields live)."""

    wrap: Callable[[Context, Resource, Any], Any]
    unwrap: Callable[[Context, Any], tuple[dict[str, Any], Location]]


def _as_is(ctx: Context, resource: Resource, rendered: Any) -> Any:
    return rendered


def _in_data(ctx: Context, resource: Resource, rendered: Any) -> Any:
    return {"data": rendered}


def _fields(ctx: Context, body: Any) -> tuple[dict[str, Any], Location]:
    return (dict(body) if isinstance(body, dict) else {}), ("body",)


ENVELOPES: dict[str, Envelope] = {
    "bare": Envelope(_as_is, _fields),
    "data": Envelope(_in_data, _fields),
    "drf": Envelope(_as_is, _fields),
    "jsonapi": Envelope(jsonapi.wrap, jsonapi.unwrap),
}
