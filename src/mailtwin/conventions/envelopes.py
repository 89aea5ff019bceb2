"""Envelopes by name: how one record is wrapped in an answer, and how a request body is
unwrapped into record fields."""

from __future__ import annotations

from typing import Any

from mailtwin.context import Context, Envelope, Fragment
from mailtwin.conventions import jsonapi
from mailtwin.errors import Location
from mailtwin.resource import Resource
from mailtwin.store import Record


def _as_is(ctx: Context, resource: Resource, rendered: Any) -> Any:
    return rendered


def _in_data(ctx: Context, resource: Resource, rendered: Any) -> Any:
    return {"data": rendered}


def _fields(ctx: Context, body: Any) -> tuple[dict[str, Any], Location]:
    return (dict(body) if isinstance(body, dict) else {}), ("body",)


def _cached_as_is(ctx: Context, resource: Resource, record: Record, shown: Fragment) -> Any:
    return shown(record)


def _cached_in_data(ctx: Context, resource: Resource, record: Record, shown: Fragment) -> Any:
    return {"data": shown(record)}


def _cached_resource_object(ctx: Context, resource: Resource, record: Record,
                            shown: Fragment) -> Any:
    return {"data": jsonapi.fragments(ctx, resource)(record)}


ENVELOPES: dict[str, Envelope] = {
    "bare": Envelope(_as_is, _fields, _cached_as_is),
    "data": Envelope(_in_data, _fields, _cached_in_data),
    "drf": Envelope(_as_is, _fields, _cached_as_is),
    "jsonapi": Envelope(jsonapi.wrap, jsonapi.unwrap, _cached_resource_object),
}
