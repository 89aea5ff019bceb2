"""Repeated GETs replayed from kept answers, and everything that makes a kept answer stale."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from mailtwin import Config, MailtwinApp, create_app, credential_tenant
from mailtwin.replay import Replay, Replays
from mailtwin.sandbox import Sandbox

EMMA = {"Authorization": "Basic " + base64.b64encode(b"pub:priv").decode()}
MAILING = "/emma/100/mailings/200"
PENDING = "/emma/100/mailings/337"
OUTREACH = {"Authorization": "Bearer replay-token"}


@pytest.fixture
def app() -> MailtwinApp:
    return create_app(Config(seed=0))


@pytest.fixture
def sandbox(app: MailtwinApp) -> Iterator[Sandbox]:
    with Sandbox(app=app) as sandbox:
        yield sandbox


def call(app: MailtwinApp, method: str, path: str, headers: dict[str, str],
         json: object = None) -> httpx.Response:
    """One request through the ASGI app, as a server hands it over."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mailtwin.test") as c:
            return await c.request(method, path, headers=headers, json=json)

    return asyncio.run(send())


def test_a_repeated_get_is_replayed_byte_for_byte_and_journalled(app: MailtwinApp,
                                                                sandbox: Sandbox) -> None:
    first = call(app, "GET", MAILING, EMMA)
    assert first.status_code == 200
    assert len(app.replays.kept) == 1
    again = call(app, "GET", MAILING, EMMA)
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["content-length"] == first.headers["content-length"]
    entries = sandbox.journal(provider="emma")
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", MAILING, 200), ("GET", MAILING, 200)]


def test_another_header_or_query_is_another_request(app: MailtwinApp) -> None:
    other = {"Authorization": "Basic " + base64.b64encode(b"other:priv").decode()}
    for _ in range(2):  # the first round makes the second tenant, which stales the others
        plain = call(app, "GET", MAILING, EMMA)
        named = call(app, "GET", MAILING + "?include_segment_names=true", EMMA)
        theirs = call(app, "GET", MAILING, other)
    assert plain.status_code == named.status_code == theirs.status_code == 200
    assert len(app.replays.kept) == 3


def test_a_write_makes_the_kept_answers_stale(app: MailtwinApp) -> None:
    assert call(app, "GET", PENDING, EMMA).json()["mailing_status"] == "p"
    listed = call(app, "GET", "/emma/100/mailings", EMMA).json()
    assert [m["mailing_status"] for m in listed if m["mailing_id"] == 337] == ["p"]
    changed = call(app, "PUT", PENDING, EMMA, {"status": "canceled"})
    assert changed.status_code == 200, changed.text
    assert call(app, "GET", PENDING, EMMA).json()["mailing_status"] == "x"
    listed = call(app, "GET", "/emma/100/mailings", EMMA).json()
    assert [m["mailing_status"] for m in listed if m["mailing_id"] == 337] in ([], ["x"])


def test_a_reset_through_the_control_plane_brings_the_fixtures_back(
        app: MailtwinApp, sandbox: Sandbox) -> None:
    pristine = call(app, "GET", PENDING, EMMA).content
    assert call(app, "PUT", PENDING, EMMA, {"status": "canceled"}).status_code == 200
    assert call(app, "GET", PENDING, EMMA).content != pristine
    sandbox.reset()
    assert call(app, "GET", PENDING, EMMA).content == pristine


def test_a_fault_rule_answers_instead_of_the_kept_answer(app: MailtwinApp,
                                                         sandbox: Sandbox) -> None:
    call(app, "GET", MAILING, EMMA)
    sandbox.fault("error", provider="emma", status=503)
    assert call(app, "GET", MAILING, EMMA).status_code == 503
    sandbox.clear_faults()
    assert call(app, "GET", MAILING, EMMA).status_code == 200


