"""The `govreports` command. Each layer registers its own subcommands; this module only wires them."""
from __future__ import annotations

import argparse
import os
import sys


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="govreports",
        description="Collect and query China's annual Open Government Information reports "
        "(政府信息公开工作年度报告).",
    )
    p.add_argument(
        "--db",
        default=os.environ.get("GOVREPORTS_DB"),
        help="database URL (SQLAlchemy form, e.g. postgresql://127.0.0.1/test); "
        "default: $GOVREPORTS_DB, else sqlite:///govreports.db in the working directory",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    from parsers import cli as parser_cli

    parser_cli.register(sub)
    # samples.cli after crawler.cli: it adds the sample portal to `crawl` (--sample-portal)
    for name in ("storage.cli", "crawler.cli", "samples.cli"):
        try:
            module = __import__(name, fromlist=["register"])
        except ImportError as exc:  # a layer not installed yet must not break the others
            if os.environ.get("GOVREPORTS_DEBUG"):
                raise
            continue
        module.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if not args.db:
        args.db = "sqlite:///govreports.db"
    from storage.errors import DatabaseUnreachable

    try:
        return int(args.func(args) or 0)
    except DatabaseUnreachable as exc:  # from any command: one line that says what to check
        print(f"govreports: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
