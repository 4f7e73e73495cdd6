"""Incremental fetching in a recorded run (docs/operations.md): two Scrapy components that
read and feed the run ledger (crawler.ledger). They are switched off (NotConfigured) where the
crawl is not recorded.

- :class:`IncrementalSpiderMiddleware` sees each callback's whole output. On a list page it tags
  every entry (the detail link) and drops the entries the ledger knows: in nightly mode an entry
  whose URL, list title and list date are all as last settled, in a resumed run an entry settled by
  the interrupted run. In nightly mode, a list page all of whose entries are known stops the
  column's pagination (its further list pages and year sub-columns are not requested). On a
  detail page it tags the children (attachments, shell targets, retries) with their entry and
  drops a document whose bytes hash to what the ledger holds for its URL: not parsed, not stored.
- :class:`ConditionalRequestMiddleware` sends If-None-Match / If-Modified-Since for documents the
  ledger knows and turns a 304 into "unchanged" (nothing parsed or stored); it also counts the
  run's requests, and settles an entry whose request was refused (robots.txt, off-site).
"""
from __future__ import annotations

import hashlib
import logging
from typing import Any

from scrapy import Request
from scrapy.exceptions import IgnoreRequest

from . import judge
from .context import ENTRY, run_of
from .ledger import RunLedger
from .multisite import site_of, stats_for

logger = logging.getLogger(__name__)


def _callback_name(req: Request) -> str | None:
    return getattr(req.callback, "__name__", None)


class IncrementalSpiderMiddleware:
    """Known entries dropped, nightly pagination stopped, unchanged documents dropped."""

    def __init__(self, crawler, run: RunLedger) -> None:
        self.crawler, self.run = crawler, run

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, run_of(crawler))

    def process_spider_output(self, response, result, spider=None):
        yield from self._handle(self.run, response, list(result))

    async def process_spider_output_async(self, response, result, spider=None):
        out = [o async for o in result]
        for o in self._handle(self.run, response, out):
            yield o

    def _handle(self, ctx: RunLedger, response, out: list) -> list:
        spider = self.crawler.spider
        site = site_of(response.request) or (spider.site.name if getattr(spider, "site", None) else spider.name)
        stats = stats_for(self.crawler, site_of(response.request))
        entry = response.meta.get(ENTRY)
        if entry is None:
            return self._list_page(ctx, response, out, site)
        kept, n = [], 0
        for o in out:
            if isinstance(o, Request):
                o.meta[ENTRY] = entry
                n += 1
            elif _is_document(o):
                sha = hashlib.sha256(o["body"]).hexdigest()
                known = ctx.known_document(o["url"])
                if known is not None and known.sha256 == sha:  # same bytes: neither parsed nor stored
                    ctx.count("unchanged")
                    ctx.count("same_hash")
                    stats.inc_value("govreports/unchanged")  # the site's verdict counts it
                    continue
                ctx.pending[o["url"]] = (entry, site, sha, o.get("etag"), o.get("last_modified"))
                n += 1
            kept.append(o)
        if not out and (response.status >= 400 or judge.is_soft_block(response.status, response.body)):
            ctx.tainted.add(entry)  # a challenge or a soft block given up: not settled
        ctx.add(entry, n)
        ctx.settle(entry)
        return kept

    def _list_page(self, ctx: RunLedger, response, out: list, site: str) -> list:
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
                stats_for(self.crawler, site_of(response.request)).inc_value("govreports/known_entries")  # the verdict counts it
                continue
            if not ctx.start_entry(o.url, site, title, date):
                continue
            o.meta[ENTRY] = o.url
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
    """If-None-Match / If-Modified-Since for known documents; 304 = unchanged; the run's request
    count; an entry whose request was refused (robots.txt, off-site) is settled, not as done."""

    def __init__(self, run: RunLedger, crawler=None) -> None:
        self.run, self.crawler = run, crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(run_of(crawler), crawler)

    def process_request(self, request, spider=None):
        ctx = self.run
        ctx.count("requests")
        if request.meta.get("playwright") or request.method != "GET" or not request.meta.get(ENTRY):
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
        if response.status == 304 and request.meta.get("gr_conditional"):
            self.run.count("unchanged")
            self.run.count("not_modified")
            if self.crawler is not None:  # the site's verdict counts it
                stats_for(self.crawler, site_of(request)).inc_value("govreports/unchanged")
            self.run.settle(request.meta.get(ENTRY))
            raise IgnoreRequest(f"not modified: {request.url}")
        return response

    def process_exception(self, request, exception, spider=None):
        entry = request.meta.get(ENTRY)
        if isinstance(exception, IgnoreRequest) and entry:  # robots.txt, off-site: not settled, not a failure
            self.run.tainted.add(entry)
            self.run.settle(entry)
        return None
