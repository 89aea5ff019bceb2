"""The pytest plugin: a sandbox server per session (per xdist worker), a fresh sandbox per test.

Fixtures: `mailtwin` (a Sandbox served over a socket), `mailtwin_inprocess` (the same API with
no socket), `mailtwin_client` (an httpx client bound to the app in-process),
`mailtwin_webhook_receiver` (an HTTP receiver on 127.0.0.1 for webhook deliveries, emptied
for each test), and the overridable session fixtures `mailtwin_config`, `mailtwin_app` and
`mailtwin_url`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx
import pytest

from mailtwin.app import MailtwinApp, create_app
from mailtwin.config import Config
from mailtwin.sandbox import Sandbox, SandboxError
from mailtwin.webhooks.receiver import WebhookReceiver

if TYPE_CHECKING:
    from mailtwin.server import ServerThread

MARKER = "mailtwin"
# The server the plugin started for the session (none with --mailtwin-url).
SERVER: pytest.StashKey[ServerThread] = pytest.StashKey()
# The config each app the plugin's own `mailtwin_app` built came from, by the app's id (an
# app from a project's own `mailtwin_app` fixture is taken as it is).
BUILT_FROM: pytest.StashKey[dict[int, Config]] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mailtwin", "mailtwin sandbox")
    group.addoption("--mailtwin-url", default=None, metavar="URL",
                    help="use the mailtwin server at URL instead of starting one "
                         "(or MAILTWIN_URL)")
    group.addoption("--mailtwin-token", default=None, metavar="TOKEN",
                    help="the control token of the --mailtwin-url server "
                         "(or MAILTWIN_CONTROL_TOKEN)")


def _external_url(config: pytest.Config) -> str | None:
    url = config.getoption("mailtwin_url", None) or os.environ.get("MAILTWIN_URL")
    return str(url).rstrip("/") if url else None


def pytest_configure(config: pytest.Config) -> None:
    workers = getattr(config.option, "numprocesses", None)
    if _external_url(config) and (workers or hasattr(config, "workerinput")):
        raise pytest.UsageError(
            "mailtwin: --mailtwin-url (MAILTWIN_URL) cannot serve pytest-xdist workers: they "
            "would share the server's one clock, journal and fault rules, and every test's "
            "reset would wipe the state of the tests running in the other workers. Run "
            "without -n, or drop --mailtwin-url so that each worker starts its own server.")
    config.addinivalue_line(
        "markers",
        "mailtwin(seed=None, providers=None, snapshot=None, clock=None): configure the "
        "mailtwin sandbox of this test")


@pytest.fixture(scope="session")
def mailtwin_config() -> Config:
    """How the session's sandbox is built (override it in a conftest.py)."""
    return Config.from_env()


@pytest.fixture(scope="session")
def mailtwin_app(request: pytest.FixtureRequest, mailtwin_config: Config) -> MailtwinApp:
    """The session's sandbox app, with every provider's fixtures built once."""
    app = create_app(mailtwin_config)
    request.config.stash.setdefault(BUILT_FROM, {})[id(app)] = mailtwin_config
    return app


@pytest.fixture(scope="session")
def mailtwin_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The sandbox server: `--mailtwin-url` / MAILTWIN_URL, else one started on 127.0.0.1."""
    external = _external_url(request.config)
    if external:
        yield external
        return
    from mailtwin.server import ServerThread

    app: MailtwinApp = request.getfixturevalue("mailtwin_app")
    server = ServerThread(app).start()
    request.config.stash[SERVER] = server
    try:
        yield server.url
    finally:
        del request.config.stash[SERVER]
        server.stop()


@pytest.fixture(scope="session")
def mailtwin_token(request: pytest.FixtureRequest) -> str | None:
    """The control token: `--mailtwin-token` / MAILTWIN_CONTROL_TOKEN for a --mailtwin-url
    server, the app's own for the server the plugin starts."""
    if _external_url(request.config):
        token = request.config.getoption("mailtwin_token") or os.environ.get(
            "MAILTWIN_CONTROL_TOKEN")
        return str(token) if token else None
    app: MailtwinApp = request.getfixturevalue("mailtwin_app")
    return app.runtime.config.control_token


@pytest.fixture(scope="session")
def mailtwin_server_sandbox(request: pytest.FixtureRequest, mailtwin_url: str,
                            mailtwin_token: str | None) -> Iterator[Sandbox]:
    """One control-plane client per session. For the server the plugin started, its calls
    run on that server's event loop without a socket, which makes the per-test reset cheap;
    any other server is reached over its connection, kept alive between tests."""
    from mailtwin.inprocess import LoopTransport

    server = request.config.stash.get(SERVER, None)
    transport = None
    if server is not None and server.url == mailtwin_url and server.loop is not None:
        transport = LoopTransport(server.app, server.loop)
    with Sandbox(mailtwin_url, token=mailtwin_token, transport=transport) as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def mailtwin_local_sandbox(mailtwin_app: MailtwinApp) -> Iterator[Sandbox]:
    with Sandbox(app=mailtwin_app) as sandbox:
        yield sandbox


