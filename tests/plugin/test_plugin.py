"""The pytest plugin, run on sample suites: fixtures, marker, helpers, xdist, external server."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailtwin import Config, create_app, credential_tenant
from mailtwin.server import ServerThread

ROOT = Path(__file__).resolve().parents[2]

CONFTEST = '''
from pathlib import Path

import pytest
from mailtwin import Config, Sandbox

@pytest.fixture(scope="session")
def mailtwin_config():
    return Config(providers=("emma",))

@pytest.fixture(scope="session", autouse=True)
def paused_snapshot(mailtwin_server_sandbox: Sandbox):
    sandbox = mailtwin_server_sandbox
    sandbox.reset(clock="2018-09-16T12:00:00Z")
    with sandbox.client("emma", auth=("public", "private")) as emma:
        emma.put("/100/mailings/211", json={"status": "paused"})
    sandbox.snapshot("paused")
'''

SUITE = '''
import httpx
import pytest

AUTH = ("public", "private")


def status(sandbox, ident=211):
    with sandbox.client("emma", auth=AUTH) as emma:
        return emma.get(f"/100/mailings/{ident}").json()["mailing_status"]


@pytest.mark.parametrize("round", range(4))
@pytest.mark.mailtwin(clock="2018-09-16T12:00:00Z")
def test_each_test_starts_fresh(mailtwin, round):
    assert mailtwin.journal() == []
    assert mailtwin.faults() == []
    assert mailtwin.clock.describe()["frozen"] is True
    assert status(mailtwin) == "p"
    with mailtwin.client("emma", auth=AUTH) as emma:
        emma.put("/100/mailings/211", json={"status": "canceled"})
    mailtwin.fault("error", status=500)


def test_default_clock_is_frozen_now(mailtwin):
    clock = mailtwin.clock.describe()
    assert clock["frozen"] is True
    assert abs(clock["offset_seconds"]) < 60


@pytest.mark.mailtwin(clock="2018-09-16T12:00:00Z")
def test_schedule_then_advance(mailtwin):
    with mailtwin.client("emma", auth=AUTH) as emma:
        new = emma.post("/100/mailings/200", json={"recipient_emails": ["a@example.com"]})
    ident = new.json()["mailing_id"]
    mailtwin.clock.advance(hours=2)
    assert status(mailtwin, ident) == "c"
    mailtwin.assert_requested("POST", "/emma/100/mailings/200", times=1,
                              json={"recipient_emails": ["a@example.com"]})
    mailtwin.assert_not_requested("DELETE", "/emma/*")


@pytest.mark.mailtwin(snapshot="paused", providers=["emma"])
def test_marker_snapshot(mailtwin):
    assert status(mailtwin) == "a"
    assert mailtwin.url_for("emma").endswith("/emma")


@pytest.mark.mailtwin(seed=5, clock="2018-09-16T12:00:00Z")
def test_marker_seed(mailtwin):
    assert mailtwin.health()["seed"] == 5


def test_seed_is_back_to_the_server_seed(mailtwin):
    assert mailtwin.health()["seed"] == 0


@pytest.mark.mailtwin(clock="2018-09-16T12:00:00Z")
def test_in_process_sandbox_and_client(mailtwin_inprocess, mailtwin_client):
    response = mailtwin_client.put("/emma/100/mailings/211", json={"status": "paused"},
                                   auth=AUTH)
    assert response.json() == "a"
    mailtwin_inprocess.assert_requested("PUT", "/emma/100/mailings/211", times=1)


def test_faults_and_journal(mailtwin):
    mailtwin.fault("drop", provider="emma", count=1)
    with mailtwin.client("emma", auth=AUTH) as emma:
        with pytest.raises(httpx.RemoteProtocolError):
            emma.get("/100/mailings/200")
        assert emma.get("/100/mailings/200").status_code == 200
    assert [e["status"] for e in mailtwin.journal()] == [0, 200]
'''

FAILING = '''
import pytest

@pytest.mark.mailtwin(clock="2018-09-16T12:00:00Z")
def test_wrong_body(mailtwin):
    with mailtwin.client("emma", auth=("public", "private")) as emma:
        emma.put("/100/mailings/211", json={"status": "paused"})
    mailtwin.assert_requested("PUT", "/emma/100/mailings/211", json={"status": "canceled"})


@pytest.mark.mailtwin(providers=["nothing"])
def test_unknown_provider(mailtwin):
    pass
'''


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_sample=SUITE)
    return pytester


def test_sample_suite_passes(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--strict-markers", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=11)


def test_sample_suite_passes_under_xdist(suite: pytest.Pytester) -> None:
    result = suite.runpytest_subprocess("--strict-markers", "-p", "xdist", "-n", "2",
                                        "-p", "no:cacheprovider")
    result.assert_outcomes(passed=11)


def test_a_failing_assertion_shows_what_was_received(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_failing=FAILING)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines(["*mailtwin sandbox: 404: no provider named 'nothing' "
                                 "(serving: emma)*"])
    result.stdout.fnmatch_lines([
        "*expected PUT /emma/100/mailings/211 with json {\"status\": \"canceled\"} at least "
        "once, found 0.",
        "*The sandbox received 1 request(s):",
        "*PUT /emma/100/mailings/211 -> 200",
        "*json body (- expected, + received):",
        "*-   \"status\": \"canceled\"",
        "*+   \"status\": \"paused\"",
    ])


def test_an_external_server_is_used_with_mailtwin_url(pytester: pytest.Pytester) -> None:
    app = create_app(Config(
                            providers=("emma",)))
    server = ServerThread(app).start()
    try:
        pytester.makepyfile(test_external='''
def test_external(mailtwin):
    with mailtwin.client("emma", auth=("visitor", "key")) as emma:
        assert emma.get("/100/mailings/200").status_code == 200
''')
        result = pytester.runpytest("--mailtwin-url", server.url, "-p", "no:cacheprovider")
        result.assert_outcomes(passed=1)
    finally:
        server.stop()
    assert [e.tenant for e in app.runtime.journal.entries] == [credential_tenant("visitor", "key")]


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.mailtwin(seed=None, providers=None, *"])


def test_a_folder_config_unlike_the_session_one_is_said_not_ignored(
        pytester: pytest.Pytester) -> None:
    """pytest builds a session fixture once, from the first `mailtwin_config` it meets; a
    test whose nearer conftest.py gives another one fails saying so, whichever runs first,
    instead of running on a sandbox its config does not describe."""
    served = '''
def test_served(mailtwin):
    assert sorted(mailtwin.health()["mounts"]) == {expected!r}

def test_inprocess(mailtwin_inprocess):
    assert sorted(mailtwin_inprocess.health()["mounts"]) == {expected!r}
'''
    pytester.makepyfile(**{"a_all/test_all": served.format(
        expected=sorted(("emailicious", "emma", "especial", "outreach")))})
    pytester.makepyfile(**{"b_emma/test_emma": served.format(expected=["emma"])})
    (pytester.path / "b_emma" / "conftest.py").write_text('''
import pytest
from mailtwin import Config

@pytest.fixture(scope="session")
def mailtwin_config():
    return Config(providers=("emma",))
''')
    for order in (["a_all", "b_emma"], ["b_emma", "a_all"]):
        result = pytester.runpytest(*order, "-p", "no:cacheprovider", "-p", "no:randomly")
        result.assert_outcomes(passed=2, errors=2)
        result.stdout.fnmatch_lines(["*mailtwin: this test's `mailtwin_config` (from a "
                                     "conftest.py nearer to it) is not the one the session's "
                                     "sandbox was built from*"])
    assert pytester.runpytest("b_emma", "-p", "no:cacheprovider").ret == 0
