"""Crawl runs and the crawl ledger: a record of every `govreports crawl`, and what each URL
looked like when last seen (so that the next run fetches only what changed).

``crawl_runs``  one row per run: start, end, mode, arguments, status, counts, errors.
``crawl_urls``  one row per URL the crawler met: as a list entry (title and date shown in the list,
                the run in which everything behind it was settled) and/or as a document (sha256,
                ETag, Last-Modified of the bytes last settled, and the outcome).
``crawl_sites`` one row per site of a run: its verdict (complete | incomplete, with the reasons) and
                what it rests on (reports, list lines, declared records, list pages); a full run
                compares each site with its previous full run (crawler.completeness).

The ledger is written as work is settled (a document after it is stored, an entry after all its
documents are), each write in its own transaction, so a crawl killed at any point leaves a ledger
that is true: a resumed run skips what the ledger says is done and redoes the rest.
"""
from __future__ import annotations

import hashlib
import os
import socket
from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, Integer, String, Text, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base
from .processes import process_alive
from .runstate import COUNTS, FAILED, FINISHED, INTERRUPTED, MAX_ERRORS, RUNNING, Known

__all__ = ["COUNTS", "FAILED", "FINISHED", "INTERRUPTED", "MAX_ERRORS", "RUNNING", "Known", "CrawlRun", "CrawlUrl",
           "CrawlSite", "start_run", "update_run", "list_runs", "load_ledger", "record_urls", "url_hash", "run_key",
           "record_sites", "previous_site_reports", "site_results"]


class CrawlRun(Base):
    """One `govreports crawl`: what was asked, when, and what came of it."""

    __tablename__ = "crawl_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_key: Mapped[str] = mapped_column(String(40), index=True)  # same arguments = same key
    mode: Mapped[str] = mapped_column(String(16))  # nightly | backfill | full
    arguments: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # running | finished | interrupted | failed
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # heartbeat
    resumed_from: Mapped[int | None] = mapped_column(Integer)  # the interrupted run this one continues
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list] = mapped_column(JSON)


class CrawlUrl(Base):
    """What the crawler knows of one URL (list entry and/or document)."""

    __tablename__ = "crawl_urls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the URL (URLs can be long)
    url: Mapped[str] = mapped_column(Text)
    site: Mapped[str | None] = mapped_column(String(64))
    # as a list entry
    list_title: Mapped[str | None] = mapped_column(Text)
    list_date: Mapped[str | None] = mapped_column(String(32))
    entry_run_id: Mapped[int | None] = mapped_column(Integer)  # run that last settled all behind it
    # as a document
    sha256: Mapped[str | None] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(16))  # stored | skipped
    doc_run_id: Mapped[int | None] = mapped_column(Integer)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CrawlSite(Base):
    """One site of one run: its verdict and the facts it rests on."""

    __tablename__ = "crawl_sites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer, index=True)
    site: Mapped[str] = mapped_column(String(64), index=True)
    mode: Mapped[str] = mapped_column(String(16))  # the run's mode: full | nightly | backfill
    verdict: Mapped[str] = mapped_column(String(16))  # complete | incomplete
    reasons: Mapped[list] = mapped_column(JSON)
    reports: Mapped[int] = mapped_column(Integer, default=0)  # stored this run, plus unchanged ones
    known_entries: Mapped[int] = mapped_column(Integer, default=0)
    entries: Mapped[int] = mapped_column(Integer, default=0)  # report links followed
    lines: Mapped[int] = mapped_column(Integer, default=0)  # list lines read
    declared_records: Mapped[int | None] = mapped_column(Integer)
    list_pages: Mapped[int] = mapped_column(Integer, default=0)
    offsite_links: Mapped[int] = mapped_column(Integer, default=0)
    family: Mapped[str | None] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