def reset(sandbox: Sandbox, *, seed: int | None = None, snapshot: str | None = None,
          clock: datetime | None = None) -> Sandbox:
    """What every test starts from, in one control-plane call: the fixtures (of a seed, or a
    snapshot), the clock frozen at `clock` (now by default), an empty journal, no faults."""
    sandbox.reset(seed=seed, snapshot=snapshot, clock=clock or datetime.now(UTC), frozen=True,
                  journal=True, faults=True)
    return sandbox


def prepare(sandbox: Sandbox, request: pytest.FixtureRequest) -> Sandbox:
    """Reset for one test (see reset), as the test's `mailtwin` marker asks."""
    marker = request.node.get_closest_marker(MARKER)
    options = dict(marker.kwargs) if marker is not None else {}
    unknown = set(options) - {"seed", "providers", "snapshot", "clock"}
    if unknown or (marker is not None and marker.args):
        pytest.fail(f"@pytest.mark.mailtwin takes seed, providers, snapshot and clock "
                    f"keywords only (got {sorted(unknown) or list(marker.args if marker else [])})",
                    pytrace=False)
    problem = None
    try:
        for provider in options.get("providers") or ():
            sandbox.url_for(provider)
        reset(sandbox, seed=options.get("seed"), snapshot=options.get("snapshot"),
              clock=options.get("clock"))
    except SandboxError as error:
        problem = str(error)
    if problem is not None:
        pytest.fail(f"mailtwin sandbox: {problem}", pytrace=False)
    return sandbox


def checked(request: pytest.FixtureRequest, sandbox: Sandbox, app: MailtwinApp | None,
            config: Config) -> Sandbox:
    """The session's sandbox, once it is sure to be the one this test's `mailtwin_config`
    describes: pytest builds a session fixture once, from the first config it meets, so a
    conftest.py nearer some tests that gives another one would otherwise go unheard."""
    built_from = request.config.stash.get(BUILT_FROM, {}).get(id(app))
    if built_from is not None and built_from != config:
        pytest.fail("mailtwin: this test's `mailtwin_config` (from a conftest.py nearer to it) "
                    "is not the one the session's sandbox was built from, and pytest builds "
                    "session fixtures once. Give `mailtwin_config` in one conftest.py for the "
                    "whole session, and choose per test with @pytest.mark.mailtwin(seed=..., "
                    "snapshot=..., clock=...).", pytrace=False)
    return sandbox


@pytest.fixture
def mailtwin(request: pytest.FixtureRequest, mailtwin_server_sandbox: Sandbox,
             mailtwin_url: str, mailtwin_config: Config) -> Sandbox:
    """A fresh sandbox on the session's server (see the `mailtwin` marker)."""
    server = request.config.stash.get(SERVER, None)
    app = server.app if server is not None and server.url == mailtwin_url else None
    return prepare(checked(request, mailtwin_server_sandbox, app, mailtwin_config), request)


@pytest.fixture
def mailtwin_inprocess(request: pytest.FixtureRequest, mailtwin_local_sandbox: Sandbox,
                       mailtwin_config: Config) -> Sandbox:
    """A fresh sandbox served in this process, no socket."""
    return prepare(checked(request, mailtwin_local_sandbox, mailtwin_local_sandbox.app,
                           mailtwin_config), request)


@pytest.fixture
def mailtwin_client(mailtwin_inprocess: Sandbox) -> Iterator[httpx.Client]:
    """An httpx client bound to the fresh in-process sandbox (base URL http://mailtwin.test)."""
    with mailtwin_inprocess.client() as client:
        yield client


@pytest.fixture(scope="session")
def mailtwin_webhook_receiver_session() -> Iterator[WebhookReceiver]:
    """The session's webhook receiver: one thread listening on 127.0.0.1."""
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def mailtwin_webhook_receiver(mailtwin_webhook_receiver_session: WebhookReceiver
                              ) -> WebhookReceiver:
    """A webhook receiver with nothing received, no keys and no planned failures: register
    its `url` as a webhook's URL, add the webhook's signing key to `keys`, flush, and read
    `deliveries` (each with `headers`, `body`, `json`, `status` and `verified`);
    `fail_next(n, status)` and `stall_next(n, seconds)` exercise retries."""
    mailtwin_webhook_receiver_session.clear()
    return mailtwin_webhook_receiver_session
