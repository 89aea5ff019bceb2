"""A tenant holds a copy of only the collections it touched; the rest stay the pristine
fixtures' until first read, and every way of reading the whole state still sees them."""

from __future__ import annotations

import pickle

import pytest

from mailtwin import Config
from mailtwin.runtime import Runtime
from mailtwin.statefile import export_state, import_state
from mailtwin.store import Tenant

PROVIDER = "emailicious"


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return Runtime(Config(seed=0))


@pytest.fixture(autouse=True)
def fresh(runtime: Runtime) -> None:
    runtime.store.reset()


def first_id(tenant: Tenant, resource: str) -> object:
    return next(iter(tenant.collections[resource].records))


def test_a_read_only_tenant_holds_only_what_it_read(runtime: Runtime) -> None:
    tenant = runtime.store.tenant(PROVIDER, "a", reading=True)
    assert tenant.collections.materialised() == ()
    assert tenant.collections["list"].get(first_id(tenant, "list")) is not None
    assert tenant.collections.materialised() == ("list",)
    assert "subscriber" in tenant.collections
    assert tenant.collections.materialised() == ("list",)


def test_record_counts_need_no_copy(runtime: Runtime) -> None:
    tenant = runtime.store.tenant(PROVIDER, "a")
    pristine = runtime.store.pristine(PROVIDER)
    assert tenant.collections.count("subscriber") == pristine.counts["subscriber"] > 0
    assert tenant.collections.materialised() == ()
    subscribers = tenant.collections["subscriber"]
    subscribers.delete(first_id(tenant, "subscriber"))
    assert tenant.collections.count("subscriber") == pristine.counts["subscriber"] - 1
    with pytest.raises(KeyError):
        tenant.collections.count("nothing")


def test_iterating_sees_every_collection(runtime: Runtime) -> None:
    tenant = runtime.store.tenant(PROVIDER, "a")
    names = list(tenant.collections)
    assert names == list(runtime.store.pristine(PROVIDER).counts)
    assert {name: len(c) for name, c in tenant.collections.items()} == dict(
        runtime.store.pristine(PROVIDER).counts)
    assert set(tenant.collections.materialised()) == set(names)


def test_a_limit_reaches_collections_copied_later(runtime: Runtime) -> None:
    tenant = runtime.store.tenant(PROVIDER, "a")
    tenant.limit_records(3)
    assert tenant.collections["subscriber"].limit == 3


def test_a_partly_copied_tenant_survives_snapshot_and_restore(runtime: Runtime) -> None:
    store = runtime.store
    tenant = store.tenant(PROVIDER, "a")
    ident = first_id(tenant, "list")
    tenant.collections["list"].update(ident, {"name": "Changed"})
    saved = store.snapshot()
    store.tenant(PROVIDER, "a").collections["list"].update(ident, {"name": "Later"})
    store.restore(saved)
    back = store.tenant(PROVIDER, "a")
    assert back.collections.materialised() == ("list",)
    assert back.collections["list"].get(ident)["name"] == "Changed"  # type: ignore[index]
    fresh = store.pristine(PROVIDER).fresh("subscriber")
    assert back.collections["subscriber"].records == fresh.records


def test_untouched_collections_are_not_copied_into_snapshots(runtime: Runtime) -> None:
    store = runtime.store
    store.tenant(PROVIDER, "t0")
    one = len(store.snapshot())
    for n in range(1, 20):
        store.tenant(PROVIDER, f"t{n}")
    twenty = len(store.snapshot())
    # Each further tenant adds its name and a reference to the fixtures, not their records.
    assert twenty - one < 19 * 1024
    assert len(pickle.dumps(store.pristine(PROVIDER))) > 4 * 1024


def test_a_partly_copied_tenant_survives_export_and_import(runtime: Runtime) -> None:
    store = runtime.store
    tenant = store.tenant(PROVIDER, "a")
    ident = first_id(tenant, "list")
    tenant.collections["list"].update(ident, {"name": "Changed"})
    document = export_state(runtime)
    # Writing the state out copies nothing into the live tenant.
    assert store.tenant(PROVIDER, "a").collections.materialised() == ("list",)
    store.reset()
    import_state(runtime, document)
    back = store.tenant(PROVIDER, "a")
    assert back.collections["list"].get(ident)["name"] == "Changed"  # type: ignore[index]
    assert {n: len(c) for n, c in back.collections.items()} == dict(
        store.pristine(PROVIDER).counts)
    assert export_state(runtime)["tenants"] == document["tenants"]


def test_reset_drops_the_copies(runtime: Runtime) -> None:
    store = runtime.store
    tenant = store.tenant(PROVIDER, "a")
    ident = first_id(tenant, "list")
    tenant.collections["list"].delete(ident)
    store.reset(PROVIDER, "a")
    again = store.tenant(PROVIDER, "a")
    assert again.collections.materialised() == ()
    assert again.collections["list"].get(ident) is not None


def test_fixture_timers_copy_nothing_until_due(runtime: Runtime) -> None:
    store = runtime.store
    planned = [t for t in store.timers if t.tenant == "a"]
    assert planned == []
    tenant = store.tenant("outreach", "a")
    planned = [t for t in store.timers if t.tenant == "a"]
    assert planned and all(t.expect == 0 for t in planned)
    assert tenant.collections.materialised() == ()
    # A change to a record drops its fixture timers, as for any record a request changed.
    timer = planned[0]
    runtime.engine.hold(tenant, timer.resource, timer.ident)
    assert tenant.versions[(timer.resource, timer.ident)] == 1


def test_copying_a_collection_is_no_change_of_state(runtime: Runtime) -> None:
    store = runtime.store
    tenant = store.tenant(PROVIDER, "a")
    generation = store.generation
    assert len(tenant.collections["subscriber"]) == tenant.collections.count("subscriber")
    assert store.generation == generation
