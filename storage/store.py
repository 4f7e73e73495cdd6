"""Idempotent writes of one parsed document: document, report version, figures, findings, sections.

Modelled on openstates-core's importers: each write is an upsert that reports whether it inserted,
updated or left the row unchanged, decided by comparing a digest of everything derived.
Each document is written in its own transaction, retried when a concurrent writer wins a race on
a unique constraint, so two workers storing the same documents leave one copy.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from parsers import STORED_STATUSES
from parsers.record import Report

from . import fetches
from . import models as m
from .errors import StoreConflict
from .fetches import Fetch
from .hints import NO_HINTS, Hints, hints_applied
from .identity import body_of, host_of, report_key_of
from .regions import is_region_code, level_of, parent_of
from .totals import TOTALS_FIELDS, application_totals

INSERTED, UPDATED, UNCHANGED = "inserted", "updated", "unchanged"
SKIPPED = "skipped"  # a document recorded and parsed that is not a report (no report version)
KNOWN = "govreports_known_rows"


@dataclass
class RawDocument:
    """The raw bytes of one fetched document and what the fetch said about them."""

    data: bytes
    url: str | None = None
    content_type: str | None = None
    encoding: str | None = None
    fetched_at: datetime | None = None
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Counts:
    """Outcome of a batch of writes, per report."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    new_versions: int = 0  # inserted reports of a body-year stored before (another version of it)
    skipped: int = 0  # documents that are not reports (kept in documents and the archive only)
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def summary(self) -> str:
        return (f"{self.inserted} inserted ({self.new_versions} new versions), {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.skipped} not reports, {self.failed} failed")


def _insert(conn: Connection, table):
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _now() -> datetime:
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------- derived rows

FIGURE_COLUMNS = ("table_name", "row_key", "col", "row_pos", "col_key", "text", "number", "kind", "unit",
                  "amount_wan", "ambiguous", "inferred", "candidates", "source")
_TABLE, _ROW, _COL_KEY, _NUMBER = (FIGURE_COLUMNS.index(c) for c in ("table_name", "row_key", "col_key", "number"))
FINDING_COLUMNS = ("rule", "message", "table_name", "row_key", "col_key", "expected", "actual", "severity")
SECTION_COLUMNS = ("section", "text")
TOTALS_COLUMNS = TOTALS_FIELDS


_encode_json = json.JSONEncoder(ensure_ascii=False).encode  # one encoder, not one per cell


def _json(value) -> str | None:
    return None if value is None else _encode_json(value)


# Statements of the per-report hot path, built once per dialect (SQLAlchemy then reuses their
# compiled form instead of rebuilding ~10 statements for every report).
_STATEMENTS: dict[tuple[str, str], object] = {}


def _statement(conn: Connection, name: str):
    key = (conn.dialect.name, name)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = _build_statement(conn, name)
    return _STATEMENTS[key]


def _build_statement(conn: Connection, name: str):
    docs, rv = m.Document.__table__, m.ReportVersion.__table__
    if name == "insert_document":
        cols = ("sha256", "url", "site_id", "fetched_at", "http_status", "content_type", "encoding",
                "etag", "last_modified", "size", "stored_at", "hints", "parser_version", "status")
        return (_insert(conn, docs).values({c: bindparam(c, type_=docs.c[c].type) for c in cols})
                .on_conflict_do_nothing(index_elements=["sha256"]).returning(docs.c.id))
    if name == "insert_report":
        cols = ("document_id", "report_key", "body", "is_latest", "parser_version", "parsed_at",
                "content_digest", "agency", "agency_source", "region_code", "site_id_code", "year", "template", "status",
                "reasons", "title", "publication_date", "layout")
        next_version = (select(func.coalesce(func.max(rv.c.version), 0) + 1)
                        .where(rv.c.report_key == bindparam("report_key")).scalar_subquery())
        values = {c: bindparam(c, type_=rv.c[c].type) for c in cols}
        return rv.insert().values(version=next_version, **values).returning(rv.c.id, rv.c.version)
    raise KeyError(name)


