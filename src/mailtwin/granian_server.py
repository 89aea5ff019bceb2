"""Serving the app with granian (`mailtwin serve --server granian`, the `granian` extra).

granian's embedded server runs in this process's event loop, so the app, its state file
keeper and the signal handling are the same objects the uvicorn server uses: the lifespan
logs the banner and starts the periodic saves, SIGINT and SIGTERM stop the server, and
`server.serve` saves the state file once more after it returns.

Its one worker is started as granian's own worker processes start theirs (a single-threaded
Rust runtime handing requests to this loop), not through the embedded server's default
worker, whose hand-over costs several times more per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mailtwin.banner import log_banner
from mailtwin.sharing import warn_if_exposed

if TYPE_CHECKING:
    from mailtwin.app import MailtwinApp
    from mailtwin.statekeeper import StateKeeper

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
INSTALL_HINT = "pip install 'mailtwin[granian]'"


def _worker() -> Callable[..., Any]:
    """granian's worker for an ASGI app with its lifespan, on a single-threaded runtime."""
    # Loaded untyped: the worker class's stubs lag behind its signature.
    futures, native, asgi = _granian("_futures"), _granian("_granian"), _granian("asgi")
    constants, errors, embed = _granian("constants"), _granian("errors"), _granian("server.embed")

    async def worker(worker_id: int, shutdown: Any, app: Any, sock: Any,
                     loop: asyncio.AbstractEventLoop, runtime_threads: int,
                     runtime_blocking_threads: int | None, blocking_threads: int,
                     blocking_idle: int, backpressure: int, task_impl: Any, http: Any,
                     http1: Any, http2: Any, websockets: bool, static: Any,
                     access_format: str | None, ssl: Any, scope_options: dict[str, Any]
                     ) -> None:
        lifespan = asgi.LifespanProtocol(app)
        await lifespan.startup()
        if lifespan.interrupt:
            raise errors.FatalError("ASGI lifespan startup")
        stopped: asyncio.Future[None] = loop.create_future()

        def finish() -> None:
            if not stopped.done():
                stopped.set_result(None)

        shutdown.add_cb(lambda: loop.call_soon_threadsafe(finish))
        callback = futures._future_watcher_wrapper(
            asgi._callback_wrapper(app, scope_options, lifespan.state, access_format))
        server = native.ASGIWorker(worker_id, sock, None, runtime_threads,
                                   runtime_blocking_threads, blocking_threads, blocking_idle,
                                   backpressure, http, http1, http2, websockets, static, *ssl,
                                   (None, None))
        scheduler = futures._new_cbscheduler(
            loop, callback, impl_asyncio=task_impl == constants.TaskImpl.asyncio)
        is_uds = (sock[0] or sock[1]).is_uds()
        (server.serve_str_uds if is_uds else server.serve_str)(scheduler, loop, shutdown)
        await stopped
        await lifespan.shutdown()

    wrapped: Callable[..., Any] = embed.AsyncWorker.wrap_target(worker)
    return wrapped


def _granian(module: str) -> Any:
    return importlib.import_module(f"granian.{module}")


class GranianMissing(RuntimeError):
    """granian is not installed."""


def available() -> bool:
    """Whether granian can be imported."""
    try:
        import granian  # noqa: F401
    except ImportError:
        return False
    return True


def run(app: MailtwinApp, host: str, port: int, keeper: StateKeeper | None,
        log_config: dict[str, Any]) -> None:
    """Serve until SIGINT or SIGTERM (on uvloop when it is installed)."""
    if not available():
        raise GranianMissing(f"--server granian needs granian: {INSTALL_HINT}")
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None
    with contextlib.suppress(ImportError):
        import uvloop

        loop_factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(_serve(app, host, port, keeper, log_config))


async def _serve(app: MailtwinApp, host: str, port: int, keeper: StateKeeper | None,
                 log_config: dict[str, Any]) -> None:
    from granian.constants import HTTPModes, Interfaces
    from granian.log import LogLevels
    from granian.server.embed import Server

    loop = asyncio.get_running_loop()
    stack = f"{type(loop).__module__.split('.')[0]} + granian"
    saving: list[asyncio.Task[None]] = []

    async def started() -> None:
        log_banner(app.runtime, lambda: stack, host, port, keeper)
        warn_if_exposed(app.runtime.config, host, port)
        if keeper is not None and keeper.every > 0:
            saving.append(asyncio.create_task(keeper.run(app.runtime)))

    async def stopping() -> None:
        if saving and keeper is not None:
            keeper.stop()
            await saving.pop()

    app.on_startup.append(started)
    app.on_shutdown.append(stopping)
    # granian's own messages (start, stop, its "experimental" note) only when they are errors.
    config = {**log_config, "loggers": {
        **log_config["loggers"],
        "_granian": {"handlers": ["default"], "level": "ERROR", "propagate": False}}}
    server = Server(app, address=host, port=port, interface=Interfaces.ASGI,
                    http=HTTPModes.http1, websockets=False, backlog=1024,
                    log_level=LogLevels.error, log_dictconfig=config, log_access=False)
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, server.stop)
    try:
        await server.serve(spawn_target=_worker())
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
        app.on_startup.remove(started)
        app.on_shutdown.remove(stopping)
