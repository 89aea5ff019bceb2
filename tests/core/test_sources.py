"""Built-in providers come from the package; user folders add to them, never by accident."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pytest

from mailtwin import Config, create_app
from mailtwin.cli import main
from mailtwin.config import ConfigError
from mailtwin.inprocess import InProcessTransport
from mailtwin.sources import builtin_data

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "newsletter"
BUILTIN = {"emailicious", "emma", "especial", "outreach"}


def _client(config: Config) -> httpx.Client:
    return httpx.Client(transport=InProcessTransport(create_app(config)), base_url="http://t")


def test_the_package_carries_every_built_in_spec_and_fixture() -> None:
    data = builtin_data()
    assert {p.stem for p in (data / "specs").glob("*.yaml")} == BUILTIN
    assert {p.name for p in (data / "fixtures").iterdir()} == BUILTIN


def test_a_specs_folder_in_the_working_directory_is_not_picked_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "junk.yaml").write_text("not: a spec\n")
    monkeypatch.chdir(tmp_path)
    app = create_app(Config())
    assert set(app.runtime.providers) == BUILTIN


def test_the_readme_shows_the_example_provider_as_it_is() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"`([\w/.-]+\.yaml)`:\n\n```yaml\n(.*?)```", readme, re.S)
    shown = dict(blocks)
    assert shown["specs/newsletter.yaml"] == (EXAMPLE / "specs" / "newsletter.yaml").read_text()
    assert shown["fixtures/newsletter/10-issues.yaml"] == (
        EXAMPLE / "fixtures" / "newsletter" / "10-issues.yaml").read_text()


def test_a_custom_provider_is_served_beside_the_built_in_ones() -> None:
    config = Config(specs=EXAMPLE / "specs", fixtures=EXAMPLE / "fixtures")
    auth = {"Authorization": "Bearer demo"}
    with _client(config) as api:
        listed = api.get("/newsletter/issues", headers=auth).json()["data"]
        assert [issue["id"] for issue in listed] == [1, 2, 3, 4]
        created = api.post("/newsletter/issues", headers=auth, json={"subject": "Spring"})
        assert created.status_code == 201
        ident = created.json()["data"]["id"]
        assert created.json()["data"]["status"] == "draft"
        sent = api.post(f"/newsletter/issues/{ident}/send", headers=auth)
        assert sent.json()["data"]["status"] == "sent"
        again = api.post(f"/newsletter/issues/{ident}/send", headers=auth)
        assert again.status_code == 409
        assert again.json()["detail"][0]["msg"] == f"issue {ident} is sent"
        assert api.get("/emma/100/mailings/200", auth=("a", "b")).status_code == 200


def test_the_example_passes_check() -> None:
    assert main(["check", str(EXAMPLE / "specs"), "--fixtures", str(EXAMPLE / "fixtures")]) == 0


def test_no_builtin_serves_only_the_given_specs() -> None:
    config = Config(specs=EXAMPLE / "specs", fixtures=EXAMPLE / "fixtures", builtin=False)
    assert set(create_app(config).runtime.providers) == {"newsletter"}


def test_a_user_spec_named_like_a_built_in_one_replaces_it(tmp_path: Path) -> None:
    text = (EXAMPLE / "specs" / "newsletter.yaml").read_text()
    (tmp_path / "emma.yaml").write_text(text.replace("provider: newsletter", "provider: emma"))
    runtime = create_app(Config(specs=tmp_path)).runtime
    assert set(runtime.providers) == BUILTIN
    assert runtime.providers["emma"].mount == "/newsletter"
    assert runtime.providers["emma"].spec.source == tmp_path / "emma.yaml"


def test_the_environment_names_several_folders(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other"
    other.mkdir()
    text = (EXAMPLE / "specs" / "newsletter.yaml").read_text()
    (other / "digest.yaml").write_text(text.replace("provider: newsletter", "provider: digest")
                                       .replace("mount: /newsletter", "mount: /digest"))
    monkeypatch.setenv("MAILTWIN_SPECS", os.pathsep.join([str(EXAMPLE / "specs"), str(other)]))
    monkeypatch.setenv("MAILTWIN_FIXTURES", str(EXAMPLE / "fixtures"))
    providers = create_app(Config.from_env()).runtime.providers
    assert set(providers) == BUILTIN | {"newsletter", "digest"}


@pytest.mark.parametrize(("config", "message"), [
    (Config(providers=("mailchimp",)),
     "no provider named 'mailchimp' (available: emailicious, emma, especial, outreach)"),
    (Config(specs=Path("/nonexistent")), "spec folder /nonexistent does not exist"),
    (Config(fixtures=Path("/nonexistent")), "fixture folder /nonexistent does not exist"),
    (Config(builtin=False), "nothing to serve: without the built-in providers, give --specs DIR"),
])
def test_unusable_sources_are_refused(config: Config, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        create_app(config)
    assert str(refused.value) == message


def test_an_empty_spec_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="holds no spec"):
        create_app(Config(specs=tmp_path))


@pytest.mark.parametrize("argv", [
    ["serve", "--provider", "mailchimp"],
    ["routes", "--specs", "/nonexistent"],
    ["openapi", "--no-builtin"],
    ["check", "/nonexistent"],
])
def test_the_cli_refuses_with_one_line_and_status_2(
        argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1


def test_a_refusal_message_may_name_only_known_placeholders(tmp_path: Path) -> None:
    text = (EXAMPLE / "specs" / "newsletter.yaml").read_text()
    (tmp_path / "bad.yaml").write_text(text.replace("is {status}", "is {colour}"))
    assert main(["check", str(tmp_path / "bad.yaml")]) == 2
