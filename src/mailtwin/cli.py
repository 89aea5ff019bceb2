"""The command line: a thin shell over Config, the app and the spec loader."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from mailtwin import environment, sharing
from mailtwin.config import Config, ConfigError
from mailtwin.environment import argument, from_env
from mailtwin.version import version

if TYPE_CHECKING:
    from mailtwin.server import ServeOptions

T = TypeVar("T")


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"MAILTWIN_{name}", default)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mailtwin",
                                     description="A stateful sandbox of email-marketing APIs.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the sandbox server")
    serve.add_argument("--host", default=_env("HOST", "127.0.0.1"),
                       help="address to listen on (MAILTWIN_HOST; default 127.0.0.1)")
    serve.add_argument("--port", type=argument(environment.port), default=None,
                       help="port to listen on, 0 for any free one (MAILTWIN_PORT; "
                            "default 8040)")
    serve.add_argument("--seed", type=int, default=None, help="Faker seed (MAILTWIN_SEED)")
    _add_sources(serve)
    serve.add_argument("--provider", action="append", dest="providers", default=None,
                       help="serve only this provider (repeatable; MAILTWIN_PROVIDERS)")
    serve.add_argument("--no-control", action="store_true",
                       help="do not serve the /__mailtwin/ control plane")
    serve.add_argument("--state", type=Path, default=None, metavar="FILE",
                       help="start from this state file if it exists, save to it "
                            "periodically and at shutdown; one server per file (MAILTWIN_STATE)")
    serve.add_argument("--save-every", type=argument(environment.seconds), default=None,
                       metavar="SECONDS",
                       help="seconds between saves of the state file, 0 for only at "
                            "shutdown (MAILTWIN_SAVE_EVERY; default 30)")
    serve.add_argument("--log-level", type=argument(environment.log_level), default=None,
                       metavar="LEVEL",
                       help=f"{', '.join(environment.LOG_LEVELS)} (MAILTWIN_LOG_LEVEL; "
                            "default info)")
    serve.add_argument("--quiet", action="store_true",
                       help="no request log (MAILTWIN_QUIET=1)")
    serve.add_argument("--server", type=argument(environment.server), default=None,
                       metavar="NAME",
                       help="HTTP server: uvicorn, or granian with the granian extra "
                            "(pip install 'mailtwin[granian]'; MAILTWIN_SERVER; default "
                            "uvicorn)")
    sharing.add_options(serve)

    routes = sub.add_parser("routes", help="print every route")
    _add_sources(routes)

    check = sub.add_parser("check", help="check specs and fixtures; exit 2 on any problem")
    check.add_argument("path", nargs="?", type=Path, default=None,
                       help="a spec file or folder to check alone (default: the built-in specs)")
    check.add_argument("--fixtures", type=Path, action="append", default=None,
                       help="a fixture folder for the specs checked (repeatable)")

    openapi = sub.add_parser("openapi", help="write each provider's effective OpenAPI document")
    openapi.add_argument("--provider", action="append", dest="providers", default=None,
                         help="only this provider (repeatable)")
    openapi.add_argument("--out", type=Path, default=None,
                         help="folder for <provider>.json files (default: print to stdout)")
    openapi.add_argument("--keep-extensions", action="store_true",
                         help="keep the x- extension keys")
    _add_sources(openapi)
    return parser


def _add_sources(parser: argparse.ArgumentParser) -> None:
    """The options that add providers beside the built-in ones, or serve only those."""
    parser.add_argument("--specs", type=Path, action="append", default=None,
                        help="a folder (or file) of provider specs to serve beside the built-in "
                             "ones; a provider named like a built-in one replaces it "
                             "(repeatable; MAILTWIN_SPECS, folders separated by os.pathsep)")
    parser.add_argument("--fixtures", type=Path, action="append", default=None,
                        help="a folder holding <provider>/*.yaml fixtures (repeatable; "
                             "MAILTWIN_FIXTURES)")
    parser.add_argument("--no-builtin", action="store_true",
                        help="serve only the providers of --specs (MAILTWIN_NO_BUILTIN=1)")


def _sources(args: argparse.Namespace) -> dict[str, object]:
    """Config overrides from the source options (None leaves the environment's value)."""
    return {"specs": tuple(args.specs) if args.specs else None,
            "fixtures": tuple(args.fixtures) if args.fixtures else None,
            "builtin": False if args.no_builtin else None}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except ConfigError as error:
        print(f"mailtwin: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`mailtwin routes | head`): stop quietly, as cat does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(args: argparse.Namespace) -> int:
    # Config.from_env reads these as well; checked first so a bad value is one line.
    from_env("SEED", environment.integer, 0)
    from_env("JOURNAL_LIMIT", environment.journal_limit, 0)
    if args.command == "serve":
        from mailtwin.server import serve

        options = _serve_options(args)
        config = Config.from_env(seed=args.seed, **_sources(args),
                                 providers=tuple(args.providers) if args.providers else None,
                                 control=False if args.no_control else None,
                                 state_file=args.state, **sharing.overrides(args))
        try:
            return serve(config, options)
        except KeyboardInterrupt:
            return 130
    if args.command == "routes":
        return _routes(Config.from_env(**_sources(args)))
    if args.command == "openapi":
        from mailtwin.openapi import write_documents

        return write_documents(Config.from_env(**_sources(args)), args.providers, args.out,
                               args.keep_extensions)
    if args.command == "check":
        from mailtwin.check import check

        if args.path is None:
            config = Config.from_env(fixtures=tuple(args.fixtures or ()) or None)
        else:
            config = Config.from_env(specs=(args.path,), fixtures=tuple(args.fixtures or ()),
                                     builtin=False)
        problems = check(config)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            return 2
        print("ok")
        return 0
    return 2  # pragma: no cover - argparse requires a command


def _serve_options(args: argparse.Namespace) -> ServeOptions:
    """Options of `serve`: the command line, else MAILTWIN_* variables, else defaults."""
    from mailtwin.server import ServeOptions

    def pick(given: T | None, name: str, parse: environment.Parse[T], default: T) -> T:
        return given if given is not None else from_env(name, parse, default)

    return ServeOptions(
        host=args.host, port=pick(args.port, "PORT", environment.port, 8040),
        log_level=pick(args.log_level, "LOG_LEVEL", environment.log_level, "info"),
        quiet=args.quiet or from_env("QUIET", environment.flag, False),
        save_every=pick(args.save_every, "SAVE_EVERY", environment.seconds, 30.0),
        server=pick(args.server, "SERVER", environment.server, "uvicorn"))


def _routes(config: Config) -> int:
    from mailtwin.runtime import Runtime

    runtime = Runtime(config)
    rows = [op.describe() for op in runtime.operations]
    width = max((len(r["path"]) for r in rows), default=10)
    for row in sorted(rows, key=lambda r: (r["provider"], r["path"], r["method"])):
        print(f"{row['method']:<7} {row['path']:<{width}}  {row['operation']:<40} "
              f"{row['provider']}")
    return 0
