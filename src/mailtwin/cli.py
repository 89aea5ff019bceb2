"""The command line: a thin shell over Config, the app and the spec loader."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from mailtwin.config import Config


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"MAILTWIN_{name}", default)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mailtwin",
                                     description="A stateful sandbox of email-marketing APIs.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the sandbox server")
    serve.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(_env("PORT", "8040") or 8040))
    serve.add_argument("--seed", type=int, default=None, help="Faker seed (MAILTWIN_SEED)")
    serve.add_argument("--specs", type=Path, default=None, help="spec folder (MAILTWIN_SPECS)")
    serve.add_argument("--fixtures", type=Path, default=None,
                       help="fixture folder (MAILTWIN_FIXTURES)")
    serve.add_argument("--provider", action="append", dest="providers", default=None,
                       help="serve only this provider (repeatable; MAILTWIN_PROVIDERS)")
    serve.add_argument("--no-control", action="store_true",
                       help="do not serve the /__mailtwin/ control plane")
    serve.add_argument("--state", type=Path, default=None,
                       help="start from a state file and write it back on clean shutdown")
    serve.add_argument("--log-level", default=_env("LOG_LEVEL", "info"))

    routes = sub.add_parser("routes", help="print every route")
    routes.add_argument("--specs", type=Path, default=None)

    check = sub.add_parser("check", help="check specs and fixtures; exit 2 on any problem")
    check.add_argument("path", nargs="?", type=Path, default=None,
                       help="a spec file or folder (default: the built-in specs)")
    check.add_argument("--fixtures", type=Path, default=None)

    openapi = sub.add_parser("openapi", help="write each provider's effective OpenAPI document")
    openapi.add_argument("--provider", action="append", dest="providers", default=None,
                         help="only this provider (repeatable)")
    openapi.add_argument("--out", type=Path, default=None,
                         help="folder for <provider>.json files (default: print to stdout)")
    openapi.add_argument("--keep-extensions", action="store_true",
                         help="keep the x- extension keys")
    openapi.add_argument("--specs", type=Path, default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        from mailtwin.server import serve

        config = Config.from_env(seed=args.seed, specs=args.specs, fixtures=args.fixtures,
                                 providers=tuple(args.providers) if args.providers else None,
                                 control=False if args.no_control else None,
                                 state_file=args.state)
        return serve(config, args.host, args.port, args.log_level)
    if args.command == "routes":
        return _routes(Config.from_env(specs=args.specs))
    if args.command == "openapi":
        from mailtwin.openapi_cli import write_documents

        return write_documents(Config.from_env(specs=args.specs), args.providers, args.out,
                               args.keep_extensions)
    if args.command == "check":
        from mailtwin.checker import check

        config = Config.from_env(specs=args.path, fixtures=args.fixtures)
        problems = check(config)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            return 2
        print("ok")
        return 0
    return 2  # pragma: no cover - argparse requires a command


def _routes(config: Config) -> int:
    from mailtwin.runtime import Runtime

    runtime = Runtime(config)
    rows = [op.describe() for op in runtime.operations]
    width = max((len(r["path"]) for r in rows), default=10)
    for row in sorted(rows, key=lambda r: (r["provider"], r["path"], r["method"])):
        print(f"{row['method']:<7} {row['path']:<{width}}  {row['operation']:<40} "
              f"{row['provider']}")
    return 0
