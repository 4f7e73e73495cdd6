"""Storage benchmark: ingest rate into SQLite and PostgreSQL, and the latency of every example query (docs/dataset.md)
over 100,000 synthetic reports in PostgreSQL.

    .venv/bin/python benchmarks/bench_storage.py [--pg URL] [--reports 100000] [--ingest 1000]

Synthetic reports are the seeds' and corpus's parsed reports with varied figures (printed text
rewritten to match the varied number), spread over bodies, years 2019-2024 and counties.
Ingest is measured through storage.store (archive + upsert, one transaction per report); the
100,000-report database is then grown inside PostgreSQL from those rows (INSERT ... SELECT).
"""
from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from storage import migrate  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.example_queries import EXAMPLES  # noqa: E402
from storage.ingest import iter_files, raw_from_file  # noqa: E402
from storage.totals import fill_sql  # noqa: E402
from storage.store import Counts, RawDocument, ensure_region, store  # noqa: E402

SOURCES = [ROOT / "samples" / "reports", Path("/work/shared/corpus")]
YEARS = list(range(2019, 2025))


def base_documents():
    """(raw document, parsed report) for every sample that has a table 3."""
    import parsers

    out = []
    for f in iter_files([s for s in SOURCES if s.exists()]):
        raw = raw_from_file(f)
        rep = parsers.parse_document(raw.data, raw.content_type, raw.url)
        if rep.tables.get("table3"):
            out.append((raw, rep))
    return out


def counties(n: int) -> list[str]:
    """n county codes under the 31 mainland provinces: PP(01..)(01..)."""
    provinces = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
                 "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"]
    codes = []
    i = 0
    while len(codes) < n:
        p = provinces[i % len(provinces)]
        pref, county = 1 + (i // len(provinces)) // 20, 1 + (i // len(provinces)) % 20
        codes.append(f"{p}{pref:02d}{county:02d}")
        i += 1
    return codes


def synthetic(bases, i: int, county_codes):
    """The i-th synthetic report: a base report with varied figures, its own body, year and county."""
    raw, rep = bases[i % len(bases)]
    rep = copy.deepcopy(rep)
    body_no = i // len(YEARS)
    rep.agency = f"合成{body_no}号机关"
    rep.year = YEARS[i % len(YEARS)]
    rep.region_code = county_codes[body_no % len(county_codes)]
    factor = 1 + (i % 17) / 10
    for c in rep.cells():
        if c.kind == "number" and c.unit is None and c.number is not None:
            c.number = round(c.number * factor)
            c.text = str(c.number)
    doc = RawDocument(raw.data + f"\n<!-- synthetic {i} -->".encode(), url=f"https://bench.example.gov.cn/{i}.html",
                      content_type=raw.content_type, http_status=200)
    return doc, rep


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a local process (the PostgreSQL backend serving us)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _store_slice(url: str, bases, indexes, county_codes, archive_root: str) -> dict:
    """Store synthetic reports `indexes` through storage.store; wall and CPU seconds spent."""
    engine = make_engine(url)
    items = [synthetic(bases, i, county_codes) for i in indexes]
    archive = Archive(archive_root)
    counts = Counts()
    backend = None
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            backend = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    server0 = _cpu_seconds(backend) if backend else 0.0
    client0, t0 = time.process_time(), time.perf_counter()
    for doc, rep in items:
        archive.put(doc.data)
        store(engine, doc, rep, counts)
    t1 = time.perf_counter()
    out = {"n": counts.inserted, "wall": t1 - t0, "start": t0, "end": t1, "client_cpu": time.process_time() - client0,
           "server_cpu": (_cpu_seconds(backend) - server0) if backend else 0.0}
    engine.dispose()
    assert counts.inserted == len(items), counts.summary()
    return out


def bench_ingest(url: str, bases, n: int, county_codes, workers: int = 1, offset: int = 0) -> dict:
    """Store n synthetic reports with `workers` processes, each its own connection."""
    from concurrent.futures import ProcessPoolExecutor

    migrate.upgrade(url)
    with tempfile.TemporaryDirectory() as tmp:
        if workers == 1:
            return _store_slice(url, bases, range(offset, offset + n), county_codes, tmp)
        slices = [range(offset + w, offset + n, workers) for w in range(workers)]
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_store_slice, [url] * workers, [bases] * workers, slices,
                                  [county_codes] * workers, [tmp] * workers))
    # From the first worker's first write to the last worker's last (perf_counter is the
    # system-wide monotonic clock on Linux): process start-up and test-data generation excluded.
    wall = max(p["end"] for p in parts) - min(p["start"] for p in parts)
    return {"n": sum(p["n"] for p in parts), "wall": wall,
            "client_cpu": sum(p["client_cpu"] for p in parts),
            "server_cpu": sum(p["server_cpu"] for p in parts)}


