"""Each site's verdict at the end of its crawl: ``complete``, or ``incomplete`` with the reasons.

A site is incomplete when it yields no report; when a column lists clearly fewer lines than it
declares (Total record 99, 共N条, an API's total) or answers fewer list pages than its pager
declares; when list pages or report pages did not answer; when a cap was reached (crawler.caps: list
pages per column, links per list page); when its list is drawn by a script the crawl did not run; or, in a
full run, when it yields fewer reports than its previous run. A nightly run stops a column's
pagination at known entries, so there only "no report at all" (new, unchanged or known) counts.

:class:`SiteVerdict` is a Scrapy extension: at spider_closed it reads the spider's columns
(crawler.spiders.column.ColumnState) and the crawler's stats, puts the verdict in the stats
(``govreports/verdict``, ``govreports/verdict_reasons``, ``govreports/site_facts``) and, where the
``GOVREPORTS_LINKS`` setting names a file, appends every list link the site showed (what it was
and what was done with it) as JSON lines.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

from scrapy import signals
from scrapy.exceptions import NotConfigured

COMPLETE, INCOMPLETE = "complete", "incomplete"
RECORDS_TOLERANCE = 0.9  # a column listing fewer than 90 % of the records it declares is incomplete
_WRITE = threading.Lock()


@dataclass
class Verdict:
    status: str
    reasons: list[str] = field(default_factory=list)


def site_facts(spider, stats: dict) -> dict:
    """What the site's crawl found, from its spider's columns and its crawler's stats."""
    cols = list(getattr(spider, "columns", {}).values())
    get = lambda k: int(stats.get(f"govreports/{k}", 0) or 0)  # noqa: E731
    list_failures = sum(len(c.failed) for c in cols)
    return {
        "reports": get("stored") + get("downloaded"),  # documents kept as reports this run
        "unchanged": get("unchanged"),  # reports known with the same bytes (not parsed again)
        "known_entries": get("known_entries"),  # nightly: list entries settled before, not fetched
        "other_year": get("other_year"),  # report links of other years than the one asked for (--year)
        "entries": sum(c.entries for c in cols),
        "lines": sum(c.lines for c in cols),
        "offsite_links": sum(c.offsite for c in cols),
        "non_http_links": get("non_http_links"),  # ftp:, mailto:, file:, javascript: links: never fetched
        "list_pages": sum(c.answered for c in cols),
        "list_pages_failed": list_failures,
        "failed_requests": max(0, get("failed_requests") - list_failures),
        "columns": [{"url": c.url, "requested": c.requested, "answered": c.answered, "failed": c.failed[:5],
                     "declared_records": c.declared_records, "declared_pages": c.declared_pages, "lines": c.lines,
                     "entries": c.entries, "offsite": c.offsite, "caps": list(c.caps), "pager": sorted(c.pager),
                     # a first page without lines, drawn by script, and no line found anywhere in the column
                     "needs_script": c.needs_script and not c.lines} for c in cols],
        "family": getattr(spider, "family", "") or None,
    }


def judge_site(facts: dict, previous: int | None = None, *, nightly: bool = False,
               browser_lists: bool = False) -> Verdict:
    """The verdict on one site's crawl (facts: :func:`site_facts`; previous: the reports of the
    site's previous full run, if any)."""
    reasons = []
    seen = facts["reports"] + facts.get("unchanged", 0) + facts.get("known_entries", 0) + facts.get("other_year", 0)
    if seen == 0:
        reasons.append("no report" + (f" ({facts['entries']} report links followed)" if facts["entries"] else
                                      " link found in its columns"))
    for col in facts["columns"]:
        where = col["url"]
        if col["requested"] and not col["answered"]:
            reasons.append(f"column {where} did not answer ({(col['failed'] or ['no answer'])[0]})")
            continue
        if col["needs_script"] and not browser_lists:
            reasons.append(f"column {where} holds no list line but scripts that may draw the list: "
                           'set "browser_lists": true for this site in the registry')
        for cap in col["caps"]:
            reasons.append(f"column {where} reached the cap on {cap}")
        if nightly:
            continue
        declared = col["declared_records"]
        if declared and col["lines"] < declared * RECORDS_TOLERANCE:
            reasons.append(f"column {where} declares {declared} records, {col['lines']} were listed")
        pages = col["declared_pages"]
        if pages and col["answered"] < pages and not col["caps"]:
            reasons.append(f"column {where} declares {pages} list pages, {col['answered']} answered")
        elif col["failed"]:
            reasons.append(f"column {where}: {len(col['failed'])} list page(s) did not answer ({col['failed'][0]})")
    if facts.get("failed_requests"):
        reasons.append(f"{facts['failed_requests']} report page(s) or document(s) did not answer")
    if not nightly and previous and facts["reports"] + facts.get("unchanged", 0) < previous:
        reasons.append(f"fewer reports than its previous run ({facts['reports'] + facts.get('unchanged', 0)}, "
                       f"previously {previous})")
    return Verdict(INCOMPLETE if reasons else COMPLETE, reasons)


class SiteVerdict:
    """The site's verdict, in its crawler's stats, when its spider closes (see the module doc)."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.links_file = crawler.settings.get("GOVREPORTS_LINKS")

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("GOVREPORTS_VERDICT", True):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def _run(self):
        """The recorded run (crawler.ledger.RunLedger) of this crawl, or None."""
        from .context import context_of

        ctx = context_of(self.crawler)
        return ctx.run if ctx is not None else None

    def spider_closed(self, spider, reason=None):
        from .multisite import RegistrySpider, site_spiders, site_stats, stats_for

        many = isinstance(spider, RegistrySpider)  # many sites in one crawler: each its own stats
        for name, site_spider in site_spiders(spider).items():
            stats = site_stats(self.crawler.stats.get_stats(), name) if many else self.crawler.stats.get_stats()
            self._judge(site_spider, stats, stats_for(self.crawler, name if many else None), reason)

    def _judge(self, spider, stats: dict, out, reason) -> None:
        if not hasattr(spider, "columns"):
            return
        facts = site_facts(spider, stats)
        run = self._run()
        # only a full run is held to the previous full run (a backfill or a nightly run reads less)
        previous = run.previous_reports.get(spider.site.name) if run is not None and run.mode == "full" else None
        verdict = judge_site(facts, previous, nightly=bool(run and run.nightly),
                             browser_lists=spider.site.browser_lists)
        if reason not in (None, "finished"):
            verdict = Verdict(INCOMPLETE, [f"the crawl stopped ({reason})"] + verdict.reasons)
        if run is not None:
            declared = [c["declared_records"] for c in facts["columns"] if c["declared_records"]]
            run.site_result(dict({k: facts[k] for k in ("known_entries", "entries", "lines", "list_pages",
                                                        "offsite_links", "family")},
                                 site=spider.site.name, verdict=verdict.status, reasons=verdict.reasons,
                                 reports=facts["reports"] + facts["unchanged"],
                                 declared_records=sum(declared) if declared else None))
        out.set_value("govreports/verdict", verdict.status)
        out.set_value("govreports/verdict_reasons", verdict.reasons)
        out.set_value("govreports/site_facts", facts)
        if verdict.status == INCOMPLETE:
            spider.logger.warning("site %s is incomplete: %s", spider.site.name, "; ".join(verdict.reasons))
        if self.links_file:
            self._write_links(spider)

    def _write_links(self, spider) -> None:
        with _WRITE, open(self.links_file, "a", encoding="utf-8") as f:
            for rec in spider.links.values():
                f.write(json.dumps({"site": spider.site.name, **rec}, ensure_ascii=False) + "\n")
