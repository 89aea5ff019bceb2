"""State: lazy tenants, reset, snapshot and restore, deterministic fixtures, indexes."""

from __future__ import annotations

import httpx

from mailtwin import Config, MailtwinApp, create_app
from mailtwin.store import Collection

from .conftest import DATA


def test_reset_brings_back_the_fixtures(tiny: httpx.Client, tiny_app: MailtwinApp) -> None:
    tiny.delete("/notes/1")
    assert tiny_app.runtime.store.reset() == 1
    assert tiny.get("/notes/1").status_code == 200


def test_reset_of_one_tenant_keeps_the_others(tiny: httpx.Client,
                                              tiny_app: MailtwinApp) -> None:
    other = {"Authorization": "Bearer token-b"}
    tiny.delete("/notes/1")
    tiny.delete("/notes/1", headers=other)
    assert tiny_app.runtime.store.reset("tiny", "token-b") == 1
    assert tiny.get("/notes/1", headers=other).status_code == 200
    assert tiny.get("/notes/1").status_code == 404


def test_snapshot_and_restore(tiny: httpx.Client, tiny_app: MailtwinApp) -> None:
    store = tiny_app.runtime.store
    tiny.post("/notes", json={"title": "Kept"})
    saved = store.snapshot()
    tiny.post("/notes", json={"title": "Dropped"})
    store.restore(saved)
    titles = [n["title"] for n in tiny.get("/notes?per_page=100").json()["data"]]
    assert "Kept" in titles and "Dropped" not in titles


def test_same_seed_same_bytes() -> None:
    def pristine(seed: int) -> bytes:
        app = create_app(Config(specs=DATA / "tiny.yaml", fixtures=DATA / "fixtures", builtin=False,
                                seed=seed))
        return repr(app.runtime.store.pristine("tiny").fresh("note").records).encode()

    assert pristine(7) == pristine(7)
    assert pristine(7) != pristine(8)


def test_index_follows_updates_and_deletes() -> None:
    notes = Collection("id", ["state"])
    for ident, state in [(1, "a"), (2, "b"), (3, "a")]:
        notes.insert({"id": ident, "state": state})
    notes.update(1, {"state": "b"})
    notes.delete(3)
    assert list(notes.ids_where("state", ["a"])) == []
    assert list(notes.ids_where("state", ["b"])) == [1, 2]
    assert list(notes.ids_where("state", ["b"], reverse=True)) == [2, 1]
    for ident in range(10, 100):
        notes.insert({"id": ident, "state": "c"})
    assert list(notes.ids_where("state", ["b", "a"])) == [1, 2]
    assert list(notes.ids_where("state", ["c"], reverse=True))[:2] == [99, 98]


def test_snapshots_leave_rendered_caches_out(tiny: httpx.Client, tiny_app: MailtwinApp) -> None:
    tiny.get("/notes")
    store = tiny_app.runtime.store
    tenant = store.tenant("tiny", "token-a")
    assert tenant.collections["note"].fragments
    store.restore(store.snapshot())
    assert store.tenant("tiny", "token-a").collections["note"].fragments == {}


def test_templated_text_ids_count_above_the_ids_already_used() -> None:
    from mailtwin.store import Tenant

    forms = Collection("id")
    for ident in ("sf1", "sf7", "other", "sfx"):
        forms.insert({"id": ident})
    tenant = Tenant({"form": forms, "user": Collection("id")})
    assert tenant.next_text_id("form", "sf{n}", 1) == "sf8"
    forms.insert({"id": "sf9"})
    assert tenant.next_text_id("form", "sf{n}", 1) == "sf10"
    assert tenant.next_text_id("user", "{n}", 2001) == "2001"


def test_where_compares_as_text_and_reads_an_index() -> None:
    from mailtwin.store import Tenant

    contacts = Collection("id", ["list_id"])
    for ident, list_id, status in ((1, 7, "active"), (2, "7", "gone"), (3, 8, "active")):
        contacts.insert({"id": ident, "list_id": list_id, "status": status})
    tenant = Tenant({"contact": contacts})
    assert [r["id"] for r in tenant.where("contact", list_id="7")] == [1, 2]
    assert [r["id"] for r in tenant.where("contact", list_id=7, status="active")] == [1]
    assert [r["id"] for r in tenant.where("contact", status="active")] == [1, 3]
