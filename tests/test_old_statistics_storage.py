"""The 2016–2018 statistics in storage, on real SQLite and PostgreSQL: real reports of those years
parsed by the real parser and ingested give their figures in `stats_wide` (one row per report, the
year's figure and the cumulative one); `query` reads the view and `export` writes it; the frozen
view of migration 0009 is what template 2016 asks for today."""
from __future__ import annotations

import csv
import json
from importlib import import_module
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from parsers.evaluate import pairs
from parsers.templates import by_name
from storage.archive import Archive
from storage.db import make_engine
from storage.ingest import ingest_paths
from storage.views import column_name, template_views
from test_storage import cli, db_url, engine, pg_database  # noqa: F401  (the databases of both backends)

DATA = Path(__file__).resolve().parent / "data" / "old-statistics"
STATS = by_name("2016").table("stats")


def _golds() -> dict[str, dict]:
    """{document file name: gold stats} of every gold file of the old statistics (its document
    beside it, or where its "document" field names it: two are kept in ../shared)."""
    return {doc.name: json.loads(gold.read_text(encoding="utf-8"))["truth"]["stats"] for doc, gold in pairs(DATA)}


def _name(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def test_the_frozen_view_is_what_the_template_asks_for():
    frozen = import_module("migrations.versions.0009_stats_wide_view").VIEWS["stats_wide"]
    assert frozen.strip() == template_views()["stats_wide"].strip(), (
        "template 2016's rows or columns changed: write a migration that recreates stats_wide")


@pytest.fixture
def loaded(engine, tmp_path, db_url, query_role):  # noqa: F811
    counts = ingest_paths(engine, Archive(tmp_path / "archive"), [doc for doc, _ in pairs(DATA)])
    assert counts.failed == 0 and counts.inserted == len(_golds()), counts
    if db_url.startswith("postgresql"):
        query_role.grant(db_url)
    return engine


def test_reports_of_2016_to_2018_give_their_figures_in_the_view(loaded):
    golds = _golds()
    expected_columns = ["report_id"] + [column_name(s.columns, s.key, c) for s in STATS.rows for c in s.columns]
    assert [c["name"] for c in inspect(loaded).get_columns("stats_wide")] == expected_columns
    with loaded.connect() as conn:
        rows = conn.execute(text(
            "SELECT r.url, r.template, s.* FROM reports r JOIN stats_wide s ON s.report_id = r.id"
        )).mappings().all()
        cumulative = conn.execute(text(
            "SELECT COUNT(*) FROM figures WHERE table_name = 'stats' AND col_key = 'cumulative' AND number IS NOT NULL"
        )).scalar()
    assert sorted(_name(r["url"]) for r in rows) == sorted(golds)
    seen_cumulative = 0
    for r in rows:
        gold = golds[_name(r["url"])]
        assert r["template"] == "2016"
        for spec in STATS.rows:
            printed = gold.get(spec.key) or []
            for i, col_key in enumerate(spec.columns):
                want = printed[i] if i < len(printed) and isinstance(printed[i], (int, float)) else None
                got = r[column_name(spec.columns, spec.key, col_key)]
                assert got == want, (_name(r["url"]), spec.key, col_key, got, want)
                seen_cumulative += i > 0 and got is not None
    assert seen_cumulative == cumulative > 0  # a form with 历年累计 is among them
    with loaded.connect() as conn:  # the national totals row is table 3's: the older form has none
        assert conn.execute(text("SELECT COUNT(*) FROM application_totals")).scalar() == 0


def test_query_reads_the_view_and_export_writes_it(loaded, db_url, tmp_path):  # noqa: F811
    golds = _golds()
    r = cli(db_url, "query", "SELECT r.url, s.proactive_total, s.proactive_total_cumulative "
            "FROM reports r JOIN stats_wide s ON s.report_id = r.id ORDER BY r.url", "--format", "json")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert sorted(_name(x["url"]) for x in got) == sorted(golds)
    for x in got:
        gold = golds[_name(x["url"])]["proactive_total"]
        assert x["proactive_total"] == gold[0]
        assert x["proactive_total_cumulative"] == (gold[1] if len(gold) > 1 else None)
    out = tmp_path / "export"
    r = cli(db_url, "export", "--format", "csv", str(out))
    assert r.returncode == 0, r.stderr
    with (out / "stats_wide.csv").open(encoding="utf-8") as f:
        exported = list(csv.DictReader(f))
    with make_engine(db_url).connect() as conn:
        ids = {str(i) for i in conn.execute(text("SELECT report_id FROM stats_wide")).scalars()}
    assert {row["report_id"] for row in exported} == ids and len(exported) == len(golds)
    assert all(row["proactive_total"] not in ("", None) for row in exported)
