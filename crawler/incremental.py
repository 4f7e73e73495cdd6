"""Incremental, resumable, recorded crawls (README.md, "Nightly runs").

Every `govreports crawl` that stores into a database is a *run* (storage.runs.crawl_runs) and
keeps a *ledger* of the URLs it met (storage.runs.crawl_urls). Three Scrapy components use the
ledger; they do nothing unless a run is active (plain `scrapy crawl` is untouched):

- :class:`IncrementalSpiderMiddleware` sees each callback's whole output. On a list page it tags
  every entry (the detail link) and drops the entries the ledger knows: in nightly mode an entry
  whose URL, list title and list date are all as last settled, in a resumed run an entry settled by
  the interrupted run. In nightly mode, a list page all of whose entries are known stops the
  column's pagination (its further list pages and year sub-columns are not requested). On a
  detail page it tags the children (attachments, shell targets, retries) with their entry and
  drops a document whose bytes hash to what the ledger holds for its URL: not parsed, not stored.
- :class:`ConditionalRequestMiddleware` sends If-None-Match / If-Modified-Since for documents the
  ledger knows and turns a 304 into "unchanged" (nothing parsed or stored); it also counts
  requests and failures for the run record.
- :class:`LedgerPipeline` (after the report pipeline) counts new / changed / unchanged / flagged /
  skipped / failed and writes the ledger once a document is stored, and an entry once everything
  behind it is settled. The writes go, in order, from one background thread to a parse worker
  (which does the database work: this process never loads SQLAlchemy's ORM), each batch in its own
  transaction: a crawl killed at any point leaves a ledger that is true, so a rerun skips exactly
  the settled work (and storage is idempotent for the rest).
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from scrapy import Request
from scrapy.exceptions import IgnoreRequest

from storage.runstate import COUNTS, FAILED, FINISHED, INTERRUPTED, MAX_ERRORS, Known

from . import judge

logger = logging.getLogger(__name__)

# The run of this process (one `govreports crawl` per process), set around run_crawl.
ACTIVE: "RunContext | None" = None

SETTLED = ("stored", "skipped")  # ledger outcomes of a document: its bytes need no second look
FLUSH_SECONDS = 0.25  # how often settled ledger rows are written during a run


class RunContext:
    """State of one recorded run: counts, errors, the ledger, entries under way."""

    def __init__(self, processor, run_id: int, mode: str, chain: list[int], ledger: dict) -> None:
        self.processor, self.run_id, self.mode = processor, run_id, mode
        self.nightly = mode == "nightly"
        self.chain = set(chain)  # interrupted runs this one continues
        self.ledger = ledger
        self.counts: dict[str, int] = dict.fromkeys(COUNTS, 0)
        self.extra: dict[str, int] = {"known_entries": 0, "stopped_lists": 0, "not_modified": 0,
                                      "same_hash": 0, "resumed_entries": 0}
        self.errors: list[str] = []
        self.outstanding: dict[str, int] = {}  # entry url -> requests/items still under way
        self.entry_info: dict[str, tuple] = {}  # entry url -> (site, list title, list date)
        self.tainted: set[str] = set()  # entries with a failure or a filtered document: not settled
        self.pending: dict[str, tuple] = {}  # document url -> (entry, site, sha256, etag, last_modified)
        self._lock = threading.Lock()
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="ledger")
        self._buffer: list[dict] = []
        self._last_flush = 0.0  # the first rows go at once; later ones at most every FLUSH_SECONDS
        self._timer: threading.Timer | None = None
        self._closed = False

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

        self._submit(self.processor.write_ledger, rows, self.run_id, counts, errors, final)

    def close(self, status: str, requests: int | None = None) -> None:
        if requests is not None:
            self.counts["requests"] = max(self.counts["requests"], requests)
        self._flush(status=status, ended=True)
        self._writer.shutdown(wait=True)

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
        if url in self.entry_info:  # linked twice (two list pages): the first one counts
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
        if entry in self.tainted:
            return
        site, title, date = self.entry_info[entry]
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
            self.ledger[url] = Known(sha256=sha, etag=etag, last_modified=lm, outcome=row, doc_run_id=self.run_id)
            self.write([{"url": url, "site": site, "sha256": sha, "etag": etag, "last_modified": lm,
                         "outcome": row, "doc_run_id": self.run_id}])
        self.settle(entry)


def _log_failure(fut) -> None:
    exc = fut.exception()
    if exc is not None:
        logger.error("crawl ledger write failed: %s: %s", type(exc).__name__, exc)


def _callback_name(req: Request) -> str | None:
    return getattr(req.callback, "__name__", None)


# ---------------------------------------------------------------------- Scrapy components

class IncrementalSpiderMiddleware:
    """Known entries dropped, nightly pagination stopped, unchanged documents dropped."""

    def __init__(self, crawler=None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_spider_output(self, response, result, spider=None):
        ctx = ACTIVE
        if ctx is None:
            yield from result
            return
        yield from self._handle(ctx, response, list(result))

    async def process_spider_output_async(self, response, result, spider=None):
        ctx = ACTIVE
        if ctx is None:
            async for o in result:
                yield o
            return
        out = [o async for o in result]
        for o in self._handle(ctx, response, out):
            yield o

    def _handle(self, ctx: RunContext, response, out: list) -> list:
        spider = self.crawler.spider
        site = spider.site.name if getattr(spider, "site", None) else spider.name
        entry = response.meta.get("gr_entry")
        if entry is None:
            return self._list_page(ctx, response, out, site)
        kept, n = [], 0
        for o in out:
            if isinstance(o, Request):
                o.meta["gr_entry"] = entry
                n += 1
            elif _is_document(o):
                sha = hashlib.sha256(o["body"]).hexdigest()
                known = ctx.known_document(o["url"])
                if known is not None and known.sha256 == sha:  # same bytes: neither parsed nor stored
                    ctx.count("unchanged")
                    ctx.count("same_hash")
                    continue
                ctx.pending[o["url"]] = (entry, site, sha, o.get("etag"), o.get("last_modified"))
                n += 1
            kept.append(o)
        if not out and (response.status >= 400 or judge.is_soft_block(response.status, response.body)):
            ctx.tainted.add(entry)  # a challenge or a soft block given up: not settled
        ctx.add(entry, n)
        ctx.settle(entry)
        return kept

    def _list_page(self, ctx: RunContext, response, out: list, site: str) -> list:
        entries = [o for o in out if isinstance(o, Request) and _callback_name(o) == "parse_detail"
                   and o.meta.get("list_url") == response.url]
        if not entries:
            return out
        kept, known = [], 0
        ids = {id(e) for e in entries}
        for o in out:
            if id(o) not in ids:
                kept.append(o)
                continue
            title, date = o.meta.get("title"), o.meta.get("list_date")
            if ctx.skip_entry(o.url, title, date):
                known += 1
                ctx.count("known_entries")
                continue
            if not ctx.start_entry(o.url, site, title, date):
                continue
            o.meta["gr_entry"] = o.url
            kept.append(o)
        if ctx.nightly and known == len(entries):
            # every entry of this page is known: the rest of the column is older, and known
            dropped = [o for o in kept if isinstance(o, Request)]
            if dropped:
                ctx.count("stopped_lists")
                logger.info("nightly: %s holds only known items; %d further list requests not sent",
                            response.url, len(dropped))
            kept = [o for o in kept if not isinstance(o, Request)]
        return kept


def _is_document(o: Any) -> bool:
    try:
        return o.get("body") is not None and o.get("url") is not None and "site" in o
    except (AttributeError, KeyError, TypeError):
        return False


class ConditionalRequestMiddleware:
    """If-None-Match / If-Modified-Since for known documents; 304 = unchanged; request and
    failure counts for the run record (and the crawler's stats: govreports/failed_requests)."""

    def __init__(self, crawler=None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _failed(self) -> None:
        if self.crawler is not None:
            self.crawler.stats.inc_value("govreports/failed_requests")

    def process_request(self, request, spider=None):
        ctx = ACTIVE
        if ctx is None:
            return None
        ctx.count("requests")
        if request.meta.get("playwright") or request.method != "GET" or not request.meta.get("gr_entry"):
            return None
        known = ctx.known_document(request.url)
        if known is not None and (known.etag or known.last_modified):
            if known.etag:
                request.headers["If-None-Match"] = known.etag
            if known.last_modified:
                request.headers["If-Modified-Since"] = known.last_modified
            request.meta["gr_conditional"] = True
        return None

    def process_response(self, request, response, spider=None):
        ctx = ACTIVE
        entry = request.meta.get("gr_entry")
        if ctx is not None and response.status == 304 and request.meta.get("gr_conditional"):
            ctx.count("unchanged")
            ctx.count("not_modified")
            ctx.settle(entry)
            raise IgnoreRequest(f"not modified: {request.url}")
        if response.status >= 400 and not request.url.endswith("/robots.txt") and not (
                request.meta.get("via_browser") and response.status in (412, 521)):
            self._failed()
            if ctx is not None:
                ctx.failure(entry, f"HTTP {response.status} {request.url}")
        return response

    def process_exception(self, request, exception, spider=None):
        ctx = ACTIVE
        entry = request.meta.get("gr_entry")
        if isinstance(exception, IgnoreRequest):  # robots.txt, off-site: not settled, not a failure
            if ctx is not None and entry:
                ctx.tainted.add(entry)
                ctx.settle(entry)
            return None
        self._failed()  # after the retries: the retry middleware sits nearer the downloader
        if ctx is not None:
            ctx.failure(entry, f"{type(exception).__name__}: {exception} ({request.url})")
        return None


class LedgerPipeline:
    """After the report pipeline: count the outcome, write the ledger."""

    def process_item(self, item):
        ctx = ACTIVE
        if ctx is not None and isinstance(item, dict) and "outcome" in item:
            ctx.document_result(item)
        return item


# ---------------------------------------------------------------------- the run around run_crawl

def recorded_crawl(run_crawl: Callable[..., dict], *, nightly: bool = False, resume: bool = True,
                   spec=None, **kw) -> dict:
    """run_crawl(**kw) as a recorded run: a crawl_runs row, the ledger, incremental fetching; an
    interrupted run with the same arguments is continued. Download-only crawls are not recorded.

    The run starts (database opened, run row written, ledger loaded) in a parse worker while the
    crawlers are set up (a processor made with the same crawler.runspec.run_spec); the first
    request waits for it. `spec`: the run_spec(nightly, resume, **kw) the caller already made."""
    global ACTIVE
    from .runspec import run_spec

    spec = spec or run_spec(nightly=nightly, resume=resume, **kw)
    if spec is None:
        return run_crawl(**kw)
    from .pipelines import make_processor

    mode = spec.mode
    run: dict[str, Any] = {}
    own = kw.get("processor") is None
    if own:
        kw["processor"] = make_processor(db=kw["db"], workers=kw.get("workers", 0), year=kw.get("year"),
                                         region=kw.get("region"), with_cells=bool(kw.get("results")), run=spec)
    processor = kw["processor"]

    def start() -> None:
        global ACTIVE
        run_id, chain, ledger = processor.start_run(*spec)
        run.update(id=run_id, chain=chain)
        ACTIVE = RunContext(processor, run_id, mode, chain, ledger)

    status, requests = FAILED, None
    try:
        summary = run_crawl(**kw, before_start=start)
        reasons = {v.get("finish_reason") for v in (summary.get("per_site") or {}).values()}
        status = FINISHED if reasons <= {"finished"} else INTERRUPTED
        requests = summary.get("requests")
    except BaseException as exc:
        if ACTIVE is not None:
            ACTIVE.errors.append(f"{type(exc).__name__}: {exc}")
        raise
    finally:
        ctx, ACTIVE = ACTIVE, None
        if ctx is not None:
            ctx.close(status, requests)
        if own:
            processor.shutdown()
    chain = run["chain"]
    summary["run"] = dict(id=run["id"], mode=mode, status=status, resumed_from=chain[0] if chain else None,
                          **ctx.counts, **ctx.extra, errors=len(ctx.errors))
    return summary


def run_line(run: dict) -> str:
    resumed = f" (continues run {run['resumed_from']})" if run.get("resumed_from") else ""
    return (f"run {run['id']} · {run['mode']}{resumed} · {run['status']} · requests {run['requests']} · "
            f"new {run['new']} · changed {run['changed']} · unchanged {run['unchanged']} · "
            f"failed {run['failed']} · flagged {run['flagged']} · skipped {run['skipped']}")
