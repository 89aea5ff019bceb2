"""Running the app with uvicorn: in the foreground for the CLI, or in a thread for tests."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.config import LOG_LEVELS, LOGGING_CONFIG

from mailtwin.app import MailtwinApp, create_app
from mailtwin.banner import http_stack, log_banner
from mailtwin.config import Config
from mailtwin.gcpolicy import GcPolicy
from mailtwin.sharing import warn_if_exposed
from mailtwin.statefile import StateFileError, load_file
from mailtwin.statekeeper import StateKeeper

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class ServeOptions:
    """How `mailtwin serve` listens, logs and saves its state file."""

    host: str = "127.0.0.1"
    port: int = 8040
    log_level: str = "info"
    # No request log; the other messages stay.
    quiet: bool = False
    # Seconds between saves of the state file; 0 saves only at shutdown.
    save_every: float = 30.0
    # The HTTP server: "uvicorn", or "granian" (the granian extra).
    server: str = "uvicorn"


def serve(config: Config, options: ServeOptions) -> int:
    """Serve until SIGINT or SIGTERM; with a state file, start from it, save it every
    `save_every` seconds and once more at the end. Exit status 2 when it cannot start."""
    try:
        gc = GcPolicy.from_env()
    except ValueError as error:
        print(f"mailtwin: {error}", file=sys.stderr)
        return 2
    keeper: StateKeeper | None = None
    with _stopping_interrupts():
        if config.state_file is not None:
            try:
                keeper = StateKeeper.claim(config.state_file, options.save_every)
            except StateFileError as error:
                print(f"mailtwin: {error}", file=sys.stderr)
                return 2
        try:
            return _serve(config, options, keeper, gc)
        finally:
            if keeper is not None:
                keeper.release()


def _serve(config: Config, options: ServeOptions, keeper: StateKeeper | None,
           gc: GcPolicy) -> int:
    app = create_app(config)
    if config.state_file is not None and config.state_file.exists():
        try:
            load_file(app.runtime, config.state_file)
        except StateFileError as error:
            print(f"mailtwin: {error}", file=sys.stderr)
            return 2
    app.gc = gc
    app.gc.settle()
    if options.server == "granian":
        from mailtwin import granian_server

        port = options.port or free_port(options.host)
        try:
            granian_server.run(app, options.host, port, keeper,
                               logging_config(options.log_level, options.quiet))
        except granian_server.GranianMissing as error:
            print(f"mailtwin: {error}", file=sys.stderr)
            return 2
        if keeper is not None and not keeper.save(app.runtime):
            return 1
        return 0
    server = _Server(uvicorn.Config(
        app, host=options.host, port=options.port, loop="auto", http="auto", lifespan="on",
        log_config=logging_config(options.log_level, options.quiet),
        log_level=options.log_level, access_log=False), app, options, keeper)
    server.run()
    if keeper is not None and not keeper.save(app.runtime):
        return 1
    return 0


@contextlib.contextmanager
def _stopping_interrupts() -> Iterator[None]:
    """SIGTERM before the server runs stops start-up as Ctrl-C does (the server then handles
    both signals itself)."""

    def interrupt(sig: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def logging_config(log_level: str, quiet: bool) -> dict[str, Any]:
    """uvicorn's logging setup, plus the "mailtwin" logger (stderr) and its request log
    "mailtwin.access" (stdout, off when quiet), at the server's level."""
    config = copy.deepcopy(LOGGING_CONFIG)
    level = LOG_LEVELS[log_level]
    config["handlers"]["mailtwin_access"] = {"formatter": "default",
                                             "class": "logging.StreamHandler",
                                             "stream": "ext://sys.stdout"}
    config["loggers"]["mailtwin"] = {"handlers": ["default"], "level": level,
                                     "propagate": False}
    config["loggers"]["mailtwin.access"] = {"handlers": ["mailtwin_access"],
                                            "level": max(level, LOG_LEVELS["warning"]) if quiet
                                            else level, "propagate": False}
    return config


class _Server(uvicorn.Server):
    """uvicorn's server with mailtwin's banner and periodic saves, which stops on SIGINT or
    SIGTERM and returns."""

    def __init__(self, config: uvicorn.Config, app: MailtwinApp, options: ServeOptions,
                 keeper: StateKeeper | None) -> None:
        super().__init__(config)
        self.app = app
        self.options = options
        self.keeper = keeper
        self.saving: asyncio.Task[None] | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # uvicorn raises the caught signal again once it has shut down; for SIGTERM that ends
        # the process before the state file is written. Here the signal only starts the
        # shutdown, and `serve` goes on to save and return.
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.started:
            return
        # The port actually bound, which differs from the option when that is 0.
        port = self.servers[0].sockets[0].getsockname()[1] if self.servers else self.options.port
        log_banner(self.app.runtime, lambda: http_stack(self.config), self.options.host, port,
                   self.keeper)
        warn_if_exposed(self.app.runtime.config, self.options.host, port)
        if self.keeper is not None and self.keeper.every > 0:
            self.saving = asyncio.create_task(self.keeper.run(self.app.runtime))

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await super().shutdown(sockets)
        if self.saving is not None and self.keeper is not None:
            self.keeper.stop()
            await self.saving


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class ServerThread:
    """A uvicorn server on 127.0.0.1 in a background thread, started and stopped explicitly."""

    def __init__(self, app: MailtwinApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port or free_port(host)
        config = uvicorn.Config(app, host=self.host, port=self.port, loop="auto", http="auto",
                                log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        # The server's event loop, once it runs: in-process callers may hand it work.
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=self._run, name="mailtwin", daemon=True)

    def _run(self) -> None:
        # uvloop where it is installed, as uvicorn's loop="auto" picks.
        loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None
        with contextlib.suppress(ImportError):
            import uvloop

            loop_factory = uvloop.new_event_loop
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            runner.run(self._serve())

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.server.serve()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the mailtwin server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