def derive(report: Report) -> dict:
    """Everything storage keeps of a Report, as plain rows (no ids yet), plus its digest."""
    columns = {
        "agency": report.agency,
        "agency_source": report.agency_source if report.agency else None,
        "region_code": report.region_code if is_region_code(report.region_code) else None,
        "site_id_code": report.site_id_code,
        "year": report.year,
        "template": report.template,
        "status": report.status,
        "reasons": list(report.reasons),
        "title": report.title,
        "publication_date": report.publication_date,
        "layout": report.layout,
    }
    row_pos = {(t, r): i for t, rows in report.tables.items() for i, r in enumerate(rows or {})}
    figures = [  # in FIGURE_COLUMNS order; tuples, because a report has ~200 of them
        (c.table, c.row, c.col, row_pos.get((c.table, c.row)), c.col_key, c.text,
         None if c.number is None else float(c.number), c.kind, c.unit, c.amount_wan,
         bool(c.ambiguous), bool(c.inferred), _json(c.candidates), _json(c.source or None))
        for c in report.cells()
    ]
    findings = [(f.rule, f.message, f.table, f.row, f.col, f.expected, f.actual, f.severity)
                for f in report.findings]
    sections = [(k, v) for k, v in report.narrative.items() if v is not None]
    digest = hashlib.sha256(
        json.dumps([columns, figures, findings, sections], sort_keys=True, ensure_ascii=False,
                   default=str).encode()
    ).hexdigest()
    return {"columns": columns, "figures": figures, "findings": findings, "sections": sections,
            "digest": digest}


# ---------------------------------------------------------------- reference rows

def _known(conn: Connection) -> dict:
    """Regions and sites this DBAPI connection has already seen committed, to skip round trips.
    Forgotten whenever a transaction fails (see with_retry)."""
    return conn.connection.info.setdefault(KNOWN, {"regions": set(), "sites": {}})


def ensure_region(conn: Connection, code: str | None) -> None:
    """Make sure a region and its parents exist (a code seen in data but not in the seed list)."""
    if not is_region_code(code) or code in _known(conn)["regions"]:
        return
    chain = []
    c = code
    while c:
        chain.append(c)
        c = parent_of(c)
    for c in reversed(chain):  # parents first, for the foreign key
        conn.execute(
            _insert(conn, m.Region.__table__)
            .values(code=c, name=None, parent_code=parent_of(c), level=level_of(c))
            .on_conflict_do_nothing(index_elements=["code"])
        )
    _known(conn)["regions"].add(code)


def ensure_site(conn: Connection, url: str | None) -> int | None:
    host = host_of(url)
    if not host:
        return None
    known = _known(conn)["sites"]
    if host not in known:
        sites = m.Site.__table__
        conn.execute(_insert(conn, sites).values(host=host).on_conflict_do_nothing(index_elements=["host"]))
        known[host] = conn.execute(select(sites.c.id).where(sites.c.host == host)).scalar_one()
    return known[host]


def ensure_document(conn: Connection, doc: RawDocument, sha: str, hints: Hints = NO_HINTS,
                    report: Report | None = None) -> tuple[int, bool, Fetch]:
    """The document's id, whether this call created it, and its primary fetch (storage.fetches):
    this fetch is recorded among the document's fetches, and the document row carries the
    primary's metadata. Where this fetch becomes the primary with another URL or content type,
    the document's parse state is cleared: its report must be derived again, from this fetch."""
    docs = m.Document.__table__
    values = dict(
        url=doc.url, site_id=ensure_site(conn, doc.url), fetched_at=doc.fetched_at,
        http_status=doc.http_status, content_type=doc.content_type, encoding=doc.encoding,
        etag=doc.etag, last_modified=doc.last_modified, hints=hints.to_json(),
    )
    new_id = conn.execute(_statement(conn, "insert_document"), dict(
        values, sha256=sha, size=len(doc.data), stored_at=_now(),
        parser_version=report.parser_version if report else None, status=report.status if report else None,
    )).scalar()
    if new_id is not None:
        fetches.record(conn, new_id, values)
        return new_id, True, fetches.fetch_of(values)
    row = conn.execute(select(docs.c.id, *(docs.c[k] for k in fetches.METADATA)).where(docs.c.sha256 == sha)).one()
    fetches.record(conn, row.id, values)
    first = fetches.primary(conn, row.id)
    stored = fetches.fetch_of(row._asdict())
    if first != stored:  # the primary is this fetch now, or it gained the hints it lacked
        changes = first.document_values()
        if not first.parses_like(stored.url, stored.content_type):
            changes.update(parser_version=None, status=None)  # parsed from another fetch: not any more
        conn.execute(update(docs).where(docs.c.id == row.id).values(**changes))
    return row.id, False, first


