"""What one crawl attaches to each of its Scrapy crawlers, for its components to read in
`from_crawler`: the processor (parse and store), the run ledger of a recorded run, the shared
browser, and the faults met. No run state lives in module globals.

A component that needs a recorded run raises NotConfigured where the crawler has none (a plain
`scrapy crawl`, a download-only crawl), as Scrapy's own extensions do when they are switched off.
"""
from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:  # pragma: no cover
    from .ledger import RunLedger
    from .processor import Processor

logger = logging.getLogger(__name__)

ATTRIBUTE = "govreports"  # the crawler attribute that holds a CrawlContext


class CrawlContext:
    """Shared by every crawler of one crawl (one Scrapy crawler per site)."""

    def __init__(self, processor: "Processor", run: "RunLedger | None" = None, standalone: bool = False) -> None:
        self.processor = processor
        self.run = run
        self.standalone = standalone  # made by a component for a plain `scrapy crawl`: it owns the processor
        self.browsers: Any = None  # crawler.browser.SharedBrowsers, made by the first browser handler
        self._lock = threading.Lock()
        self.faults: dict[str, int] = {}  # kind of fault -> how many

    def attach(self, crawler) -> None:
        setattr(crawler, ATTRIBUTE, self)

    def shared_browsers(self):
        from .browser import SharedBrowsers

        with self._lock:
            if self.browsers is None:
                self.browsers = SharedBrowsers()
            return self.browsers

    def count_fault(self, kind: str) -> None:
        with self._lock:
            self.faults[kind] = self.faults.get(kind, 0) + 1


def context_of(crawler) -> CrawlContext | None:
    """The crawl's context attached to `crawler`, or None (a plain `scrapy crawl`)."""
    return getattr(crawler, ATTRIBUTE, None)


def standalone_context(crawler) -> CrawlContext:
    """The context of `crawler`, made from its settings where none is attached (a plain
    `scrapy crawl`: a processor of its own, no recorded run)."""
    ctx = context_of(crawler)
    if ctx is None:
        from .processor import Processor

        s = crawler.settings
        results = s.get("GOVREPORTS_RESULTS")
        processor = Processor(s.get("GOVREPORTS_DB"), s.get("GOVREPORTS_MODE", "full"),
                              s.getint("GOVREPORTS_PARSE_WORKERS", 0), with_cells=bool(results),
                              archive=s.get("GOVREPORTS_ARCHIVE"), parse_options=s.get("GOVREPORTS_PARSE_OPTIONS"))
        if results:
            processor.on_result = lambda r: append_jsonl(results, r)
        ctx = CrawlContext(processor, standalone=True)
        ctx.attach(crawler)
    return ctx


ENTRY = "gr_entry"  # request meta: the list entry (detail URL) a request or document belongs to


def entry_of(request) -> str | None:
    return request.meta.get(ENTRY)


def record_fault(crawler, kind: str, message: str, entry: str | None = None, request=None,
                 failed_request: bool = True) -> None:
    """A crawl fault (a request that failed for good, a body refused, a cap reached): counted in
    the crawler's stats (govreports/faults/KIND and, for a request that failed, i.e. unless
    `failed_request` is False as for a cap, govreports/failed_requests; also under the request's
    site) and, in a recorded run, kept in the run's failures with `message` as its reason; the
    entry it belongs to (`entry`, else the request's) is then not settled (a later run tries it
    again)."""
    from .multisite import site_of, stats_for

    if request is not None and entry is None:
        entry = entry_of(request)
    if crawler is not None and crawler.stats is not None:
        stats = stats_for(crawler, site_of(request))
        stats.inc_value(f"govreports/faults/{kind}")
        if failed_request:
            stats.inc_value("govreports/failed_requests")
    ctx = context_of(crawler)
    if ctx is not None:
        ctx.count_fault(kind)
        if ctx.run is not None:
            ctx.run.failure(entry, message)


def record_not_followed(crawler, url: str, why: str, where: str, *, in_run: bool = True) -> None:
    """A link that is by design not followed (a scheme other than http(s): ftp:, mailto:, file:,
    javascript:): counted (govreports/non_http_links) and, with `in_run`, written in the recorded
    run's record as "not followed: ..." — never fetched, never a failure, so it fails no crawl."""
    if crawler is not None and crawler.stats is not None:
        crawler.stats.inc_value("govreports/non_http_links")
    ctx = context_of(crawler)
    if in_run and ctx is not None and ctx.run is not None:
        ctx.run.note(f"not followed: {why} link {url} (on {where})")


def run_of(crawler) -> "RunLedger":
    """The recorded run of `crawler`; NotConfigured where there is none."""
    ctx = context_of(crawler)
    if ctx is None or ctx.run is None:
        raise NotConfigured  # no message: Scrapy logs a message as a warning
    return ctx.run


def append_jsonl(path: str, res: dict) -> None:
    import json

    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(res, ensure_ascii=False, default=str) + "\n")