def describe(label: str, r: dict) -> str:
    rate = r["n"] / r["wall"]
    cpu = r["client_cpu"] + r["server_cpu"]
    line = f"ingest {label:<28} {rate:7.1f} reports/s ({r['n']} reports, {r['wall']:.1f} s wall"
    if cpu:
        line += (f"; CPU per report: client {1000 * r['client_cpu'] / r['n']:.1f} ms"
                 + (f" + server {1000 * r['server_cpu'] / r['n']:.1f} ms" if r["server_cpu"] else "")
                 + f" = {r['n'] / cpu:.0f} reports per CPU-second")
    return line + ")"


def grow(url: str, target: int, county_codes) -> float:
    """Add synthetic reports inside PostgreSQL until `reports` holds `target` rows."""
    engine = create_engine(url)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        have = conn.execute(text("SELECT COUNT(*) FROM report_versions")).scalar()
        for code in county_codes:
            ensure_region(conn, code)
        conn.execute(text("UPDATE regions SET name = '合成' || code WHERE name IS NULL"))
        conn.execute(text("CREATE TEMP TABLE county_codes (k int, code text) ON COMMIT DROP"))
        conn.execute(text("INSERT INTO county_codes VALUES (:k, :c)"),
                     [{"k": k, "c": c} for k, c in enumerate(county_codes)])
        conn.execute(text(f"""
            CREATE TEMP TABLE gen ON COMMIT DROP AS
            SELECT g, b.id AS base_id, md5('a' || g) || md5('b' || g) AS sha,
                   '合成' || (g / {len(YEARS)}) || '号单位' AS agency, {YEARS[0]} + g % {len(YEARS)} AS year,
                   cc.code AS region_code
            FROM generate_series({have}, {target - 1}) g
            JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM report_versions) b
              ON b.k = g % {have}
            JOIN county_codes cc ON cc.k = (g / {len(YEARS)}) % {len(county_codes)}"""))
        conn.execute(text("""
            INSERT INTO documents (sha256, url, size, stored_at, content_type, http_status)
            SELECT sha, 'https://bench.example.gov.cn/g' || g || '.html', 10000, now(), 'text/html', 200
            FROM gen"""))
        conn.execute(text("""
            INSERT INTO report_versions (document_id, report_key, body, version, is_latest, agency,
                region_code, year, template, status, reasons, layout, parser_version, parsed_at,
                content_digest)
            SELECT d.id, gen.agency || '|' || gen.year, gen.agency, 1, true, gen.agency, gen.region_code,
                   gen.year, b.template, b.status, b.reasons, b.layout, b.parser_version, now(), gen.sha
            FROM gen JOIN documents d ON d.sha256 = gen.sha JOIN report_versions b ON b.id = gen.base_id"""))
        conn.execute(text("""
            CREATE TEMP TABLE gmap ON COMMIT DROP AS
            SELECT gen.g, rv.id AS report_id, gen.base_id
            FROM gen JOIN documents d ON d.sha256 = gen.sha JOIN report_versions rv ON rv.document_id = d.id"""))
        # Bulk load without the figure indexes, then build them once (what a bulk import would do).
        conn.execute(text("ALTER TABLE figures DROP CONSTRAINT pk_figures"))
        conn.execute(text("DROP INDEX ix_figures_lookup"))
        conn.execute(text("""
            INSERT INTO figures (report_id, table_name, row_key, col, row_pos, col_key, text, number, kind,
                                 unit, amount_wan, ambiguous, inferred)
            SELECT m.report_id, f.table_name, f.row_key, f.col, f.row_pos, f.col_key,
                   CASE WHEN f.kind = 'number' AND f.unit IS NULL
                        THEN CAST(round(CAST(f.number * (1 + (m.g % 13) / 10.0) AS numeric)) AS bigint)::text
                        ELSE f.text END,
                   CASE WHEN f.kind = 'number' AND f.unit IS NULL
                        THEN round(CAST(f.number * (1 + (m.g % 13) / 10.0) AS numeric))::float8
                        ELSE f.number END,
                   f.kind, f.unit, f.amount_wan, f.ambiguous, f.inferred
            FROM gmap m JOIN figures f ON f.report_id = m.base_id"""))
        conn.execute(text("ALTER TABLE figures ADD CONSTRAINT pk_figures "
                          "PRIMARY KEY (report_id, table_name, row_key, col)"))
        conn.execute(text("CREATE INDEX ix_figures_lookup ON figures "
                          "(table_name, row_key, col_key, report_id, number)"))
        conn.execute(text(fill_sql("report_id IN (SELECT report_id FROM gmap)")))
        conn.execute(text("""
            INSERT INTO findings (report_id, rule, message, table_name, row_key, col_key, expected,
                                  actual, severity)
            SELECT m.report_id, f.rule, f.message, f.table_name, f.row_key, f.col_key, f.expected,
                   f.actual, f.severity
            FROM gmap m JOIN findings f ON f.report_id = m.base_id"""))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - t0