def bulk_insert(conn: Connection, batches: list[tuple[str, tuple, list[tuple]]]) -> None:
    """Insert rows (tuples in `columns` order) into several tables. PostgreSQL: COPY for a batch
    of many rows (the server need not parse a statement with thousands of literals), the small
    ones together in one multi-statement round trip. SQLite: executemany."""
    if conn.dialect.name != "postgresql":
        for table, columns, rows in batches:
            if rows:
                conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                                     "(" + ", ".join("?" * len(columns)) + ")", rows)
        return
    cur = conn.connection.cursor()
    statements = []
    for table, columns, rows in batches:
        if len(rows) >= COPY_THRESHOLD:
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC).writerows(
                [[_NULL if v is None else v for v in row] for row in rows])
            buf.seek(0)
            cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buf)
        elif rows:
            one = "(" + ", ".join(["%s"] * len(columns)) + ")"
            statements.append(cur.mogrify(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                                          + ", ".join([one] * len(rows)), [v for r in rows for v in r]))
    if statements:
        cur.execute(b";\n".join(statements))
    cur.close()


COPY_THRESHOLD = 20


class _Null(float):
    """csv.writer with QUOTE_NONNUMERIC quotes every string (so a printed "" stays an empty text)
    and writes numbers bare; this 'number' is written bare and empty, which COPY reads as NULL.
    (Python 3.11's csv quotes None as "", which would be an empty string.)"""

    def __str__(self) -> str:
        return ""

    __repr__ = __str__


_NULL = _Null()


# ---------------------------------------------------------------- report versions

# Which version of a body-year is its current one (`is_latest`, what `reports` shows): a function
# of the versions themselves, never of the order they arrived in (docs/dataset.md, "Identity and
# versions"). The most trustworthy reading first, then the later publication (a correction that
# reads as well as what it corrects supersedes it), then the most cells; the smallest sha256 ends
# every tie. A copy is not known to be a correction: a reprint elsewhere is dated later too, so the
# date comes after the reading, lest a later, worse copy hide an exact one. Migration 0011 freezes
# this SQL; changing it takes a migration that recomputes is_latest.
CURRENT_STATUS_ORDER = ("ok", "needs_review", "unknown_template", "pre_template", "over_limit", "unreadable")
CURRENT_ORDER = (
    "CASE c.status " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(CURRENT_STATUS_ORDER))
    + f" ELSE {len(CURRENT_STATUS_ORDER)} END, "
    "(SELECT COUNT(*) FROM figures f WHERE f.report_id = c.id AND (f.ambiguous OR f.kind = 'unreadable')), "
    "(SELECT COUNT(*) FROM findings x WHERE x.report_id = c.id AND x.severity = 'error'), "
    "(SELECT COUNT(*) FROM figures f WHERE f.report_id = c.id) DESC, "
    "c.publication_date IS NULL, c.publication_date DESC, "
    "d.sha256"
)
_REFRESH_LATEST = text(
    "UPDATE report_versions SET is_latest = (id = ("
    "SELECT c.id FROM report_versions c JOIN documents d ON d.id = c.document_id "
    f"WHERE c.report_key = :key ORDER BY {CURRENT_ORDER} LIMIT 1)) "
    "WHERE report_key = :key"
)


def lock_report_keys(conn: Connection, *keys: str) -> None:
    """Writers of one body-year one after the other, until the transaction ends (PostgreSQL: a
    transaction-level advisory lock per report_key, taken in key order so two writers never wait
    for each other). refresh_latest reads the versions its statement can see: without the lock a
    writer choosing the current version while another's reparse of a version was uncommitted chose
    among the versions as they were before it, and a worse one stayed current. SQLite writes one
    transaction at a time already."""
    if conn.dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        digest = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": digest})


