"""Control calls to the server the plugin started run on that server's loop, no socket."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mailtwin import Config, MailtwinApp, create_app
from mailtwin.inprocess import LoopTransport
from mailtwin.sandbox import Sandbox, SandboxError
from mailtwin.server import ServerThread

AUTH = ("pub", "priv")


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[MailtwinApp, ServerThread]]:
    app = create_app(Config(seed=0, providers=("emma",)))
    server = ServerThread(app).start()
    try:
        yield app, server
    finally:
        server.stop()


def test_control_calls_on_the_server_loop_answer_as_over_the_socket(
        served: tuple[MailtwinApp, ServerThread]) -> None:
    app, server = served
    assert server.loop is not None
    with Sandbox(server.url) as socket, Sandbox(
            server.url, transport=LoopTransport(app, server.loop)) as looped:
        looped.reset(journal=True)
        answered = httpx.get(server.url + "/emma/100/mailings/200", auth=AUTH)
        assert answered.status_code == 200
        assert looped.journal() == socket.journal()
        assert [e["path"] for e in looped.journal()] == ["/emma/100/mailings/200"]
        assert looped.health()["providers"] == socket.health()["providers"] == ["emma"]
        looped.fault("error", provider="emma", status=503)
        assert httpx.get(server.url + "/emma/100/mailings/200", auth=AUTH).status_code == 503
        assert len(socket.faults()) == 1
        looped.reset()
        assert socket.faults() == [] and socket.journal() == []


def test_a_refused_control_call_keeps_its_status_and_body(
        served: tuple[MailtwinApp, ServerThread]) -> None:
    app, server = served
    assert server.loop is not None
    with Sandbox(server.url, transport=LoopTransport(app, server.loop)) as looped:
        with pytest.raises(SandboxError) as refused:
            looped.reset(provider="nobody")
        assert refused.value.status == 400
        assert "no provider named 'nobody'" in str(refused.value)


def test_the_plugin_reaches_its_own_server_on_its_loop(
        mailtwin_server_sandbox: Sandbox) -> None:
    assert isinstance(mailtwin_server_sandbox.http._transport, LoopTransport)