def test_an_issued_token_expires_even_while_its_answer_is_kept(app: MailtwinApp) -> None:
    issued = call(app, "POST", "/outreach/oauth/token", {}, None)
    assert issued.status_code in (400, 401)  # no form: refused, and nothing kept
    form = {"grant_type": "client_credentials", "client_id": "acme"}

    async def grant() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mailtwin.test") as c:
            return await c.post("/outreach/oauth/token", data=form)

    tokens = asyncio.run(grant()).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert call(app, "GET", "/outreach/api/v2/templates/1", headers).status_code == 200
    assert call(app, "GET", "/outreach/api/v2/templates/1", headers).status_code == 200
    app.runtime.clock.advance(timedelta(seconds=7200))
    assert call(app, "GET", "/outreach/api/v2/templates/1", headers).status_code == 401


def test_rate_limit_headers_count_replayed_answers(app: MailtwinApp) -> None:
    seen = [int(call(app, "GET", "/outreach/api/v2/templates/1", OUTREACH).headers[
        "x-ratelimit-remaining"]) for _ in range(3)]
    assert seen == [9999, 9998, 9997]
    assert len(app.replays.kept) == 1


def test_a_due_timed_move_is_fired_rather_than_replayed_past(app: MailtwinApp) -> None:
    call(app, "GET", MAILING, EMMA)
    replay = next(iter(app.replays.kept.values()))
    assert app.runtime.replayed(replay) is not None
    store = app.runtime.store
    store.schedule(app.runtime.clock.timestamp() - 1, "emma", credential_tenant("pub", "priv"),
                   "mailing", 200, None, 0)
    assert app.runtime.replayed(replay) is None


def test_a_replayed_tenant_counts_as_used(app: MailtwinApp) -> None:
    call(app, "GET", MAILING, EMMA)
    store = app.runtime.store
    tenant = credential_tenant("pub", "priv")
    store._used[("emma", tenant)] = 0.0
    call(app, "GET", MAILING, EMMA)
    assert store._used[("emma", tenant)] > 0.0


def test_hooked_reads_are_replayed_only_when_declared(app: MailtwinApp) -> None:
    replayable = {route.op.spec.operation_id for route in _routes(app) if route.replayable}
    assert "get_mailing" in replayable  # emma: a hook declared `replay: true`
    assert all(route.op.spec.method == "GET" for route in _routes(app) if route.replayable)
    hooked = [route for route in _routes(app) if route.op.hook is not None
              and not route.op.ext.get("replay")]
    assert hooked and not any(route.replayable for route in hooked)


def _routes(app: MailtwinApp) -> list:  # type: ignore[type-arg]
    found = []
    stack = [app.runtime.router._root]
    while stack:
        node = stack.pop()
        found.extend(node.targets.values())
        stack.extend(node.static.values())
        if node.param is not None:
            stack.append(node.param[1])
    return found


def _replay(generation: int, size: int) -> Replay:
    return Replay(generation, float("inf"), 200, [], b"x" * size, "p", "t", None, "/", "", {},
                  False, {})


def test_replays_are_bounded_in_count_and_bytes() -> None:
    replays = Replays(limit=4, max_bytes=1000)
    for n in range(10):
        replays.keep(("k", n), _replay(1, 10))
        assert len(replays.kept) <= 4
    for n in range(10):
        replays.keep(("big", n), _replay(1, 200))
        assert replays.bytes <= 1000
    replays.keep(("huge",), _replay(1, 600))
    assert replays.find(("huge",), 1) is None  # over a quarter of the bytes: not kept


def test_replays_of_an_older_generation_are_dropped() -> None:
    replays = Replays()
    replays.keep(("a",), _replay(1, 10))
    assert replays.find(("a",), 1) is not None
    assert replays.find(("a",), 2) is None
    assert replays.kept == {} and replays.bytes == 0
    replays.keep(("b",), _replay(2, 10))
    replays.keep(("c",), _replay(3, 10))
    assert list(replays.kept) == [("c",)]