def refresh_latest(conn: Connection, report_key: str) -> None:
    """Exactly one version of a body-year is the latest one: the first by CURRENT_ORDER. Run in the
    transaction that wrote a version of it, after its figures and findings."""
    conn.execute(_REFRESH_LATEST, {"key": report_key})


def _next_version(conn: Connection, report_key: str) -> int:
    rv = m.ReportVersion.__table__
    return (conn.execute(select(func.max(rv.c.version)).where(rv.c.report_key == report_key)).scalar()
            or 0) + 1


def _write_children(conn: Connection, report_id: int, rows: dict) -> None:
    key = (report_id,)
    batches = [
        ("figures", ("report_id",) + FIGURE_COLUMNS, [key + r for r in rows["figures"]]),
        ("findings", ("report_id",) + FINDING_COLUMNS, [key + r for r in rows["findings"]]),
        ("report_sections", ("report_id",) + SECTION_COLUMNS, [key + r for r in rows["sections"]]),
    ]
    totals = application_totals(rows["columns"]["template"],
                                ((f[_TABLE], f[_ROW], f[_COL_KEY], f[_NUMBER]) for f in rows["figures"]))
    if totals is not None:
        batches.append(("application_totals", ("report_id",) + TOTALS_COLUMNS,
                        [key + tuple(totals[c] for c in TOTALS_COLUMNS)]))
    bulk_insert(conn, batches)


def _delete_children(conn: Connection, report_id: int) -> None:
    for model in (m.Figure, m.Finding, m.ReportSection, m.ApplicationTotals):
        t = model.__table__
        conn.execute(t.delete().where(t.c.report_id == report_id))


def write_report(conn: Connection, document_id: int, sha: str, url: str | None,
                 report: Report, new_document: bool = False) -> tuple[str, int]:
    """Insert or update the report derived from one document; returns (outcome, version)."""
    rv = m.ReportVersion.__table__
    rows = derive(report)
    cols = rows["columns"]
    body = body_of(report.agency, report.site_id_code, url, sha)
    key = report_key_of(body, report.year, sha, cols["region_code"])
    ensure_region(conn, cols["region_code"])
    existing = None if new_document else conn.execute(  # a new document has no report yet
        select(rv.c.id, rv.c.report_key, rv.c.content_digest, rv.c.parser_version)
        .where(rv.c.document_id == document_id)
    ).first()
    if existing is None or existing.content_digest != rows["digest"] or existing.report_key != key:
        lock_report_keys(conn, key, *([existing.report_key] if existing is not None else []))

    if existing is None:
        # The version is numbered inside the INSERT (one round trip); a concurrent writer that took
        # the same number makes the unique constraint fail and with_retry try again.
        values = dict(document_id=document_id, report_key=key, body=body, is_latest=True,
                      parser_version=report.parser_version, parsed_at=_now(),
                      content_digest=rows["digest"], **cols)
        report_id, version = conn.execute(_statement(conn, "insert_report"), values).one()
        _write_children(conn, report_id, rows)
        if version > 1:  # a first version is the latest by construction
            refresh_latest(conn, key)
        return INSERTED, version

    if existing.content_digest == rows["digest"] and existing.report_key == key:
        if existing.parser_version != report.parser_version:  # same output, newer parser: record it
            conn.execute(update(rv).where(rv.c.id == existing.id)
                         .values(parser_version=report.parser_version, parsed_at=_now()))
        return UNCHANGED, None

    changes = dict(cols, body=body, parser_version=report.parser_version, parsed_at=_now(),
                   content_digest=rows["digest"])
    if existing.report_key != key:  # a newer parser read another body or year: move the version
        changes.update(report_key=key, version=_next_version(conn, key))
    conn.execute(update(rv).where(rv.c.id == existing.id).values(**changes))
    _delete_children(conn, existing.id)
    _write_children(conn, existing.id, rows)
    refresh_latest(conn, key)
    if existing.report_key != key:
        refresh_latest(conn, existing.report_key)
    return UPDATED, changes.get("version")


def stored_parser_version(conn: Connection, sha: str) -> str | None:
    """The parser version that last parsed these bytes, None if they were never stored."""
    d = m.Document.__table__
    return conn.execute(select(d.c.parser_version).where(d.c.sha256 == sha)).scalar()


