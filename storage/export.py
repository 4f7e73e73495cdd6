"""Export the tables and views to CSV or Parquet files, one file each, streamed in chunks."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import inspect, text, types
from sqlalchemy.engine import Engine

from .query import plain
from .views import template_views

TABLES = ("regions", "sites", "documents", "report_versions", "figures", "findings", "report_sections",
          "application_totals")
VIEWS = ("reports", "table2_wide", "table3_wide", "table4_wide") + tuple(template_views())
CHUNK = 50_000


def _arrow_type(sa_type):
    import pyarrow as pa

    if isinstance(sa_type, types.Boolean):
        return pa.bool_()
    if isinstance(sa_type, (types.Integer,)):
        return pa.int64()
    if isinstance(sa_type, (types.Float, types.Numeric)):
        return pa.float64()
    if isinstance(sa_type, types.DateTime):
        return pa.timestamp("us", tz="UTC")
    return pa.string()


def _cell(value, json_col: bool):
    if json_col and value is not None and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return value


def export(engine: Engine, out_dir: str | Path, fmt: str) -> dict[str, int]:
    """Write DIR/<name>.csv|.parquet for every table and view; returns rows written per name."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    insp = inspect(engine)
    written = {}
    for name in TABLES + VIEWS:
        reflected = {c["name"]: c["type"] for c in insp.get_columns(name)}
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True).execute(text(f"SELECT * FROM {name}"))
            columns = list(result.keys())
            json_cols = {c for c in columns if isinstance(reflected.get(c), types.JSON)}
            if fmt == "csv":
                written[name] = _write_csv(out / f"{name}.csv", columns, result)
            else:
                written[name] = _write_parquet(out / f"{name}.parquet", columns, result, reflected,
                                               json_cols)
    return written


def _write_csv(path: Path, columns, result) -> int:
    n = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in result:
            w.writerow(["" if v is None else (json.dumps(v, ensure_ascii=False)
                                              if isinstance(v, (dict, list)) else plain(v)) for v in r])
            n += 1
    return n


def _write_parquet(path: Path, columns, result, reflected, json_cols) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = None
    writer = None
    n = 0
    try:
        while True:
            chunk = result.fetchmany(CHUNK)
            if not chunk and writer is not None:
                break
            data = {c: [_cell(r[i], c in json_cols) for r in chunk] for i, c in enumerate(columns)}
            if schema is None:
                schema = pa.schema([(c, _column_type(reflected.get(c), data[c], c in json_cols))
                                    for c in columns])
                writer = pq.ParquetWriter(path, schema)
            writer.write_table(pa.table({c: pa.array(_coerce(data[c], schema.field(c).type),
                                                     type=schema.field(c).type) for c in columns},
                                        schema=schema))
            n += len(chunk)
            if not chunk:
                break
    finally:
        if writer is not None:
            writer.close()
    return n


def _column_type(sa_type, values, is_json):
    import pyarrow as pa

    if is_json:
        return pa.string()
    if sa_type is not None and not isinstance(sa_type, types.NullType):
        return _arrow_type(sa_type)
    # Views on SQLite carry no declared types: judge by the values.
    sample = [v for v in values if v is not None]
    if sample and all(isinstance(v, bool) for v in sample):
        return pa.bool_()
    if sample and all(isinstance(v, int) and not isinstance(v, bool) for v in sample):
        return pa.int64()
    if sample and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in sample):
        return pa.float64()
    return pa.string()


def _coerce(values, arrow_type):
    import pyarrow as pa

    if arrow_type == pa.string():
        return [None if v is None else str(plain(v)) if not isinstance(v, str) else v for v in values]
    if arrow_type == pa.float64():
        return [None if v is None else float(v) for v in values]
    if arrow_type == pa.int64():
        return [None if v is None else int(v) for v in values]
    if pa.types.is_timestamp(arrow_type):
        return [_utc(v) for v in values]
    if arrow_type == pa.bool_():
        return [None if v is None else bool(v) for v in values]
    return values


def _utc(v):
    """SQLite hands timestamps back as naive values (stored in UTC) or ISO strings."""
    from datetime import datetime, timezone

    if v is None:
        return None
    if isinstance(v, str):
        v = datetime.fromisoformat(v)
    return v if v.tzinfo else v.replace(tzinfo=timezone.utc)