SITE_FIELDS = ("verdict", "reasons", "reports", "known_entries", "entries", "lines", "declared_records",
               "list_pages", "offsite_links", "family")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def run_key(arguments: dict) -> str:
    import json

    return hashlib.sha1(json.dumps(arguments, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _alive(pid: int | None, host: str | None) -> bool:
    if host != socket.gethostname():
        return True  # another host's run: it may well be alive
    return bool(pid) and process_alive(pid)


# ---------------------------------------------------------------- runs

def start_run(engine: Engine, mode: str, arguments: dict, resume: bool = True,
              pid: int | None = None) -> tuple[int, list[int]]:
    """Record a new run of process `pid` (default: this one). If the last run with the same
    arguments never finished (its process is gone: killed, crashed, or stopped by a signal), mark
    it interrupted and continue it: returns (run id, the chain of runs it continues, newest first)."""
    key = run_key(arguments)
    t = CrawlRun.__table__
    chain: list[int] = []
    with engine.begin() as conn:
        last = conn.execute(select(t).where(t.c.run_key == key).order_by(t.c.id.desc()).limit(1)).first()
        if last is not None and last.status == RUNNING and not _alive(last.pid, last.host):
            conn.execute(update(t).where(t.c.id == last.id)
                         .values(status=INTERRUPTED, ended_at=last.updated_at or last.started_at))
            last = conn.execute(select(t).where(t.c.id == last.id)).first()
        if resume and last is not None and last.status == INTERRUPTED:
            run = last
            while run is not None:
                chain.append(run.id)
                run = (conn.execute(select(t).where(t.c.id == run.resumed_from)).first()
                       if run.resumed_from and run.status == INTERRUPTED else None)
        now = _now()
        rid = conn.execute(t.insert().values(
            run_key=key, mode=mode, arguments=arguments, status=RUNNING, started_at=now, updated_at=now,
            resumed_from=chain[0] if chain else None, host=socket.gethostname(), pid=pid or os.getpid(),
            errors=[], **{c: 0 for c in COUNTS}).returning(t.c.id)).scalar_one()
    return rid, chain


def update_run(engine: Engine, run_id: int, counts: dict, errors: list[str] | None = None,
               status: str | None = None, ended: bool = False) -> None:
    t = CrawlRun.__table__
    values = {c: int(counts.get(c, 0)) for c in COUNTS}
    values["updated_at"] = _now()
    if errors is not None:
        values["errors"] = list(errors)[:MAX_ERRORS]
    if status:
        values["status"] = status
    if ended:
        values["ended_at"] = values["updated_at"]
    with engine.begin() as conn:
        conn.execute(update(t).where(t.c.id == run_id).values(**values))


def list_runs(engine: Engine, limit: int = 50) -> list[dict]:
    t = CrawlRun.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(t).order_by(t.c.id.desc()).limit(limit)).mappings().all()
    return [dict(r) for r in rows]


# ---------------------------------------------------------------- the ledger

def load_ledger(engine: Engine, sites: list[str] | None = None) -> dict[str, Known]:
    """The ledger of `sites` (None: of every site), URL -> what is known of it."""
    t = CrawlUrl.__table__
    q = select(t.c.url, t.c.list_title, t.c.list_date, t.c.entry_run_id, t.c.sha256, t.c.etag,
               t.c.last_modified, t.c.outcome, t.c.doc_run_id)
    if sites is None:
        chunks = [q]
    else:  # a few hundred names a statement: within every database's limit on parameters
        names = sorted(set(sites))
        chunks = [q.where(t.c.site.in_(names[i:i + 500])) for i in range(0, len(names), 500)]
    out: dict[str, Known] = {}
    with engine.connect() as conn:
        for chunk in chunks:
            out.update((r.url, Known(*r[1:])) for r in conn.execute(chunk))
    return out


ENTRY_FIELDS = ("list_title", "list_date", "entry_run_id")
DOC_FIELDS = ("sha256", "etag", "last_modified", "outcome", "doc_run_id")


def record_urls(engine: Engine, rows: list[dict]) -> None:
    """Upsert ledger rows (each: url, site and entry and/or document fields) in one transaction."""
    if not rows:
        return
    t = CrawlUrl.__table__
    now = _now()
    with engine.begin() as conn:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        for row in rows:
            fields = {k: row[k] for k in ENTRY_FIELDS + DOC_FIELDS if k in row}
            stmt = dialect.insert(t).values(url_hash=url_hash(row["url"]), url=row["url"], site=row.get("site"),
                                            first_seen=now, last_seen=now, **fields)
            stmt = stmt.on_conflict_do_update(index_elements=["url_hash"], set_=dict(fields, last_seen=now))
            conn.execute(stmt)


# ---------------------------------------------------------------- sites of a run

def record_sites(engine: Engine, run_id: int, mode: str, rows: list[dict]) -> None:
    """The verdicts of a run's sites (each row: site and SITE_FIELDS), replacing any the run had."""
    if not rows:
        return
    t = CrawlSite.__table__
    now = _now()
    with engine.begin() as conn:
        conn.execute(t.delete().where(t.c.run_id == run_id, t.c.site.in_([r["site"] for r in rows])))
        conn.execute(t.insert(), [dict({k: r.get(k) for k in SITE_FIELDS}, run_id=run_id, site=r["site"], mode=mode,
                                       recorded_at=now, reasons=list(r.get("reasons") or []),
                                       **{k: int(r.get(k) or 0) for k in ("reports", "known_entries", "entries",
                                                                           "lines", "list_pages", "offsite_links")})
                                  for r in rows])


def previous_site_reports(engine: Engine) -> dict[str, int]:
    """Each site's reports in its latest full run (the one a new full run is compared with)."""
    t = CrawlSite.__table__
    latest = (select(t.c.site, func.max(t.c.run_id).label("run_id")).where(t.c.mode == "full")
              .group_by(t.c.site).subquery())
    q = select(t.c.site, t.c.reports).join(latest, (t.c.site == latest.c.site) & (t.c.run_id == latest.c.run_id))
    with engine.connect() as conn:
        return {site: reports for site, reports in conn.execute(q)}


def site_results(engine: Engine, run_id: int) -> list[dict]:
    t = CrawlSite.__table__
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t).where(t.c.run_id == run_id).order_by(t.c.site)).mappings()]
