"""The control token and allowed Host names from `serve` options and MAILTWIN_* variables; the
warning when the control plane listens beyond loopback without a token."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from mailtwin import Config
from mailtwin.cli import build_parser
from mailtwin.config import ConfigError
from mailtwin.sharing import overrides, warn_if_exposed


def test_serve_options_become_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILTWIN_CONTROL_TOKEN", raising=False)
    monkeypatch.delenv("MAILTWIN_ALLOWED_HOSTS", raising=False)
    args = build_parser().parse_args([
        "serve", "--control-token", "s3cret", "--allowed-host", "Sandbox.Internal",
        "--allowed-host", "a.test,b.test"])
    config = Config.from_env(**overrides(args))
    assert config.control_token == "s3cret"
    assert config.allowed_hosts == ("sandbox.internal", "a.test", "b.test")


def test_variables_become_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILTWIN_CONTROL_TOKEN", "from-env")
    monkeypatch.setenv("MAILTWIN_ALLOWED_HOSTS", "one.test, two.test")
    config = Config.from_env()
    assert config.control_token == "from-env"
    assert config.allowed_hosts == ("one.test", "two.test")
    monkeypatch.setenv("MAILTWIN_CONTROL_TOKEN", "")
    assert Config.from_env().control_token is None


def test_an_empty_token_is_refused() -> None:
    with pytest.raises(ConfigError, match="must not be empty"):
        Config(control_token=" ")


def test_serve_listens_on_loopback_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILTWIN_HOST", raising=False)
    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"


@pytest.mark.parametrize(("host", "config", "warned"), [
    ("0.0.0.0", Config(), True),
    ("::", Config(), True),
    ("192.0.2.10", Config(), True),
    ("0.0.0.0", Config(control_token="t"), False),
    ("0.0.0.0", Config(control=False), False),
    ("127.0.0.1", Config(), False),
    ("127.0.0.2", Config(), False),
    ("::1", Config(), False),
    ("localhost", Config(), False),
])
def test_exposure_without_a_token_is_warned(caplog: pytest.LogCaptureFixture, host: str,
                                            config: Config, warned: bool) -> None:
    with caplog.at_level(logging.WARNING, logger="mailtwin"):
        assert warn_if_exposed(config, host, 8040) is warned
    assert ("reachable from other hosts without a control token" in caplog.text) is warned


def test_serve_warns_once_it_listens(monkeypatch: pytest.MonkeyPatch,
                                     caplog: pytest.LogCaptureFixture) -> None:
    import asyncio

    import uvicorn

    from mailtwin import create_app
    from mailtwin.server import ServeOptions, _Server

    async def listened(self: uvicorn.Server, sockets: Any = None) -> None:
        # What uvicorn sets once it has bound its sockets; nothing is bound here.
        self.started, self.servers = True, []

    monkeypatch.setattr(uvicorn.Server, "startup", listened)
    app = create_app(Config(providers=("emma",)))
    options = ServeOptions(host="0.0.0.0", port=8040)
    server = _Server(uvicorn.Config(app, host=options.host, port=options.port), app, options,
                     None)
    with caplog.at_level(logging.WARNING, logger="mailtwin"):
        asyncio.run(server.startup())
    assert "/__mailtwin/ on 0.0.0.0:8040 is reachable from other hosts" in caplog.text
