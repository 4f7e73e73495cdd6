"""The run ledger: what one recorded crawl keeps in memory of its run and of the URLs it meets.

Every `govreports crawl` that stores into a database is a *run* (storage.runs.crawl_runs) and keeps
a *ledger* of the URLs it met (storage.runs.crawl_urls): list entries (title and date shown in the
list, the run in which everything behind them was settled) and documents (sha256, ETag,
Last-Modified, outcome). The Scrapy components of incremental fetching (crawler.incremental,
crawler.pipelines.LedgerPipeline) read and feed it.

The writes go, in order, from one background thread of this process (never queued behind the
parse workers' documents), each batch in its own transaction: a crawl killed at any point leaves a
ledger that is true, so a rerun skips exactly the settled work (and storage is idempotent for the
rest).
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from storage.runstate import COUNTS, MAX_ERRORS, Known

logger = logging.getLogger(__name__)

SETTLED = ("stored", "skipped")  # ledger outcomes of a document: its bytes need no second look
FLUSH_SECONDS = 0.25  # how often settled ledger rows are written during a run


class RunLedger:
    """State of one recorded run: counts, errors, the ledger, entries under way.

    Made with its crawlers (their components find it through crawler.context) and begun just
    before the first request: :meth:`begin` waits for the parse worker that records the run."""

    def __init__(self, db_url: str, spec, sites: list[str] | None = None) -> None:
        self.db_url, self.spec, self.mode = db_url, spec, spec.mode
        self.site_names = sites  # the ledger read is theirs (None: every site's, a shared frontier's)
        self.engine = None
        self.nightly = self.mode == "nightly"
        self.run_id: int | None = None
        self.chain: set[int] = set()  # interrupted runs this one continues
        self.resumed_from: int | None = None
        self.ledger: dict[str, Known] = {}  # as the run began: what this run settles is written, not kept
        self.status: str | None = None
        self.counts: dict[str, int] = dict.fromkeys(COUNTS, 0)
        self.extra: dict[str, int] = {"known_entries": 0, "stopped_lists": 0, "not_modified": 0,
                                      "same_hash": 0, "resumed_entries": 0}
        self.errors: list[str] = []
        self.previous_reports: dict[str, int] = {}  # site -> reports in its previous full run
        self.sites: list[dict] = []  # each site's verdict (crawler.completeness), written by close()
        self.outstanding: dict[str, int] = {}  # entry url -> requests/items still under way
        self.entry_info: dict[str, tuple] = {}  # entry url under way -> (site, list title, list date)
        self.entries_done: set[str] = set()  # entry urls settled (or given up) in this run
        self.tainted: set[str] = set()  # entries with a failure or a filtered document: not settled
        self.pending: dict[str, tuple] = {}  # document url -> (entry, site, sha256, etag, last_modified)
        self._lock = threading.Lock()
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="ledger")
        self._buffer: list[dict] = []
        self._last_flush = 0.0  # the first rows go at once; later ones at most every FLUSH_SECONDS
        self._timer: threading.Timer | None = None
        self._closed = False

    def begin(self) -> None:
        """The run recorded (or continued) and its ledger read; storage's SchemaError if the
        database cannot be used."""
        from storage.db import make_engine
        from storage.migrate import create_if_empty
        from storage.runs import load_ledger, previous_site_reports, start_run

        self.engine = make_engine(self.db_url)
        create_if_empty(self.engine, self.db_url)
        run_id, chain = start_run(self.engine, self.spec.mode, self.spec.arguments, resume=self.spec.resume)
        self.run_id, self.chain, self.ledger = run_id, set(chain), load_ledger(self.engine, self.site_names)
        self.previous_reports = previous_site_reports(self.engine)
        self.resumed_from = chain[0] if chain else None

    # ------------------------------------------------------------ counts and the run row
    def count(self, name: str, n: int = 1) -> None:
        with self._lock:
            if name in self.counts:
                self.counts[name] += n
            else:
                self.extra[name] = self.extra.get(name, 0) + n

    def failure(self, entry: str | None, message: str) -> None:
        self.count("failed")
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(message)
        if entry:
            self.tainted.add(entry)

    def note(self, message: str) -> None:
        """A line of the run's record that is no failure (a link not followed by design)."""
        with self._lock:
            if len(self.errors) < MAX_ERRORS:
                self.errors.append(message)

    def _snapshot(self) -> tuple[dict, list]:
        with self._lock:
            return dict(self.counts), list(self.errors)

    def _submit(self, fn: Callable, *args) -> None:
        fut = self._writer.submit(fn, *args)
        fut.add_done_callback(_log_failure)

    def write(self, rows: list[dict]) -> None:
        """Ledger rows, then the run's counts (heartbeat), in one background thread, in order.

        Rows are batched and flushed at most every FLUSH_SECONDS: a transaction per settled
        document cost the reactor thread real time (the GIL), and a killed run loses at most
        the last batch — those entries are fetched again and re-stored as a no-op."""
        with self._lock:
            self._buffer.extend(rows)
            wait = FLUSH_SECONDS - (time.monotonic() - self._last_flush)
            later = wait > 0 and self._timer is None
            if later:  # a flush soon, even if nothing else is written: rows never lag long
                self._timer = threading.Timer(wait, self._flush)
                self._timer.daemon = True
        if wait <= 0:
            self._flush()
        elif later:
            self._timer.start()

    def _flush(self, **final) -> None:
        with self._lock:
            if self._closed:
                return
            if final:
                self._closed = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            rows, self._buffer = self._buffer, []
            self._last_flush = time.monotonic()
        counts, errors = self._snapshot()

        self._submit(self._write, rows, counts, errors, final)

    def _write(self, rows: list[dict], counts: dict, errors: list[str], final: dict) -> None:
        """Ledger rows, then the run's counts (storage.runs), in the writer thread; with the last
        write, its sites' verdicts (final["sites"]: (mode, rows))."""
        from storage.runs import record_sites, record_urls, update_run

        if rows:
            record_urls(self.engine, rows)
        final = dict(final)
        sites = final.pop("sites", None)
        if sites:
            record_sites(self.engine, self.run_id, *sites)
        update_run(self.engine, self.run_id, counts, errors, **final)

    def close(self, status: str, requests: int | None = None) -> None:
        """The run's end: its last ledger rows, counts and status written (waited for)."""
        self.status = status
        if requests is not None:
            self.counts["requests"] = max(self.counts["requests"], requests)
        if self.run_id is not None:
            self._flush(status=status, ended=True, sites=(self.mode, list(self.sites)))
        self._writer.shutdown(wait=True)
        if self.engine is not None:
            self.engine.dispose()

    def site_result(self, row: dict) -> None:
        """A site's verdict and facts (crawler.completeness), recorded with the run's end."""
        with self._lock:
            self.sites.append(row)

    def summary(self) -> dict:
        return dict(id=self.run_id, mode=self.mode, status=self.status, resumed_from=self.resumed_from,
                    **self.counts, **self.extra, errors=len(self.errors))

    # ------------------------------------------------------------ entries
    def skip_entry(self, url: str, title: str | None, date: str | None) -> bool:
        k = self.ledger.get(url)
        if k is None or k.entry_run_id is None:
            return False
        if k.entry_run_id in self.chain:
            self.extra["resumed_entries"] += 1
            return True
        return self.nightly and k.list_title == title and k.list_date == date

    def start_entry(self, url: str, site: str, title: str | None, date: str | None) -> bool:
        if url in self.entry_info or url in self.entries_done:  # linked twice: the first one counts
            return False
        self.entry_info[url] = (site, title, date)
        self.outstanding[url] = 1
        return True

    def add(self, entry: str, n: int) -> None:
        if entry in self.outstanding:
            self.outstanding[entry] += n

    def settle(self, entry: str | None) -> None:
        """One request or item of an entry is done; when none is left, the entry is settled."""
        if not entry or entry not in self.outstanding:
            return
        self.outstanding[entry] -= 1
        if self.outstanding[entry] > 0:
            return
        del self.outstanding[entry]
        site, title, date = self.entry_info.pop(entry)
        self.entries_done.add(entry)
        if entry in self.tainted:
            return
        self.write([{"url": entry, "site": site, "list_title": title, "list_date": date,
                     "entry_run_id": self.run_id}])

    # ------------------------------------------------------------ documents
    def known_document(self, url: str):
        k = self.ledger.get(url)
        return k if k is not None and k.sha256 and k.outcome in SETTLED else None

    def document_result(self, res: dict) -> None:
        """The report pipeline's outcome for one document."""
        url = res.get("url")
        entry, site, sha, etag, lm = self.pending.pop(url, None) or (None, res.get("site"), None, None, None)
        outcome = res.get("outcome")
        row = None
        if outcome == "stored":
            storage = res.get("storage")
            known = self.ledger.get(url)
            if storage == "unchanged":  # these bytes were stored before (under another URL)
                self.count("unchanged")
            else:
                changed = storage == "updated" or (known is not None and known.sha256 and known.sha256 != sha)
                self.count("changed" if changed else "new")
                if res.get("flagged"):  # stored now and not ok: needs a look
                    self.count("flagged")
            row = "stored"
        elif outcome == "skipped":
            self.count("skipped")
            if res.get("why"):  # another year or region: settled for this run's filter only
                self.tainted.add(entry) if entry else None
            else:
                row = "skipped"
        elif outcome == "failed":
            self.failure(entry, f"{res.get('error')} ({url})")
        if row and sha:
            self.write([{"url": url, "site": site, "sha256": sha, "etag": etag, "last_modified": lm,
                         "outcome": row, "doc_run_id": self.run_id}])
        self.settle(entry)


def _log_failure(fut) -> None:
    exc = fut.exception()
    if exc is not None:
        logger.error("crawl ledger write failed: %s: %s", type(exc).__name__, exc)


def run_line(run: dict) -> str:
    """A run's summary on one line (the end of `govreports crawl`)."""
    resumed = f" (continues run {run['resumed_from']})" if run.get("resumed_from") else ""
    return (f"run {run['id']} · {run['mode']}{resumed} · {run['status']} · requests {run['requests']} · "
            f"new {run['new']} · changed {run['changed']} · unchanged {run['unchanged']} · "
            f"failed {run['failed']} · flagged {run['flagged']} · skipped {run['skipped']}")
