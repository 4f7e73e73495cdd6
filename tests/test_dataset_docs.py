"""docs/dataset.md stays true: it prints the example queries as storage/example_queries.py holds
them, and every one of them runs through `govreports query` on real SQLite and PostgreSQL over
reports parsed by the real parser (the seeds and the ten real reports of 2017–2018)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from parsers.evaluate import pairs
from storage.archive import Archive
from storage.example_queries import EXAMPLES
from storage.ingest import ingest_paths
from test_storage import SEEDS, cli, db_url, engine, pg_database  # noqa: F401  (the databases of both backends)

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "dataset.md"
OLD = ROOT / "tests" / "data" / "old-statistics"
_EXAMPLE = re.compile(r"^### (\d+)\. (.+?)\n\n```sql\n(.*?)\n```", re.M | re.S)


def test_the_page_prints_the_example_queries_as_they_are():
    printed = [(int(n), title, sql) for n, title, sql in _EXAMPLE.findall(DOC.read_text(encoding="utf-8"))]
    assert [n for n, _, _ in printed] == list(range(1, len(EXAMPLES) + 1))
    assert [(title, sql) for _, title, sql in printed] == EXAMPLES


@pytest.fixture
def loaded(engine, tmp_path, db_url, query_role):  # noqa: F811
    counts = ingest_paths(engine, Archive(tmp_path / "archive"), [SEEDS] + [doc for doc, _ in pairs(OLD)])
    assert counts.failed == 0 and counts.inserted > 0, counts
    if db_url.startswith("postgresql"):
        query_role.grant(db_url)
    return db_url


def _query(url, sql):
    r = cli(url, "query", sql, "--format", "json")
    assert r.returncode == 0, (sql, r.stderr)
    return json.loads(r.stdout)


def test_every_example_query_runs(loaded):
    results = {i: _query(loaded, sql) for i, (_, sql) in enumerate(EXAMPLES, 1)}
    old_2017 = sum(json.loads(p.read_text(encoding="utf-8"))["year"] == 2017 for p in OLD.glob("*.json"))
    by_year = {row["year"]: row for row in results[9]}
    assert by_year[2017]["reports_2016_form"] == old_2017 and by_year[2017]["reports_national"] == 0
    assert by_year[2017]["applications"] == 0  # each of them states it received none, in words
    assert any(row["reports_national"] for row in results[9])


def test_a_query_with_no_rows_prints_its_columns(loaded):
    """An empty result is a result (its header), on PostgreSQL as on SQLite — not a refusal."""
    r = cli(loaded, "query", "SELECT report_id, proactive_total FROM stats_wide WHERE report_id < 0", "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "report_id,proactive_total"
    r = cli(loaded, "query", "SET search_path = public" if loaded.startswith("postgresql") else "PRAGMA user_version = 3")
    assert r.returncode == 1 and "query refused" in r.stderr
