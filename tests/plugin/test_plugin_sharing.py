"""The plugin on a shared server: the control token, the journal limit each test starts with,
and pytest-xdist workers, which must not share one server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mailtwin import Config, MailtwinApp, create_app
from mailtwin.server import ServerThread

TOKEN = "plugin-token-41b7"

USES_THE_SERVER = '''
def test_reset_and_read(mailtwin):
    with mailtwin.client("emma", auth=("visitor", "key")) as emma:
        assert emma.get("/100/mailings/200").status_code == 200
    assert len(mailtwin.journal()) == 1
'''

JOURNAL_LIMIT = '''
import pytest

@pytest.mark.parametrize("fixture", ["mailtwin", "mailtwin_inprocess"])
def test_a_changes_the_limit(request, fixture):
    sandbox = request.getfixturevalue(fixture)
    sandbox.journal_limit(1)
    assert sandbox.call("GET", "/journal")["limit"] == 1

@pytest.mark.parametrize("fixture", ["mailtwin", "mailtwin_inprocess"])
def test_b_starts_with_the_configured_limit(request, fixture):
    sandbox = request.getfixturevalue(fixture)
    assert sandbox.call("GET", "/journal")["limit"] == 10_000
'''

CONFTEST = '''
import pytest
from mailtwin import Config

@pytest.fixture(scope="session")
def mailtwin_config():
    return Config(providers=("emma",))
'''


@pytest.fixture(scope="module")
def token_server() -> Iterator[tuple[MailtwinApp, str]]:
    app = create_app(Config(providers=("emma",), control_token=TOKEN))
    server = ServerThread(app).start()
    try:
        yield app, server.url
    finally:
        server.stop()


def test_mailtwin_token_opens_a_protected_server(pytester: pytest.Pytester,
                                                 token_server: tuple[MailtwinApp, str]) -> None:
    pytester.makepyfile(test_shared=USES_THE_SERVER)
    result = pytester.runpytest("--mailtwin-url", token_server[1], "--mailtwin-token", TOKEN,
                                "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_token_may_come_from_the_environment(pytester: pytest.Pytester,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 token_server: tuple[MailtwinApp, str]) -> None:
    pytester.makepyfile(test_shared=USES_THE_SERVER)
    monkeypatch.setenv("MAILTWIN_CONTROL_TOKEN", TOKEN)
    result = pytester.runpytest("--mailtwin-url", token_server[1], "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_without_the_token_every_test_fails_at_setup(pytester: pytest.Pytester,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    token_server: tuple[MailtwinApp, str]
                                                    ) -> None:
    monkeypatch.delenv("MAILTWIN_CONTROL_TOKEN", raising=False)
    pytester.makepyfile(test_shared=USES_THE_SERVER)
    result = pytester.runpytest("--mailtwin-url", token_server[1], "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*mailtwin sandbox: 401: *control token*"])


def test_each_test_starts_with_the_configured_journal_limit(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_limit=JOURNAL_LIMIT)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_an_external_server_refuses_xdist_workers_at_start(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_shared=USES_THE_SERVER)
    result = pytester.runpytest_subprocess("-p", "xdist", "-n", "2", "--mailtwin-url",
                                           "http://127.0.0.1:9", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--mailtwin-url (MAILTWIN_URL) cannot serve pytest-xdist "
                                 "workers*every test's reset would wipe the state*"])


def test_xdist_without_an_external_server_still_runs(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_shared=USES_THE_SERVER)
    result = pytester.runpytest_subprocess("-p", "xdist", "-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
