"""Fixtures: each provider's sample records, plus records made by seeded Faker recipes.

A fixture file names a resource, lists literal records and, optionally, a recipe:

    resource: member
    records: [{member_id: 200, email: youremma@myemma.com}]
    generate:
      count: 20
      variants: [{status: active}, {status: opt-out}]   # merged in turn over the fields
      fields:
        member_id: {sequence: 300}
        email: {faker: email}
        fields: {first_name: {faker: first_name}}
        member_since: {time: [2015-01-01, 2019-12-31]}

The same seed gives the same records on every run and machine (Faker's version is pinned).

The file `credentials.yaml` instead declares the credentials the provider knows (see
credentials.py):

    credentials:
      - {user: public, password: private, tenant: public}
"""

from __future__ import annotations

import random
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mailtwin.credentials import entry_problems
from mailtwin.provider import Provider
from mailtwin.store import Collection, Tenant
from mailtwin.yamlsource import SourceError, line_of, load_yaml, pointer_of

RECIPE_KEYS = frozenset({"faker", "choice", "sequence", "pick", "sample", "template", "time",
                         "copy", "literal"})
FILE_KEYS = frozenset({"resource", "records", "generate"})
CREDENTIAL_KEYS = frozenset({"credentials"})
CREDENTIALS_FILE = "credentials.yaml"


class Recipe:
    """Makes values from recipe nodes with one seeded Faker and one seeded random source."""

    def __init__(self, provider: Provider, seed: int, tenant: Tenant) -> None:
        from faker import Faker

        self.provider = provider
        self.random = random.Random(seed)
        self.faker = Faker("en_US")
        self.faker.seed_instance(seed)
        self.tenant = tenant

    def value(self, node: Any, index: int, done: dict[str, Any]) -> Any:
        """One generated value; `done` holds the fields made so far for templates."""
        if isinstance(node, list):
            return [self.value(item, index, done) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) != 1 or next(iter(node)) not in RECIPE_KEYS:
            made: dict[str, Any] = {}
            for key, sub in node.items():
                made[key] = self.value(sub, index, {**done, **made})
            return made
        key, arg = next(iter(node.items()))
        return getattr(self, f"_{key}")(arg, index, done)

    def _literal(self, arg: Any, index: int, done: dict[str, Any]) -> Any:
        return arg

    def _faker(self, arg: Any, index: int, done: dict[str, Any]) -> Any:
        if isinstance(arg, dict):
            method, kwargs = arg["method"], dict(arg.get("args", {}))
        else:
            method, kwargs = str(arg), {}
        value = getattr(self.faker, method)(**kwargs)
        if isinstance(value, datetime):
            return self.provider.style.format(value.replace(tzinfo=UTC))
        return value

    def _choice(self, arg: list[Any], index: int, done: dict[str, Any]) -> Any:
        return self.value(self.random.choice(arg), index, done)

    def _sequence(self, arg: int, index: int, done: dict[str, Any]) -> int:
        return int(arg) + index

    def _ids(self, resource: str) -> list[Any]:
        return list(self.tenant.collections[resource].records)

    def _pick(self, arg: str, index: int, done: dict[str, Any]) -> Any:
        ids = self._ids(arg)
        return self.random.choice(ids) if ids else None

    def _sample(self, arg: dict[str, Any], index: int, done: dict[str, Any]) -> list[Any]:
        ids = self._ids(arg["resource"])
        k_spec = arg.get("k", 1)
        low, high = k_spec if isinstance(k_spec, list) else (k_spec, k_spec)
        k = min(len(ids), self.random.randint(int(low), int(high)))
        return sorted(self.random.sample(ids, k), key=str)

    def _template(self, arg: str, index: int, done: dict[str, Any]) -> str:
        return arg.format(n=index, **_flat(done))

    def _time(self, arg: list[Any], index: int, done: dict[str, Any]) -> Any:
        start, end = (_moment(v) for v in arg)
        span = end.timestamp() - start.timestamp()
        moment = datetime.fromtimestamp(start.timestamp() + self.random.random() * span, UTC)
        return self.provider.style.format(moment.replace(microsecond=0))

    def _copy(self, arg: str, index: int, done: dict[str, Any]) -> Any:
        return _flat(done).get(arg)


