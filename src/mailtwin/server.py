"""Running the app with uvicorn: in the foreground for the CLI, or in a thread for tests."""

from __future__ import annotations

import socket
import sys
import threading
import time

import uvicorn

from mailtwin.app import MailtwinApp, create_app
from mailtwin.config import Config
from mailtwin.gcpolicy import GcPolicy


def serve(config: Config, host: str, port: int, log_level: str = "info") -> int:
    """Serve until interrupted; with a state file, start from it and write it back at the end."""
    app = create_app(config)
    if config.state_file is not None and config.state_file.exists():
        from mailtwin.statefile import StateFileError, load_file

        try:
            load_file(app.runtime, config.state_file)
        except StateFileError as error:
            print(f"mailtwin: {error}", file=sys.stderr)
            return 2
    app.gc = GcPolicy.from_env()
    app.gc.settle()
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False,
                lifespan="on")
    if config.state_file is not None:
        from mailtwin.statefile import save_file

        save_file(app.runtime, config.state_file)
    return 0


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
        config = uvicorn.Config(app, host=self.host, port=self.port, log_level="warning",
                                access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="mailtwin", daemon=True)

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