def time_queries(url: str, repeat: int = 3):
    """Each example as `govreports query` runs it: as a read-only role of its own (made here and
    dropped after), connection and role check included."""
    import uuid

    import psycopg

    from storage import query
    from storage.db import pg_connect_args
    from storage.reader import create_reader, drop_reader

    role = f"bench_reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(autocommit=True, **pg_connect_args(url)) as conn:
        create_reader(conn, role)
    results = []
    try:
        for title, sql in EXAMPLES:
            query.run(url, sql, role=role)  # warm the cache: steady-state latency is what an analyst sees
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                _, rows, _ = query.run(url, sql, role=role)
                times.append(time.perf_counter() - t0)
            results.append((title, statistics.median(times), len(rows)))
    finally:
        with psycopg.connect(autocommit=True, **pg_connect_args(url)) as conn:
            drop_reader(conn, role)
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", default=os.environ.get("GOVREPORTS_TEST_PG",
                                                   "postgresql+psycopg2://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--ingest", type=int, default=1000, help="reports stored one by one per backend")
    ap.add_argument("--workers", type=int, default=4, help="concurrent ingest processes into PostgreSQL")
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL benchmark database")
    args = ap.parse_args(argv)

    bases = base_documents()
    codes = counties(2000)
    print(f"base reports with table 3: {len(bases)}")

    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(other processes on the machine slow every figure below)")
    with tempfile.TemporaryDirectory() as tmp:
        r = bench_ingest(f"sqlite:///{tmp}/bench.db", bases, args.ingest, codes)
        print(describe("SQLite, 1 process", r))

    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    name = f"govreports_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
    failed = False
    try:
        r = bench_ingest(url, bases, args.ingest, codes)
        print(describe("PostgreSQL, 1 process", r))
        best = r["n"] / r["wall"]
        for k, workers in enumerate(sorted({2, args.workers}), 1):
            r = bench_ingest(url, bases, args.ingest * workers // 2, codes, workers=workers,
                             offset=k * 10 * args.ingest)
            best = max(best, r["n"] / r["wall"])
            print(describe(f"PostgreSQL, {workers} processes", r))
        print(f"ingest PostgreSQL best: {best:.1f} reports/s  target >= 200/s: "
              f"{'ok' if best >= 200 else 'MISSED'}")
        failed |= best < 200
        secs = grow(url, args.reports, codes)
        n = create_engine(url).connect().execute(text("SELECT COUNT(*) FROM reports")).scalar()
        nf = create_engine(url).connect().execute(text("SELECT COUNT(*) FROM figures")).scalar()
        print(f"grew to {n} reports / {nf} figures in PostgreSQL in {secs:.0f} s")
        print(f"example queries (docs/dataset.md) at {n} reports (median of 3, warm):")
        for i, (title, secs, rows) in enumerate(time_queries(url), 1):
            ok = secs < 1.0
            failed |= not ok
            print(f"  Q{i} {secs * 1000:7.1f} ms  {rows:3d} rows  {'ok' if ok else 'OVER 1 s'}  {title}")
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            print(f"kept database {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
