"""The `govreports` command. Each layer registers its own subcommands; this module only wires them."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

try:
    from govreports_config import Config, ConfigError
except ModuleNotFoundError as exc:
    # An editable install maps the top-level modules it knew when it was made: one added later
    # (it lies beside this file) needs the install made again.
    if not exc.name or not Path(__file__).with_name(f"{exc.name}.py").exists():
        raise
    sys.exit(f"govreports: this installation predates {exc.name}.py: run `bash scripts/setup` again "
             "(or `.venv/bin/pip install -e . --no-deps`)")


def build_parser(debug: bool = False) -> argparse.ArgumentParser:
    """The command line; `debug`: a subcommand module that fails to import raises."""
    p = argparse.ArgumentParser(
        prog="govreports",
        description="Collect and query China's annual Open Government Information reports "
        "(政府信息公开工作年度报告).",
        epilog="Environment variables (GOVREPORTS_*) give the defaults of options and settings: "
        "`govreports config` prints each with the value in effect (docs/architecture.md, Configuration).",
    )
    p.add_argument(
        "--db",
        default=None,
        help="database URL (SQLAlchemy form, e.g. postgresql://127.0.0.1/test); "
        "default: $GOVREPORTS_DB, else sqlite:///govreports.db in the working directory",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    c = sub.add_parser("config", help="print the configuration in effect: every environment variable with its "
                       "value (passwords masked) and whether it was set or is the default")
    c.add_argument("--json", action="store_true", help="as JSON, with each variable's meaning")
    c.set_defaults(func=_show_config)
    from parsers import cli as parser_cli

    parser_cli.register(sub)
    # samples.cli after crawler.cli: it adds the sample portal to `crawl` (--sample-portal)
    for name in ("storage.cli", "crawler.cli", "samples.cli"):
        try:
            module = __import__(name, fromlist=["register"])
        except ImportError:  # a layer not installed yet must not break the others
            if debug:
                raise
            continue
        module.register(sub)
    return p


def _show_config(args) -> int:
    from govreports_config import show

    print(show(args.config, db=args.db, as_json=args.json))
    return 0


def main(argv: list[str] | None = None) -> int:
    try:  # the environment, read once here; commands take it from args.config
        config = Config.from_environment()
    except ConfigError as exc:
        print(f"govreports: {exc}", file=sys.stderr)
        return 2
    parser = build_parser(debug=config.debug)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    args.config = config
    args.db = args.db or config.db
    from crawler.errors import CrawlerError
    from storage.errors import StorageError

    try:
        return int(args.func(args) or 0)
    except (StorageError, CrawlerError) as exc:  # from any command: one line that says what to do
        if config.debug:
            raise
        print(f"govreports: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
