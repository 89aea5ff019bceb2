"""A kind of record (Resource): its id, scope, lifecycle, views and defaults."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from secrets import token_urlsafe
from string import Formatter
from typing import Any

from mailtwin.errors import not_found
from mailtwin.lifecycle import Lifecycle
from mailtwin.reply import without_nulls
from mailtwin.store import Record, Tenant
from mailtwin.validation import coerce


@dataclass
class Resource:
    """A kind of record: its id, scope, lifecycle, views and defaults."""

    name: str
    id_field: str
    id_type: str
    first_id: int
    param: str
    scope: dict[str, str]
    lifecycle: Lifecycle | None
    indexes: tuple[str, ...]
    views: dict[str, tuple[str, ...]]
    defaults: dict[str, Any]
    created: str | None
    updated: str | None
    unique: tuple[str, ...]
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    omit_nulls: bool = False
    # The field a path value names a record by when it is not the id (unique within scope).
    lookup: str | None = None
    # Body pointers whose values must name existing records (see references.py).
    references: tuple[dict[str, Any], ...] = ()
    # How generated text ids look (`sf{n}`); None: `<resource>_<n>`.
    id_template: str | None = None
    # Fields given a fresh random key when a record is created (a webhook's signing key).
    secrets: tuple[str, ...] = ()

    def ident(self, text: Any) -> Any:
        """A path value as this resource's id type."""
        if self.id_type == "integer" and isinstance(text, str):
            value = coerce(text, ["integer"])
            return value if isinstance(value, int) else None
        return text

    def new_record(self, tenant: Tenant, fields: Mapping[str, Any], stamp: Any) -> Record:
        """A record from the defaults and the fields, with fresh secrets, an id, its stamps
        and the initial state; not stored yet."""
        record: Record = {**self.defaults, **fields}
        for name in self.secrets:
            record[name] = token_urlsafe(24)
        if self.id_type == "integer" or record.get(self.id_field) in (None, ""):
            record[self.id_field] = self.next_ident(tenant)
        for stamped in (self.created, self.updated):
            if stamped:
                record[stamped] = stamp
        if self.lifecycle is not None and self.lifecycle.field not in record:
            record[self.lifecycle.field] = self.lifecycle.initial
        return record

    def next_ident(self, tenant: Tenant) -> Any:
        """A new id for a record of this resource in a tenant."""
        if self.id_type == "integer":
            return tenant.next_id(self.name, self.first_id)
        if self.id_template is not None:
            return tenant.next_text_id(self.name, self.id_template, self.first_id)
        return f"{self.name}_{tenant.next_id(self.name, 1)}"

    def in_scope(self, record: Record, path: Mapping[str, Any]) -> bool:
        """True when the record belongs to the scope the path names (e.g. its account)."""
        for param, name in self.scope.items():
            if param in path and str(record.get(name)) != str(path[param]):
                return False
        return True

    def get(self, tenant: Tenant, ident: Any) -> Record | None:
        """A record by id, compared as given, then as this resource's id type (`"7"` finds
        7); no scope."""
        records = tenant.collections[self.name].records
        found = records.get(ident)
        if found is None and isinstance(ident, str):
            key = self.ident(ident)
            found = records.get(key) if key is not None else None
        return found

    def find(self, tenant: Tenant, path: Mapping[str, Any], ident: Any) -> Record:
        """The record with this id (or `lookup` value) in the path's scope, or the
        provider's 404."""
        collection = tenant.collections[self.name]
        if self.lookup is not None:
            for key in collection.ids_where(self.lookup, [ident]):
                if self.in_scope(collection.records[key], path):
                    return collection.records[key]
            raise not_found(self.label, ident)
        key = self.ident(ident)
        record = collection.get(key) if key is not None else None
        if record is None or not self.in_scope(record, path):
            raise not_found(self.label, ident)
        return record

    def render(self, record: Record, view: str | None = None,
               extra: tuple[str, ...] = ()) -> Record:
        """A copy of the record projected on a view (all fields when there is none)."""
        fields = self.views.get(view or "detail")
        out = dict(record) if fields is None else {name: record.get(name) for name in fields}
        for name in extra:
            out[name] = record.get(name)
        return without_nulls(out) if self.omit_nulls else out


def reference_problem(spec: Mapping[str, Any], resources: Mapping[str, Any],
                      default_message: str, path_params: Iterable[str] = ()) -> str | None:
    """Why a declared reference cannot be used (an unknown resource, a message naming
    something it cannot fill), or None."""
    if spec["resource"] not in resources:
        return f"references name an unknown resource {spec['resource']!r}"
    known = {"id", "resource", *spec.get("within", {}), *path_params}
    message = spec.get("message") or default_message
    for _, name, _, _ in Formatter().parse(message):
        if name is not None and name not in known:
            return (f"the reference message names {{{name}}}; it may name only "
                    f"{', '.join(sorted(known))}")
    return None
