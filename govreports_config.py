"""govreports' configuration: every setting the environment gives, read once into one object.

`Config.from_environment()` runs once in a process: in `govreports_cli.main` (every `govreports`
command) or in `crawler/settings.py` (a plain `scrapy crawl`). The object is then passed down:
commands take it from `args.config`, Scrapy's settings are filled from it (`scrapy_settings`), the
parser gets its options from its callers (`parse_options`: limits and PDF engine), storage its
archive directory and database URL. Nothing else in crawler/, parsers/ or storage/ reads the
environment (tests/test_config.py checks it, and that docs/architecture.md documents every field).

Options on the command line come first; each variable is the default of an option or a setting.
An empty variable counts as unset. A value that is not allowed stops the command with one line
naming the variable and what it may be (`ConfigError`, exit status 2).
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from parsers.limits import MB, Limits

DEFAULT_DB = "sqlite:///govreports.db"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
# Debian's headless build of Chromium where installed (about half the CPU per page), else chromium.
DEFAULT_CHROMIUMS = ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")
PDF_ENGINES = ("pdfium", "pdfplumber")  # parsers.layouts.pdf_objects.ENGINES
START_METHODS = ("forkserver", "spawn", "fork")
_LIMITS = Limits()  # the parser's own bounds are the defaults


class ConfigError(ValueError):
    """The root of configuration errors: a variable whose value is not allowed. The message names
    the variable, the value and what is allowed."""


# ------------------------------------------------------------------ reading one value

def _text(raw: str) -> str:
    return raw


def _whole(least: int) -> Callable[[str], int]:
    def read(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"a whole number of at least {least}") from None
        if value < least:
            raise ValueError(f"a whole number of at least {least}")
        return value

    return read


def _number(above: float) -> Callable[[str], float]:
    def read(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"a number above {above:g}") from None
        if not value > above or value != value or value == float("inf"):
            raise ValueError(f"a number above {above:g}")
        return value

    return read


def _one_of(choices: tuple[str, ...]) -> Callable[[str], str]:
    def read(raw: str) -> str:
        if raw not in choices:
            raise ValueError("one of " + ", ".join(choices))
        return raw

    return read


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _flag(raw: str) -> bool:
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ValueError("1, true, yes or on to switch it on; 0, false, no or off (or unset) for off")


def _log_level(raw: str) -> str:
    if raw.upper() not in ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"):
        raise ValueError("one of CRITICAL, ERROR, WARNING, INFO, DEBUG")
    return raw.upper()


def setting(default: Any, variable: str, meaning: str, read: Callable[[str], Any] = _text,
            secret: bool = False) -> Any:
    """A field of Config: its default, the variable it is read from, its one-line meaning."""
    return field(default=default, metadata={"variable": variable, "meaning": meaning, "read": read,
                                            "secret": secret})


# ------------------------------------------------------------------ the settings

@dataclass(frozen=True)
class Config:
    """Every setting of govreports with its default, its variable and its meaning (the table in
    docs/architecture.md "Configuration" is checked against these fields)."""

    db: str = setting(DEFAULT_DB, "GOVREPORTS_DB",
                      "database URL (SQLAlchemy form; `--db`); the default is a file in the working directory")
    archive: str | None = setting(None, "GOVREPORTS_ARCHIVE",
                                  "directory of the raw-document archive (`ingest --archive`, `reparse --archive`)")
    redis: str | None = setting(None, "GOVREPORTS_REDIS",
                                "Redis URL of a shared frontier (`crawl --distributed`, `seed`, `frontier`, "
                                "`parse-worker`; `--redis`)")
    chromium: str | None = setting(None, "GOVREPORTS_CHROMIUM",
                                   "Chromium for pages that need a browser (`crawl --chromium`)")
    download_timeout: float = setting(60.0, "GOVREPORTS_DOWNLOAD_TIMEOUT",
                                      "seconds before a request times out", _number(0))
    log_level: str = setting("INFO", "GOVREPORTS_LOG_LEVEL",
                             "Scrapy's log level for a plain `scrapy crawl` (`govreports crawl` has `--log-level`, "
                             "default WARNING)", _log_level)
    max_links_per_page: int = setting(5000, "GOVREPORTS_MAX_LINKS_PER_PAGE",
                                      "cap on the links read from one list page (crawler/caps.py)", _whole(1))
    max_list_pages: int = setting(200, "GOVREPORTS_MAX_LIST_PAGES",
                                  "cap on the list pages read per column (a registry entry's `max_pages` replaces it)",
                                  _whole(1))
    parse_workers: int = setting(0, "GOVREPORTS_PARSE_WORKERS",
                                 "parse workers of a plain `scrapy crawl` (0: one per core but one; "
                                 "`govreports crawl` has `--workers`)", _whole(0))
    parse_nice: int = setting(10, "GOVREPORTS_PARSE_NICE",
                              "how much a crawl's parse workers lower their priority at their first document",
                              _whole(0))
    start_method: str | None = setting(None, "GOVREPORTS_START_METHOD",
                                       "multiprocessing start method of a crawl's parse workers (forkserver, "
                                       "spawn or fork)", _one_of(START_METHODS))
    parse_in_thread: bool = setting(False, "GOVREPORTS_PARSE_IN_THREAD",
                                    "1: a crawl parses in a thread of its own process instead of worker processes "
                                    "(debugging)", _flag)
    query_role: str | None = setting(None, "GOVREPORTS_QUERY_ROLE",
                                     "the PostgreSQL role `govreports query` logs in as (`--role`; "
                                     "[reliability.md](reliability.md#govreports-query-cannot-write))")
    query_password: str | None = setting(None, "GOVREPORTS_QUERY_PASSWORD",
                                         "the password of that role, if it has one", secret=True)
    limit_document_mb: float = setting(_LIMITS.document_bytes / MB, "GOVREPORTS_LIMIT_DOCUMENT_MB",
                                       "the parser's bound on a document's size, in MB ([reliability.md]"
                                       "(reliability.md#parser-resource-bounds-parserslimitspy))", _number(0))
    limit_text_mb: float = setting(_LIMITS.text_bytes / MB, "GOVREPORTS_LIMIT_TEXT_MB",
                                   "the parser's bound on an HTML or text page's size, in MB", _number(0))
    limit_decompressed_mb: float = setting(_LIMITS.decompressed_bytes / MB, "GOVREPORTS_LIMIT_DECOMPRESSED_MB",
                                           "the parser's bound on what a DOCX, or a PDF's streams, decompress to, "
                                           "in MB", _number(0))
    limit_pages: int = setting(_LIMITS.pages, "GOVREPORTS_LIMIT_PAGES",
                               "the parser's bound on a PDF's pages (0: none)", _whole(0))
    limit_html_depth: int = setting(_LIMITS.html_depth, "GOVREPORTS_LIMIT_HTML_DEPTH",
                                    "the parser's bound on an HTML page's element nesting", _whole(1))
    limit_seconds: float = setting(_LIMITS.seconds, "GOVREPORTS_LIMIT_SECONDS",
                                   "the parser's bound on the seconds one parse takes", _number(0))
    pdf_engine: str = setting("pdfium", "GOVREPORTS_PDF_ENGINE",
                              "what reads a PDF's page objects: pdfium or pdfplumber (the reference, slower)",
                              _one_of(PDF_ENGINES))
    debug: bool = setting(False, "GOVREPORTS_DEBUG",
                          "1: a subcommand module that fails to import raises instead of being left out", _flag)

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> "Config":
        """The configuration the environment gives (an empty variable counts as unset). Raises
        ConfigError on a value that is not allowed."""
        env = os.environ if env is None else env
        values = {}
        for f in dataclasses.fields(cls):
            raw = env.get(f.metadata["variable"], "")
            if raw == "":
                continue
            try:
                values[f.name] = f.metadata["read"](raw)
            except ValueError as why:
                raise ConfigError(f"{f.metadata['variable']}={raw!r} is not allowed: it must be {why}; "
                                  f"fix it, or unset it for the default ({_shown(f, f.default)})") from None
        return cls(**values)

    # -------------------------------------------------------------- for the packages
    @property
    def chromium_path(self) -> str:
        return self.chromium or next((p for p in DEFAULT_CHROMIUMS if os.path.exists(p)), DEFAULT_CHROMIUMS[-1])

    def limits(self) -> Limits:
        return Limits(document_bytes=int(self.limit_document_mb * MB), text_bytes=int(self.limit_text_mb * MB),
                      decompressed_bytes=int(self.limit_decompressed_mb * MB), pages=self.limit_pages,
                      html_depth=self.limit_html_depth, seconds=float(self.limit_seconds))

    def parse_options(self) -> dict:
        """Keyword arguments of parsers.parse_document."""
        return {"limits": self.limits(), "pdf_engine": self.pdf_engine}

    def processor_options(self) -> dict:
        """How a crawl's parse workers start and run (crawler.processor.Processor's keywords)."""
        return {"nice": self.parse_nice, "start_method": self.start_method, "in_thread": self.parse_in_thread,
                "archive": self.archive, "parse_options": self.parse_options()}

    def scrapy_settings(self) -> dict:
        """The Scrapy settings this configuration gives (crawler/settings.py; crawler.run)."""
        return {"DOWNLOAD_TIMEOUT": self.download_timeout, "LOG_LEVEL": self.log_level,
                "GOVREPORTS_DB": self.db, "GOVREPORTS_ARCHIVE": self.archive,
                "GOVREPORTS_PARSE_WORKERS": self.parse_workers,
                "GOVREPORTS_PARSE_OPTIONS": self.parse_options(),
                "GOVREPORTS_MAX_LINKS_PER_PAGE": self.max_links_per_page,
                "GOVREPORTS_MAX_LIST_PAGES": self.max_list_pages, "CHROMIUM_PATH": self.chromium_path}

    # -------------------------------------------------------------- for people
    def rows(self) -> list[dict]:
        """Each setting: its variable, the value in effect (passwords masked), where it comes from
        (the environment where it differs from the default) and its meaning."""
        return [{"variable": f.metadata["variable"], "value": _shown(f, getattr(self, f.name)),
                 "source": "default" if getattr(self, f.name) == f.default else "environment",
                 "meaning": f.metadata["meaning"]} for f in dataclasses.fields(self)]


# What applies where a setting without a default value of its own is unset.
_WHEN_UNSET = {"archive": "archive/ beside a SQLite file, else ./archive",
               "redis": f"{DEFAULT_REDIS} (parse-worker: none, the database alone)",
               "chromium": f"{DEFAULT_CHROMIUMS[0]}, else {DEFAULT_CHROMIUMS[1]}",
               "start_method": "forkserver", "query_role": "govreports_reader"}


def _shown(f: dataclasses.Field, value: Any) -> str:
    """A value as a person reads it: passwords masked, in a URL too; unset as what applies."""
    if value is None:
        return _WHEN_UNSET.get(f.name, "unset")
    if f.metadata["secret"]:
        return "***"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    return masked_url(value) if isinstance(value, str) else str(value)


def markdown_table() -> str:
    """The table of docs/architecture.md "Configuration" (tests/test_config.py holds them equal)."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for f in dataclasses.fields(Config):
        lines.append(f"| `{f.metadata['variable']}` | {_shown(f, f.default)} | {f.metadata['meaning']} |")
    return "\n".join(lines)


