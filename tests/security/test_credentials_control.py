"""The credentials a provider knows, through the control plane: listed redacted, added and
removed, refused in its error shape, part of reset, snapshots and state documents; and the
mode from Config, `serve --auth` and MAILTWIN_AUTH."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailtwin import Config, Sandbox, SandboxError, create_app, redacted
from mailtwin.check import check
from mailtwin.cli import build_parser
from mailtwin.config import ConfigError
from mailtwin.inprocess import client
from mailtwin.sharing import overrides
from tests.security.conftest import Connect

DEMO = [{"provider": "emma", "user": "public", "password": redacted("private"),
         "tenant": "public", "declared": True},
        {"provider": "emma", "user": "public-key", "password": redacted("private-key"),
         "tenant": "public-key", "declared": True}]


def test_the_list_shows_the_fixtures_credentials_redacted_and_each_mode(
        control: Sandbox) -> None:
    assert control.credentials("emma") == DEMO
    answer = control.call("GET", "/credentials")
    assert answer["modes"] == {"emailicious": "open", "emma": "open", "especial": "open",
                               "outreach": "open"}
    assert "private" not in str(answer)
    assert control.credentials("emma", secrets=True)[0]["password"] == "private"


def test_added_credentials_replace_and_join_the_fixtures_until_a_reset(
        control: Sandbox, open_api: Connect) -> None:
    added = control.add_credentials("emma", "public", "rotated", tenant="public")
    assert added == {"provider": "emma", "user": "public", "password": redacted("rotated"),
                     "tenant": "public", "declared": True}
    with open_api("/emma", auth=("public", "private")) as old:
        assert old.get("/100/mailings/200").status_code == 401
    control.reset()
    with open_api("/emma", auth=("public", "private")) as old:
        assert old.get("/100/mailings/200").status_code == 200
    assert control.credentials("emma") == DEMO


def test_credentials_travel_with_snapshots_and_state_documents(control: Sandbox,
                                                                open_api: Connect) -> None:
    control.add_credentials("emma", "snap-pub", "snap-private", tenant="snap")
    control.snapshot("with-snap")
    state = control.export_state(secrets=True)
    assert state["shared"]["emma"]["credentials"]["users"]["snap-pub"] == {
        "password": "snap-private", "tenant": "snap", "declared": True}
    control.reset()
    with open_api("/emma", auth=("snap-pub", "snap-private")) as snap:
        assert snap.get("/100/mailings/200").status_code == 200
        assert "snap" not in {row["tenant"] for row in control.tenants("emma")}
        control.restore("with-snap")
        assert snap.get("/100/mailings/200").status_code == 200
        control.reset()
        control.import_state(state)
        assert snap.get("/100/mailings/200").status_code == 200
    assert "snap" in {row["tenant"] for row in control.tenants("emma")}
    control.delete_snapshot("with-snap")


def test_a_malformed_credential_in_a_state_document_is_refused_whole(control: Sandbox) -> None:
    state = control.export_state(secrets=True)
    state["shared"]["emma"] = {"credentials": {"users": {"x": {"password": 7}}}}
    with pytest.raises(SandboxError) as raised:
        control.import_state(state)
    assert raised.value.status == 400
    assert raised.value.body["problems"][0]["loc"][:4] == ["body", "shared", "emma",
                                                          "credentials"]


@pytest.mark.parametrize(("body", "status", "where"), [
    ({"provider": "nobody", "user": "u", "password": "p"}, 404, ["body", "provider"]),
    ({"provider": "emma", "user": "u"}, 400, ["body", "password"]),
    ({"provider": "emma", "token": "t", "password": "p"}, 400, ["body", "password"]),
    ({"provider": "emma", "user": "u", "token": "t", "password": "p"}, 400, ["body", "user"]),
    ({"provider": "emma"}, 400, ["body", "user"]),
    ({"provider": "emma", "user": "", "password": "p"}, 400, ["body", "user"]),
])
def test_a_credential_the_control_plane_cannot_use_is_refused(
        control: Sandbox, body: dict[str, str], status: int, where: list[str]) -> None:
    answer = control.http.post("/__mailtwin/credentials", json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["problems"][0]["loc"] == where
    assert control.credentials("emma") == DEMO


def test_removing_is_refused_for_the_fixtures_and_unknown_ones(control: Sandbox) -> None:
    http = control.http
    declared = http.delete("/__mailtwin/credentials",
                           params={"provider": "emma", "user": "public"})
    assert declared.status_code == 409
    unknown = http.delete("/__mailtwin/credentials",
                          params={"provider": "emma", "user": "nobody"})
    assert unknown.status_code == 404
    neither = http.delete("/__mailtwin/credentials", params={"provider": "emma"})
    assert neither.status_code == 400
    control.add_credentials("emma", token="a-token")
    assert http.delete("/__mailtwin/credentials", params={
        "provider": "emma", "token": "a-token"}).json() == {"deleted": redacted("a-token")}


def test_modes_by_provider_from_config_options_and_variables(
        monkeypatch: pytest.MonkeyPatch) -> None:
    config = Config(auth="strict,emma=open")
    assert [config.auth_mode(p) for p in ("emma", "especial")] == ["open", "strict"]
    assert Config(auth={"especial": "strict"}).auth_mode("outreach") == "open"
    monkeypatch.delenv("MAILTWIN_AUTH", raising=False)
    args = build_parser().parse_args(["serve", "--auth", "strict", "--auth", "emma=open"])
    assert Config.from_env(**overrides(args)).auth_pairs == (("*", "strict"), ("emma", "open"))
    monkeypatch.setenv("MAILTWIN_AUTH", "especial=strict")
    assert Config.from_env().auth_mode("especial") == "strict"
    with pytest.raises(ConfigError, match="must be open or strict"):
        Config(auth="lenient")
    with pytest.raises(ConfigError, match="not served: nobody"):
        create_app(Config(auth="nobody=strict"))
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--auth", "emma=lenient"])


def test_check_reports_a_malformed_credentials_file(tmp_path: Path) -> None:
    fixtures = tmp_path / "emma"
    fixtures.mkdir()
    (fixtures / "credentials.yaml").write_text(
        "credentials:\n  - {user: public}\n", encoding="utf-8")
    problems = check(Config(fixtures=(tmp_path,), providers=("emma",)))
    assert len(problems) == 1
    assert "credentials.yaml:2: /credentials/0: a user needs a password" in problems[0]


def test_a_declared_token_in_a_fixture_file_acts_as_its_tenant(tmp_path: Path) -> None:
    fixtures = tmp_path / "outreach"
    fixtures.mkdir()
    (fixtures / "credentials.yaml").write_text(
        "credentials:\n  - {token: fixture-token, tenant: team-a}\n", encoding="utf-8")
    app = create_app(Config(fixtures=(tmp_path,), providers=("outreach",), auth="strict"))
    with client(app, base_url="http://mailtwin.test/outreach/api/v2") as http:
        ok = http.get("/stages", headers={"Authorization": "Bearer fixture-token"})
        assert ok.status_code == 200
        assert http.get("/stages", headers={"Authorization": "Bearer other"}).status_code \
            == 401
    assert list(app.runtime.store.tenants) == [("outreach", "team-a")]