def _flat(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"fields": {"first_name": "A"}}` -> `{"fields": {...}, "fields_first_name": "A"}`."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        out[prefix + key] = value
        if isinstance(value, dict):
            out.update(_flat(value, prefix + key + "_"))
    return out


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def fixture_files(folder: Path | None) -> list[Path]:
    """A provider's fixture files, in name order (so later files may pick earlier records)."""
    return sorted(folder.glob("*.yaml")) if folder is not None and folder.is_dir() else []


def load_fixture(path: Path, provider: Provider) -> dict[str, Any]:
    """Read and check one fixture file."""
    data = load_yaml(path)

    def fail(at: tuple[object, ...], message: str) -> SourceError:
        return SourceError(path, line_of(path, at), pointer_of(at), message)

    if not isinstance(data, dict):
        raise fail((), "a fixture file must be a mapping with resource, records, generate")
    if path.name == CREDENTIALS_FILE:
        return _credentials_file(data, fail)
    unknown = sorted(set(data) - FILE_KEYS)
    if unknown:
        raise fail((unknown[0],), f"unknown key {unknown[0]!r}")
    resource = provider.resources.get(str(data.get("resource")))
    if resource is None:
        raise fail(("resource",), f"unknown resource {data.get('resource')!r}")
    records = data.get("records", [])
    if not isinstance(records, list):
        raise fail(("records",), "records must be a list")
    for i, record in enumerate(records):
        if not isinstance(record, dict) or resource.id_field not in record:
            raise fail(("records", i), f"each record needs its id field {resource.id_field!r}")
    generate = data.get("generate")
    if generate is not None and (not isinstance(generate, dict)
                                 or not isinstance(generate.get("count"), int)
                                 or not isinstance(generate.get("fields"), dict)
                                 or not isinstance(generate.get("variants", []), list)):
        raise fail(("generate",), "generate needs an integer count, a fields mapping and "
                   "optionally a list of variants")
    return data


def _credentials_file(data: dict[str, Any], fail: Any) -> dict[str, Any]:
    """A file of declared credentials, checked."""
    unknown = sorted(set(data) - CREDENTIAL_KEYS)
    if unknown:
        raise fail((unknown[0],), f"unknown key {unknown[0]!r} (a credentials file holds "
                   "only credentials)")
    entries = data.get("credentials", [])
    if not isinstance(entries, list):
        raise fail(("credentials",), "credentials must be a list")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise fail(("credentials", i), "a credential is a mapping")
        for key, message in entry_problems(entry)[:1]:
            raise fail(("credentials", i, key) if key in entry else ("credentials", i),
                       message)
    return data


def fixture_credentials(provider: Provider, folder: Path | None) -> list[dict[str, str]]:
    """The credentials a provider's `credentials.yaml` declares (none without it)."""
    path = folder / CREDENTIALS_FILE if folder is not None else None
    if path is None or not path.is_file():
        return []
    return list(load_fixture(path, provider).get("credentials", []))


def seed_tenant(provider: Provider, folder: Path | None, seed: int) -> Tenant:
    """The tenant every new tenant of this provider starts as."""
    tenant = provider.empty_tenant()
    mixed = (seed * 1_000_003) ^ zlib.crc32(provider.name.encode())
    recipe = Recipe(provider, mixed, tenant)
    for path in fixture_files(folder):
        if path.name == CREDENTIALS_FILE:
            continue
        data = load_fixture(path, provider)
        resource = provider.resources[data["resource"]]
        collection = tenant.collections[resource.name]
        for i, record in enumerate(data.get("records", [])):
            try:
                collection.insert(dict(record))
            except (KeyError, TypeError) as exc:
                raise _broken(path, ("records", i), exc) from None
        generate = data.get("generate")
        if generate:
            try:
                _generate(recipe, generate, resource.id_field, collection)
            except (KeyError, TypeError, ValueError, AttributeError, IndexError,
                    OverflowError) as exc:
                raise _broken(path, ("generate",), exc) from None
    return tenant


def _generate(recipe: Recipe, generate: dict[str, Any], id_field: str,
              collection: Collection) -> None:
    """Add the records a recipe makes (an id already present is skipped)."""
    variants = generate.get("variants") or [{}]
    for index in range(int(generate["count"])):
        made = recipe.value(generate["fields"], index, {})
        made.update(recipe.value(variants[index % len(variants)], index, made))
        if made.get(id_field) not in collection.records:
            collection.insert(made)


def _broken(path: Path, at: tuple[object, ...], exc: Exception) -> SourceError:
    """A fixture that fails while records are built, located at the part that built them."""
    return SourceError(path, line_of(path, at), pointer_of(at),
                       f"cannot build records: {type(exc).__name__}: {exc}")
