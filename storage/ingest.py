"""The one ingest path: archive the raw bytes, apply what the place of a document says about it,
store the report. `govreports ingest` (files and folders), the crawl's parse workers and `reparse`
all go through :class:`Store`, so the same document gives the same rows whichever way it arrives.
"""
from __future__ import annotations

import mimetypes
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from parsers.record import Report

from . import models as m
from .archive import Archive, default_archive_root
from .errors import DocumentNotFound
from .hints import NO_HINTS, Hints, hints_applied  # noqa: F401 - the ingest path's hints
from .processes import DOC_TIME_LIMIT, die_with, time_bound
from .store import (Counts, RawDocument, ensure_document, stored_parser_version, store, with_retry,
                    write_parsed)

Parse = Callable[[bytes, str | None, str | None], Report]

# Documents the parsers read; gold files (*.json) and everything else in a folder are skipped.
DOCUMENT_SUFFIXES = {".txt": "text/plain", ".html": "text/html", ".htm": "text/html",
                     ".xhtml": "application/xhtml+xml", ".pdf": "application/pdf",
                     ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


class Store:
    """A database (schema created on a new one) and its raw document archive."""

    def __init__(self, engine: Engine, archive: Archive) -> None:
        self.engine, self.archive = engine, archive

    @classmethod
    def open(cls, db_url: str, archive_root: str | os.PathLike | None = None) -> "Store":
        from .db import make_engine
        from .migrate import create_if_empty

        engine = make_engine(db_url)
        create_if_empty(engine, db_url)
        return cls(engine, Archive(archive_root or default_archive_root(db_url)))

    def record(self, doc: RawDocument, hints: Hints = NO_HINTS) -> tuple[int, bool]:
        """The crawl stage alone: archive the raw bytes and record this fetch of the document with
        its metadata and hints, not parsed yet (the parse stage takes it: :meth:`parse_recorded`;
        a known document whose primary fetch this one becomes is parsed again there).
        Returns (document id, whether it is new)."""
        sha = self.archive.put(doc.data)
        document_id, created, _ = with_retry(self.engine, lambda conn: ensure_document(conn, doc, sha, hints))
        return document_id, created

    def parse_recorded(self, document_id: int, parse: Parse | None = None, parser_version: str | None = None,
                       counts: Counts | None = None) -> str:
        """The parse stage for one recorded document: parsed from the archive with the hints it
        was recorded with, and stored; "unchanged" where this parser version read it already."""
        if parse is None:
            parse, parser_version = default_parse()
        d = m.Document.__table__
        with self.engine.connect() as conn:
            row = conn.execute(select(d.c.sha256, d.c.url, d.c.content_type, d.c.hints, d.c.parser_version)
                               .where(d.c.id == document_id)).first()
        if row is None:
            raise DocumentNotFound(f"no document {document_id} in the database: was the queue filled from another "
                                   "database? (parse-worker --db must name the crawl's database)")
        if parser_version is not None and row.parser_version == parser_version:
            outcome = "unchanged"
        else:
            report = parse(self.archive.get(row.sha256), row.content_type, row.url)
            outcome, _ = with_retry(self.engine, lambda conn: write_parsed(
                conn, document_id, row.sha256, row.url, report, Hints.from_json(row.hints)))
        if counts is not None:
            counts.add(outcome)
        return outcome

    def unparsed(self, parser_version: str, limit: int | None = None) -> list[int]:
        """Ids of documents this parser version has not read yet, oldest first."""
        d = m.Document.__table__
        q = (select(d.c.id).where((d.c.parser_version.is_(None)) | (d.c.parser_version != parser_version))
             .order_by(d.c.id))
        with self.engine.connect() as conn:
            return list(conn.execute(q.limit(limit) if limit else q).scalars())

    def put(self, doc: RawDocument, report: Report, hints: Hints = NO_HINTS,
            counts: Counts | None = None, parse: Parse | None = None) -> str:
        """Archive the raw bytes, record this fetch with its `hints` and store the report derived
        from the bytes (storage.store.store: `report` where this fetch is the primary one, else the
        primary's, parsed with `parse` if needed). Returns inserted / updated / unchanged / skipped."""
        sha = self.archive.put(doc.data)
        return store(self.engine, doc, report, counts, sha=sha, hints=hints, parse=parse)


def default_parse(options: dict | None = None) -> tuple[Parse, str]:
    """The parser and its version; `options`: parse_document's keywords (limits, pdf_engine),
    as the command line gives them (govreports_config.Config.parse_options)."""
    import functools

    import parsers

    parse = functools.partial(parsers.parse_document, **options) if options else parsers.parse_document
    return parse, parsers.PARSER_VERSION


def iter_files(paths: Iterable[str | os.PathLike]) -> Iterator[Path]:
    """Files named explicitly, and document files found in folders (sorted, so runs are repeatable)."""
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in DOCUMENT_SUFFIXES and not f.name.startswith("."):
                    yield f
        elif p.is_file():
            yield p
        else:
            raise FileNotFoundError(f"no such file or folder: {p}")


def raw_from_file(path: Path) -> RawDocument:
    content_type = DOCUMENT_SUFFIXES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    fetched = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    return RawDocument(data=path.read_bytes(), url=path.resolve().as_uri(), content_type=content_type,
                       fetched_at=fetched)


def ingest_document(engine: Engine, archive: Archive, doc: RawDocument, parse: Parse,
                    parser_version: str, counts: Counts, hints: Hints = NO_HINTS,
                    time_limit: float | None = None) -> str:
    """Archive, parse and store one document. Bytes already stored by this parser are a no-op.
    `time_limit`: a hard bound on the parse that ends this process (worker processes only)."""
    sha = archive.put(doc.data)
    target = Store(engine, archive)
    with engine.connect() as conn:
        known = stored_parser_version(conn, sha) == parser_version
    if known:  # this fetch recorded; if it becomes the primary one, the report is derived from it
        target.record(doc, hints)
        with engine.connect() as conn:
            if stored_parser_version(conn, sha) == parser_version:
                counts.add("unchanged")
                return "unchanged"
    with time_bound(time_limit):
        report = parse(doc.data, doc.content_type, doc.url)
    return target.put(doc, report, hints, counts, parse=parse)


def ingest_paths(engine: Engine, archive: Archive, paths: Iterable[str | os.PathLike],
                 parse: Parse | None = None, parser_version: str | None = None,
                 progress: bool = False, workers: int = 1, hints: Hints = NO_HINTS,
                 time_limit: float | None = DOC_TIME_LIMIT, parse_options: dict | None = None,
                 _in_worker: bool = False) -> Counts:
    """Ingest files and folders; `hints`: what the caller knows of all of them (`ingest --region`).
    With `workers` > 1 they are parsed in worker processes, each file within `time_limit` seconds.
    `parse_options`: the default parser's keywords (limits, pdf_engine)."""
    files = list(iter_files(paths))
    if workers > 1 and parse is None and len(files) > 1:
        return _ingest_in_processes(engine, archive, files, progress, workers, hints, time_limit, parse_options)
    if parse is None:
        parse, parser_version = default_parse(parse_options)
    counts = Counts()
    with _progress(progress, len(files), "ingest") as advance:
        for f in files:
            try:
                ingest_document(engine, archive, raw_from_file(f), parse, parser_version, counts, hints,
                                time_limit if _in_worker else None)
            except Exception as exc:  # one bad file must not stop a crawl-sized batch
                counts.failed += 1
                counts.errors.append(f"{f}: {type(exc).__name__}: {exc}")
            advance()
    return counts


def _ingest_chunk(url: str, archive_root: str, files: list[Path], hints: Hints = NO_HINTS,
                  time_limit: float | None = None, parse_options: dict | None = None) -> Counts:
    """One worker process's share: its own engine, the default parser with the caller's options."""
    from .db import make_engine

    engine = make_engine(url)
    try:
        return ingest_paths(engine, Archive(archive_root), files, hints=hints, time_limit=time_limit,
                            parse_options=parse_options, _in_worker=True)
    finally:
        engine.dispose()


def _pool(workers: int):
    """Worker processes started from a clean forkserver (not forked from this process's open
    database connections), each ending with this process."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload([])  # never re-run the caller's main script in the server
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=die_with, initargs=(os.getpid(),))


def _ingest_in_processes(engine: Engine, archive: Archive, files: list[Path], progress: bool,
                         workers: int, hints: Hints = NO_HINTS, time_limit: float | None = None,
                         parse_options: dict | None = None) -> Counts:
    """Parse and store in several processes (parsing is CPU-bound; PostgreSQL takes the writes
    in parallel, SQLite queues them). Small chunks keep the progress bar moving."""
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    url = engine.url.render_as_string(hide_password=False)
    size = max(1, min(50, len(files) // (workers * 4) or 1))
    chunks = [files[i:i + size] for i in range(0, len(files), size)]
    total = Counts()
    again: list[Path] = []
    with _progress(progress, len(files), "ingest") as advance:
        with _pool(workers) as pool:
            futures = {pool.submit(_ingest_chunk, url, str(archive.root), chunk, hints, time_limit, parse_options): chunk
                       for chunk in chunks}
            for fut in as_completed(futures):
                try:
                    _add(total, fut.result())
                except BrokenProcessPool:  # a worker died: every chunk not done yet is lost with it
                    again += futures[fut]
                    continue
                for _ in futures[fut]:
                    advance()
        if again:
            _add(total, _ingest_one_by_one(url, str(archive.root), again, advance, hints, time_limit, parse_options))
    return total


def _ingest_one_by_one(url: str, archive_root: str, files: list[Path], advance, hints: Hints = NO_HINTS,
                       time_limit: float | None = None, parse_options: dict | None = None) -> Counts:
    """The files of chunks whose worker died (a reader's C code crashing on a malformed file, the
    OOM killer, the time bound), each on its own in a worker of its own: only a file that kills its
    worker fails. Files of those chunks stored before the death count as unchanged now (storage is
    idempotent)."""
    import time
    from concurrent.futures.process import BrokenProcessPool

    total, pool = Counts(), None
    try:
        for f in files:
            pool = pool or _pool(1)
            started = time.monotonic()
            try:
                _add(total, pool.submit(_ingest_chunk, url, archive_root, [f], hints, time_limit,
                                        parse_options).result())
            except BrokenProcessPool:
                pool.shutdown(wait=False)
                pool = None
                total.failed += 1
                if time_limit and time.monotonic() - started >= time_limit:
                    why = f"reading it took longer than {time_limit:g} s (the time bound per document, --doc-time-limit)"
                else:
                    why = "the parse worker died on this file (a reader crashed, or the system killed it for memory)"
                total.errors.append(f"{f}: {why}; nothing of it is stored")
            advance()
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    return total


def _add(total: Counts, c: Counts) -> None:
    for name in ("inserted", "updated", "unchanged", "new_versions", "skipped", "failed"):
        setattr(total, name, getattr(total, name) + getattr(c, name))
    total.errors += c.errors


def reparse_all(engine: Engine, archive: Archive, parse: Parse | None = None,
                progress: bool = False, parse_options: dict | None = None) -> Counts:
    """Parse every archived document again, with the hints it was recorded with; one transaction
    per document, parser version recorded. `parse_options`: the default parser's keywords."""
    if parse is None:
        parse, _ = default_parse(parse_options)
    d = m.Document.__table__
    with engine.connect() as conn:
        docs = conn.execute(select(d.c.id, d.c.sha256, d.c.url, d.c.content_type, d.c.hints).order_by(d.c.id)).all()
    counts = Counts()
    with _progress(progress, len(docs), "reparse") as advance:
        for doc in docs:
            try:
                report = parse(archive.get(doc.sha256), doc.content_type, doc.url)
                outcome, _ = with_retry(engine, lambda conn: write_parsed(
                    conn, doc.id, doc.sha256, doc.url, report, Hints.from_json(doc.hints)))
                counts.add(outcome)
            except Exception as exc:
                counts.failed += 1
                counts.errors.append(f"document {doc.id} ({doc.sha256[:12]}): {type(exc).__name__}: {exc}")
            advance()
    return counts


class _progress:
    """A rich progress bar when asked for, else nothing."""

    def __init__(self, enabled: bool, total: int, label: str):
        self.enabled, self.total, self.label = enabled, total, label

    def __enter__(self):
        if not self.enabled:
            return lambda: None
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeRemainingColumn)

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TimeRemainingColumn(), transient=False)
        self._bar.__enter__()
        task = self._bar.add_task(self.label, total=self.total)
        return lambda: self._bar.advance(task)

    def __exit__(self, *exc):
        if self.enabled:
            self._bar.__exit__(*exc)
        return False
