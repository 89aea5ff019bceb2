"""The lines `mailtwin serve` logs once it listens: what runs, and where."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from mailtwin.app import CONTROL_PREFIX
from mailtwin.version import version

if TYPE_CHECKING:
    import uvicorn

    from mailtwin.runtime import Runtime
    from mailtwin.statekeeper import StateKeeper

log = logging.getLogger("mailtwin")


def base_url(host: str, port: int) -> str:
    """The server's URL (IPv6 hosts in brackets)."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def http_stack(config: uvicorn.Config) -> str:
    """The event loop and HTTP parser uvicorn runs, e.g. "uvloop + httptools"; call it on
    the running loop, after uvicorn loaded its config."""
    loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
    protocol = config.http_protocol_class
    module = protocol.__module__
    http = (module.rsplit(".", 1)[-1].removesuffix("_impl")
            if module.startswith("uvicorn.protocols.") else protocol.__name__)
    return f"{loop} + {http}"


def banner_lines(runtime: Runtime, url: str, stack: str, keeper: StateKeeper | None) -> list[str]:
    """Version and HTTP stack, each provider's URL, the control plane, state file and seed."""
    lines = [f"mailtwin {version()} on {stack}"]
    width = max((len(name) for name in runtime.providers), default=0)
    width = max(width, len("control"))
    for name, provider in sorted(runtime.providers.items()):
        lines.append(f"  {name:<{width}}  {url}{provider.mount}")
    control = f"{url}{CONTROL_PREFIX}" if runtime.config.control else "off"
    lines.append(f"  {'control':<{width}}  {control}")
    if keeper is None:
        state = "none"
    elif keeper.every > 0:
        state = f"{keeper.path.absolute()} (saved every {keeper.every:g} s and at shutdown)"
    else:
        state = f"{keeper.path.absolute()} (saved at shutdown)"
    lines.append(f"  {'state':<{width}}  {state}")
    lines.append(f"  {'seed':<{width}}  {runtime.config.seed}")
    return lines


def log_banner(runtime: Runtime, stack: Callable[[], str], host: str, port: int,
               keeper: StateKeeper | None) -> None:
    """Log the banner at info, one record per line (`stack` names the HTTP stack, asked only
    when the banner is logged: see http_stack)."""
    if not log.isEnabledFor(logging.INFO):
        return
    for line in banner_lines(runtime, base_url(host, port), stack(), keeper):
        log.info("%s", line)
