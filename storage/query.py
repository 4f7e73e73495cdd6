"""Read-only SQL from the command line: refuse writes clearly, print a table, CSV or JSON."""
from __future__ import annotations

import csv
import json
import math
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

READ_KEYWORDS = ("select", "with", "values", "explain", "table", "show")


class WriteRefused(RuntimeError):
    pass


def _strip_comments_and_check_single(sql: str) -> str:
    """The statement without a trailing ';'. More than one statement is refused: a second one could
    switch the session out of read-only mode."""
    body = sql.strip().rstrip(";").strip()
    quote = None
    i = 0
    while i < len(body):
        ch = body[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
        elif ch == "-" and body.startswith("--", i):
            nl = body.find("\n", i)
            i = len(body) if nl < 0 else nl
            continue
        elif ch == ";":
            raise WriteRefused("query refused: give one SQL statement at a time")
        i += 1
    return body


def check_read_only(sql: str) -> str:
    body = _strip_comments_and_check_single(sql)
    lines = [ln for ln in body.splitlines() if not ln.strip().startswith("--")]
    first = " ".join(lines).split(None, 1)[0].lower() if "".join(lines).strip() else ""
    if first not in READ_KEYWORDS:
        raise WriteRefused(
            f"query refused: `govreports query` is read-only and runs only SELECT-like statements "
            f"(got {first.upper() or 'nothing'}); use `govreports ingest` / `reparse` to change data"
        )
    return body


def run(engine: Engine, sql: str) -> tuple[list[str], list[tuple]]:
    """Execute one read-only statement. The engine must be made with read_only=True, so the database
    itself refuses a write hidden inside a SELECT (e.g. a data-modifying CTE)."""
    body = check_read_only(sql)
    try:
        with engine.connect() as conn:
            result = conn.execute(text(body).execution_options(no_parameters=True))
            columns = list(result.keys())
            rows = [tuple(r) for r in result]
            conn.rollback()
    except DBAPIError as exc:
        msg = str(exc.orig).strip().splitlines()[0]
        if getattr(exc.orig, "pgcode", None) == "25006" or "readonly" in msg or "read-only" in msg:
            raise WriteRefused(f"query refused: the database is opened read-only ({msg})") from None
        raise
    return columns, rows


def plain(value):
    """A value as it should print: whole floats without '.0', dates in ISO form."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


def write(columns: list[str], rows: list[tuple], fmt: str, out: IO[str] = sys.stdout) -> None:
    if fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if v is None else plain(v) for v in r])
    elif fmt == "json":
        json.dump([dict(zip(columns, map(plain, r))) for r in rows], out, ensure_ascii=False, indent=1,
                  default=str)
        out.write("\n")
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(show_lines=False, caption=f"{len(rows)} row{'s' if len(rows) != 1 else ''}")
        for c in columns:
            table.add_column(c, overflow="fold")
        for r in rows:
            table.add_row(*("" if v is None else str(plain(v)) for v in r))
        Console(file=out, width=200 if not out.isatty() else None).print(table)