def masked_url(text: str) -> str:
    """`text` with the password of a URL in it replaced by ***."""
    try:
        parts = urlsplit(text)
        password = parts.password
    except ValueError:
        return text
    if not password:
        return text
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def secret_from_environment(variable: str) -> str | None:
    """A secret the user names by its variable (`db reader --password-env VAR`), never on the
    command line; None where it is not set."""
    return os.environ.get(variable)


def show(config: Config, db: str | None = None, as_json: bool = False) -> str:
    """`govreports config`: the configuration in effect. `db`: the database URL in effect if --db
    gave one."""
    from storage.archive import default_archive_root

    rows = {r["variable"]: r for r in config.rows()}
    db = db or config.db
    if db != config.db:
        rows["GOVREPORTS_DB"] |= {"value": masked_url(db), "source": "--db"}
    if config.archive is None:  # what applies, not the rule
        rows["GOVREPORTS_ARCHIVE"]["value"] = str(default_archive_root(db))
    if config.chromium is None:
        rows["GOVREPORTS_CHROMIUM"]["value"] = config.chromium_path
    rows = list(rows.values())
    if as_json:
        import json

        return json.dumps(rows, ensure_ascii=False, indent=1)
    width = max(len(r["variable"]) for r in rows)
    return "\n".join(f"{r['variable'].ljust(width)}  {r['value']}  ({r['source']})" for r in rows)
