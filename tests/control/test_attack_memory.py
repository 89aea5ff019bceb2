"""Attack: clients of a shared server make it keep more and more: huge request bodies the
journal would hold, a new tenant per request, records without end, snapshots and download
links. Each bound holds and answers in the provider's (or the control plane's) own shape."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from mailtwin import Clock, Config, MailtwinApp, create_app, credential_tenant
from mailtwin.inprocess import client
from tests.control.live import START
from tests.core.conftest import DATA as TINY

MIB = b"x" * (1024 * 1024)


def _app(**settings: Any) -> MailtwinApp:
    settings.setdefault("providers", ("emma",))
    return create_app(Config(**settings), Clock(frozen_at=START))


@pytest.fixture
def http() -> Iterator[Any]:
    clients: list[httpx.Client] = []

    def open_client(app: MailtwinApp, **options: Any) -> httpx.Client:
        made = client(app, **options)
        clients.append(made)
        return made

    yield open_client
    for made in clients:
        made.close()


def test_unauthenticated_megabytes_stay_out_of_the_journal(http: Any) -> None:
    app = _app(journal_max_bytes=2 * 1024 * 1024, journal_body_bytes=64 * 1024)
    emma = http(app)
    for _ in range(40):
        answer = emma.post("/emma/100/mailings/validate", content=MIB * 4,
                           headers={"content-type": "application/json"})
        assert answer.status_code == 401
    journal = app.runtime.journal
    assert journal.bytes <= 2 * 1024 * 1024
    assert 0 < len(journal.entries) < 40
    shown = http(app).get("/__mailtwin/journal").json()
    entry = shown["entries"][-1]
    assert entry["truncated"] is True
    assert entry["body_bytes"] == 4 * 1024 * 1024
    assert len(entry["body"]) == 64 * 1024
    assert shown["bytes"] <= shown["max_bytes"] == 2 * 1024 * 1024


def test_without_a_control_plane_no_body_is_kept(http: Any) -> None:
    app = _app(control=False)
    emma = http(app)
    for _ in range(10):
        assert emma.post("/emma/100/mailings/validate", content=MIB * 4).status_code == 401
    assert {(len(e.body), len(e.response)) for e in app.runtime.journal.entries} == {(0, 0)}
    assert app.runtime.journal.bytes < 64 * 1024


def _tenant(app: MailtwinApp, name: str, http: Any) -> httpx.Client:
    made: httpx.Client = http(app, base_url="http://mailtwin.test/emma",
                              auth=(name, "private"))
    return made


def test_a_new_tenant_evicts_the_least_recently_used_idle_one(http: Any) -> None:
    app = _app(max_tenants=3, tenant_idle_seconds=0)
    first, second, third = (_tenant(app, name, http) for name in ("t1", "t2", "t3"))
    assert first.put("/100/mailings/211", json={"status": "paused"}).json() == "a"
    assert second.put("/100/mailings/211", json={"status": "paused"}).json() == "a"
    third.get("/100/mailings/200")
    first.get("/100/mailings/200")  # t2 is now the least recently used
    _tenant(app, "t4", http).get("/100/mailings/200")
    held = sorted(name for _, name in app.runtime.store.tenants)
    kept = [credential_tenant(name, "private") for name in ("t1", "t3", "t4")]
    assert held == sorted(kept)
    assert {t.tenant for t in app.runtime.store.timers} <= set(kept)
    assert first.get("/100/mailings/211").json()["mailing_status"] == "a"
    # An evicted tenant comes back from the fixtures, as after a reset.
    assert second.get("/100/mailings/211").json()["mailing_status"] == "p"


def test_past_the_hard_cap_a_new_tenant_gets_a_503_in_the_providers_shape(http: Any) -> None:
    app = _app(max_tenants=2, tenant_idle_seconds=60)
    for name in ("t1", "t2"):
        assert _tenant(app, name, http).get("/100/mailings/200").status_code == 200
    for number in range(20):
        refused = _tenant(app, f"new-{number}", http).get("/100/mailings/200")
        assert refused.status_code == 503
        assert set(refused.json()) == {"error"}
        assert "holds 2 emma" in refused.json()["error"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert len(app.runtime.store.tenants) == 2
    assert app.runtime.journal.entries[-1].tenant is None
    assert _tenant(app, "t1", http).get("/100/mailings/200").status_code == 200


def test_refused_tenants_leave_no_rate_limit_counts(http: Any) -> None:
    app = _app(providers=("outreach",), max_tenants=2, tenant_idle_seconds=60)
    for number in range(30):
        answer = http(app).get("/outreach/api/v2/mailings",
                               headers={"Authorization": f"Bearer token-{number}"})
        assert answer.status_code == (200 if number < 2 else 503)
        assert answer.json().get("errors") or number < 2
    counts = app.runtime.store.shared_state("outreach")["rate_limit"]
    assert sorted(counts) == ["token-0", "token-1"]


def test_records_past_the_cap_are_refused_naming_the_limit(http: Any) -> None:
    app = _app(specs=TINY / "tiny.yaml", fixtures=TINY / "fixtures", builtin=False,
               providers=(), max_records=8)
    tiny = http(app, base_url="http://mailtwin.test/tiny",
                headers={"Authorization": "Bearer writer"})
    held = len(app.runtime.store.tenant("tiny", "writer").collections["note"])
    for number in range(held, 8):
        assert tiny.post("/notes", json={"title": f"n{number}"}).status_code == 201
    refused = tiny.post("/notes", json={"title": "one too many"})
    assert refused.status_code == 422
    (problem,) = refused.json()["detail"]
    assert "already holds 8 records" in problem["msg"] and "max_records" in problem["msg"]
    assert problem["type"] == "limit_reached"
    assert len(app.runtime.store.tenant("tiny", "writer").collections["note"]) == 8


def test_snapshots_are_capped_in_count_and_bytes(http: Any) -> None:
    app = _app(max_snapshots=2)
    control = http(app)
    assert control.post("/__mailtwin/snapshots", json={"name": "a"}).status_code == 201
    assert control.post("/__mailtwin/snapshots", json={"name": "b"}).status_code == 201
    refused = control.post("/__mailtwin/snapshots", json={"name": "c"})
    assert refused.status_code == 409
    assert "at most 2 snapshots" in refused.json()["error"]
    assert control.post("/__mailtwin/snapshots", json={"name": "a"}).status_code == 201
    assert sorted(app.runtime.snapshots) == ["a", "b"]
    small = _app(max_snapshot_bytes=1000)
    _tenant(small, "public", http).get("/100/mailings/200")
    refused = http(small).post("/__mailtwin/snapshots", json={"name": "big"})
    assert refused.status_code == 409
    assert "1000 bytes" in refused.json()["error"]
    assert small.runtime.snapshots == {}


def _download_link(app: MailtwinApp, especial: httpx.Client) -> str:
    export = especial.post("/reports/campaigns-exports", json={"description": "All"}).json()
    # The export is ready 5 s after it was asked for.
    app.runtime.clock.advance(timedelta(seconds=6))
    answer = especial.get(f"/reports/campaigns-exports/{export['data']['id']}/download")
    assert answer.status_code == 200, answer.text
    url: str = answer.json()["data"]["url"]
    return url.removeprefix("http://mailtwin.test")


def test_download_links_expire_and_are_capped(http: Any) -> None:
    app = _app(providers=("especial",), link_seconds=600, max_links=3)
    especial = http(app, base_url="http://mailtwin.test/especial",
                    headers={"Authorization": "Bearer demo"})
    link = _download_link(app, especial)
    assert especial.get(link.removeprefix("/especial")).status_code == 200
    app.runtime.clock.advance(timedelta(seconds=600))
    expired = especial.get(link.removeprefix("/especial"))
    assert expired.status_code == 404
    assert "detail" in expired.json()
    links = [_download_link(app, especial) for _ in range(5)]
    assert len(app.runtime.store.shared_state("especial")["files"]) == 3
    assert especial.get(links[0].removeprefix("/especial")).status_code == 404
    assert especial.get(links[-1].removeprefix("/especial")).status_code == 200
