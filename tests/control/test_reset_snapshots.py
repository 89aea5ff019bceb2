"""Health, reset (everything, a provider, a tenant, another seed) and named snapshots."""

from __future__ import annotations

import httpx
import pytest

from mailtwin import Sandbox, SandboxError


def _pause(api: httpx.Client, ident: int = 211) -> None:
    response = api.put(f"/100/mailings/{ident}", json={"status": "paused"})
    assert response.status_code == 200, response.text


def _status(api: httpx.Client, ident: int = 211) -> str:
    response = api.get(f"/100/mailings/{ident}")
    assert response.status_code == 200
    status: str = response.json()["mailing_status"]
    return status


def test_health_names_providers_and_mounts(control: httpx.Client) -> None:
    response = control.get("/__mailtwin/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["providers"] == ["emma"]
    assert response.json()["mounts"] == {"emma": "/emma"}


def test_reset_everything_brings_back_fixtures_and_clears_journal_and_faults(
        sb: Sandbox, api: httpx.Client) -> None:
    _pause(api)
    sb.fault("error", provider="emma", path="/emma/*/calendar", status=503)
    answer = sb.reset()
    assert answer["reset"] == 1
    assert sb.journal() == []
    assert sb.faults() == []
    assert _status(api) == "p"


def test_reset_of_one_tenant_leaves_the_others(sb: Sandbox, api: httpx.Client) -> None:
    with sb.client("emma", auth=("other", "secret")) as other:
        _pause(api)
        _pause(other)
        assert sb.reset("emma", "public")["reset"] == 1
        assert _status(api) == "p"
        assert _status(other) == "a"
    assert len(sb.journal()) == 4


def test_reset_of_one_provider(sb: Sandbox, api: httpx.Client) -> None:
    _pause(api)
    assert sb.reset("emma")["reset"] == 1
    assert _status(api) == "p"


def test_reset_refuses_an_unknown_provider_and_changes_nothing(
        sb: Sandbox, api: httpx.Client, control: httpx.Client) -> None:
    _pause(api)
    response = control.post("/__mailtwin/reset", json={"provider": "nope"})
    assert response.status_code == 400
    assert response.json() == {"error": "provider: no provider named 'nope'", "problems": [
        {"loc": ["body", "provider"], "msg": "no provider named 'nope'", "type": "value_error"}]}
    assert _status(api) == "a"


def test_reset_refuses_a_seed_for_one_tenant(control: httpx.Client) -> None:
    response = control.post("/__mailtwin/reset", json={"tenant": "public", "seed": 3})
    assert response.status_code == 400
    assert response.json()["problems"][0]["loc"] == ["body", "seed"]


def test_another_seed_rebuilds_generated_fixtures_and_plain_reset_returns(
        sb: Sandbox, api: httpx.Client) -> None:
    def generated() -> list[object]:
        rows = api.get("/100/mailings", params={"end": 500}).json()
        return [(r["mailing_id"], r["name"]) for r in rows]

    first = generated()
    assert sb.reset(seed=7)["seed"] == 7
    assert generated() != first
    assert sb.reset()["seed"] == 0
    assert generated() == first


def test_snapshot_take_list_restore_delete(sb: Sandbox, api: httpx.Client) -> None:
    _pause(api)
    taken = sb.snapshot("paused")
    assert taken["name"] == "paused"
    assert taken["tenants"] == 1
    api.put("/100/mailings/211", json={"status": "canceled"})
    assert _status(api) == "x"
    assert sb.snapshots() == ["paused"]
    sb.restore("paused")
    assert _status(api) == "a"
    sb.reset(snapshot="paused")
    assert _status(api) == "a"
    sb.delete_snapshot("paused")
    assert sb.snapshots() == []


def test_snapshot_restores_the_clock(sb: Sandbox) -> None:
    sb.snapshot("nine")
    sb.clock.advance(hours=5)
    sb.restore("nine")
    assert sb.clock.describe()["now"] == "2018-09-16T12:00:00.000000Z"


def test_unknown_snapshot_is_404(control: httpx.Client) -> None:
    response = control.post("/__mailtwin/snapshots/missing/restore")
    assert response.status_code == 404
    assert response.json()["error"] == "name: no snapshot named 'missing'"
    assert control.delete("/__mailtwin/snapshots/missing").status_code == 404
    refused = control.post("/__mailtwin/reset", json={"snapshot": "missing"})
    assert refused.status_code == 404


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "a b"}, {"name": 3}])
def test_snapshot_needs_a_simple_name(control: httpx.Client, body: dict[str, object]) -> None:
    response = control.post("/__mailtwin/snapshots", json=body)
    assert response.status_code == 400
    assert response.json()["problems"][0]["loc"][0] == "body"


def test_sandbox_error_carries_status_and_body(sb: Sandbox) -> None:
    with pytest.raises(SandboxError) as raised:
        sb.restore("missing")
    assert raised.value.status == 404
    assert raised.value.body["problems"][0]["loc"] == ["path", "name"]


def test_tenants_lists_what_each_holds(sb: Sandbox, api: httpx.Client) -> None:
    assert sb.tenants() == []
    api.post("/100/mailings/200", json={"recipient_emails": ["new@example.com"]})
    rows = sb.tenants("emma")
    assert [(r["provider"], r["tenant"]) for r in rows] == [("emma", "public")]
    fresh = sb.tenants()[0]["collections"]
    sb.reset()
    api.get("/100/mailings/200")
    assert sb.tenants()[0]["collections"]["mailing"] == fresh["mailing"] - 1
