"""Through the server: a request copies into its tenant only the collections it reads, and
the control plane counts a tenant's records and takes snapshots without copying any."""

from __future__ import annotations

from mailtwin import MailtwinApp, Sandbox
from mailtwin.inprocess import client
from mailtwin.store import Tenant

BASE = "http://mailtwin.test/emailicious/api/v1"


def only_tenant(app: MailtwinApp) -> Tenant:
    store = app.runtime.store
    (key,) = [key for key in store.tenants if key[0] == "emailicious"]
    return store.tenants[key]


def test_a_read_copies_only_what_it_read(sandbox: MailtwinApp,
                                         reset_sandbox: Sandbox) -> None:
    with client(sandbox, base_url=BASE, auth=("account", "secret")) as http:
        assert http.get("/mailings").status_code == 200
    copied = only_tenant(sandbox).collections.materialised()
    assert "mailing" in copied and "subscriber" not in copied

    (row,) = reset_sandbox.tenants("emailicious", secrets=True)
    assert row["collections"] == sandbox.runtime.store.pristine("emailicious").counts
    assert only_tenant(sandbox).collections.materialised() == copied


def test_a_snapshot_restores_a_partly_copied_tenant(sandbox: MailtwinApp,
                                                    reset_sandbox: Sandbox) -> None:
    with client(sandbox, base_url=BASE, auth=("account", "secret")) as http:
        before = http.get("/mailings").json()
        copied = only_tenant(sandbox).collections.materialised()
        reset_sandbox.snapshot("read")
        reset_sandbox.reset()
        reset_sandbox.restore("read")
        assert only_tenant(sandbox).collections.materialised() == copied
        assert http.get("/mailings").json() == before


def test_the_state_document_holds_every_collection_and_copies_none(
        sandbox: MailtwinApp, reset_sandbox: Sandbox) -> None:
    with client(sandbox, base_url=BASE, auth=("account", "secret")) as http:
        assert http.get("/mailings").status_code == 200
    copied = only_tenant(sandbox).collections.materialised()
    document = reset_sandbox.export_state(secrets=True)
    (held,) = [t for t in document["tenants"] if t["provider"] == "emailicious"]
    assert {name: len(c["records"]) for name, c in held["collections"].items()} == (
        sandbox.runtime.store.pristine("emailicious").counts)
    assert only_tenant(sandbox).collections.materialised() == copied