def write_parsed(conn: Connection, document_id: int, sha: str, url: str | None, report: Report,
                 hints: Hints = NO_HINTS, new_document: bool = False) -> tuple[str, int | None]:
    """What the parser made of a stored document: the document marked as parsed (parser version
    and status), and its report with `hints` applied written — unless it is not a report
    (STORED_STATUSES) and none was stored for it before: then SKIPPED."""
    if not new_document:
        d = m.Document.__table__
        conn.execute(update(d).where(d.c.id == document_id)
                     .values(parser_version=report.parser_version, status=report.status))
    if report.status not in STORED_STATUSES:
        rv = m.ReportVersion.__table__
        if new_document or conn.execute(select(rv.c.id).where(rv.c.document_id == document_id)).first() is None:
            return SKIPPED, None
    return write_report(conn, document_id, sha, url, hints_applied(report, hints), new_document=new_document)


def _retryable(exc: DBAPIError) -> bool:
    if isinstance(exc, IntegrityError):  # a concurrent writer inserted the same row first
        return True
    code = getattr(exc.orig, "pgcode", None)
    if code in ("40001", "40P01"):  # serialization failure, deadlock
        return True
    return isinstance(exc, OperationalError) and "locked" in str(exc.orig)


def with_retry(engine: Engine, fn, attempts: int = 8):
    """Run fn(conn) in one transaction, again if it lost a race to another writer."""
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                try:
                    return fn(conn)
                except BaseException:
                    conn.connection.info.pop(KNOWN, None)  # it may name rows now rolled back
                    raise
        except DBAPIError as exc:
            if attempt == attempts - 1 or not _retryable(exc):
                raise
            time.sleep(0.02 * (attempt + 1))


def store(engine: Engine, doc: RawDocument, report: Report, counts: Counts | None = None,
          sha: str | None = None, hints: Hints = NO_HINTS, parse=None) -> str:
    """Store one fetch of a document (`hints`: what its page said) and the report derived from the
    bytes (the caller archives the raw bytes first). `report` is the parse of `doc` (its bytes,
    content type and URL): it is stored where this fetch is the document's primary one
    (storage.fetches); else the primary's report stands, and where this parser has not derived
    it yet the bytes are parsed again with the primary's URL and content type (`parse`, default
    parsers.parse_document). Returns inserted / updated / unchanged / skipped."""
    sha = sha or doc.sha256
    if doc.encoding is None and report.encoding:  # a local file's encoding is what the parser detected
        doc = replace(doc, encoding=report.encoding)
    primary_of: list = []

    def _write(conn: Connection):
        primary_of.clear()
        document_id, created, first = ensure_document(conn, doc, sha, hints, report)
        if first.parses_like(doc.url, doc.content_type):
            return write_parsed(conn, document_id, sha, first.document_url, report, first.parse_hints,
                                new_document=created)
        d = m.Document.__table__
        if conn.execute(select(d.c.parser_version).where(d.c.id == document_id)).scalar() == report.parser_version:
            return UNCHANGED, None  # the primary fetch's report, by this parser, is stored
        primary_of.append((document_id, first))
        return None, None

    outcome, version = with_retry(engine, _write)
    for _ in range(8):  # another fetch's report to derive; again if the primary changed meanwhile
        if outcome is not None:
            break
        document_id, first = primary_of[0]
        if parse is None:
            from parsers import parse_document as parse
        again = parse(doc.data, first.content_type, first.document_url)

        def _write_primary(conn: Connection):
            now = fetches.primary(conn, document_id)
            if now != first:
                primary_of[:] = [(document_id, now)]
                return None, None
            return write_parsed(conn, document_id, sha, first.document_url, again, first.parse_hints)

        outcome, version = with_retry(engine, _write_primary)
        first = primary_of[0][1]
    if outcome is None:
        raise StoreConflict(f"document {sha[:12]}: its primary fetch kept changing while it was stored (other writers "
                            "of the same document); run the command again to store it")
    if counts is not None:
        counts.add(outcome)
        if outcome == INSERTED and version > 1:
            counts.new_versions += 1
    return outcome
