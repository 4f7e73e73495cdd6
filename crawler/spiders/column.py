"""The spider of every site: a report column read from any markup, with every kind of pager.

One spider serves every registry entry. A column page is read by the generic readers
(crawler.links: every link of the page judged by title and URL; crawler.pagers: every pager
form and the count the list declares); where the page belongs to a family whose list lives behind
an API (crawler.families, ``list_api``), that family's reader (crawler.spiders.apis) reads it too.
Each list page is requested once (``dir/`` and ``dir/index.html`` are one page); the caps on
links read per list page and list pages per column (crawler.caps, read once in ``from_crawler``)
are faults when reached. What the column declared, found and missed is kept per column for the
site's verdict (crawler.completeness).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import scrapy
from scrapy.http import HtmlResponse

from .. import families, judge
from ..caps import Caps
from ..context import record_fault, record_not_followed
from ..links import ListPage, canonical, read_links
from ..pagers import read_pager
from . import apis
from .base import ReportSpider

# List pages before a site's documents (ReportSpider: details 10, attachments 20): the requests a
# host holds are known early, and the scheduler serves the hosts with the most (crawler.queues).
LIST_PRIORITY = 30

@dataclass
class ColumnState:
    """What one column (a start URL and the list pages below it) declared and yielded."""

    url: str
    requested: int = 0  # list pages requested (API pages included)
    answered: int = 0  # list pages that answered with a page
    failed: list[str] = field(default_factory=list)  # list pages that did not answer
    declared_records: int | None = None
    declared_pages: int | None = None
    lines: int = 0  # list lines read (reports and non-reports, followed or not)
    entries: int = 0  # entries followed (report titles, and titles the content decides)
    offsite: int = 0  # report links to hosts the site does not cover (recorded, not followed)
    caps: list[str] = field(default_factory=list)  # caps reached, each with its figure (crawler.caps)
    pager: set[str] = field(default_factory=set)  # pager forms met
    needs_script: bool = False  # the first page holds no list line but scripts that may draw it


class ColumnSpider(ReportSpider):
    """Crawl one site's report columns. Arguments: site (name), registry (path), base_url, year."""

    name = "column"

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.family = self.site.family or ""
        self.columns: dict[str, ColumnState] = {u: ColumnState(u) for u in self.start_urls}
        self.list_seen: set[str] = set()
        self.links: dict[str, dict] = {}  # every list link met: url -> what it was and what was done
        self.caps = Caps().for_site(self.site.max_pages)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(Caps.from_settings(crawler.settings))
        return spider

    def configure(self, caps: Caps) -> None:
        """The crawl's caps (read once from the settings), with the site's own max_pages."""
        self.caps = caps.for_site(self.site.max_pages)

    def reach_cap(self, state: "ColumnState", cap: str, message: str) -> None:
        """A cap reached: once per column and cap, a fault in the run (kind ``cap``, not a failed
        request) and a reason of the site's verdict."""
        if cap in state.caps:
            return
        state.caps.append(cap)
        self.logger.warning("site %s: %s", self.site.name, message)
        record_fault(self.crawler, "cap", f"site {self.site.name}: {message}", failed_request=False)

    # ---------------------------------------------------------------- list requests
    async def start(self):
        for url in self.start_urls:
            req = self.list_request(url, url)
            if req is not None:
                yield req

    def list_request(self, url: str, column: str, *, key: str | None = None, callback=None, **kw):
        """A request for a list page of `column`, or None if it was requested already (or the
        column's cap on list pages is reached, which is recorded)."""
        key = key or canonical(url)
        if key in self.list_seen:
            return None
        state = self.columns[column]
        if state.requested >= self.caps.list_pages:
            self.reach_cap(state, f"list pages per column ({self.caps.list_pages})",
                           f"column {column} has more than {self.caps.list_pages} list pages; not read from {url} "
                           f"on (cap: max_pages in the registry, or the GOVREPORTS_MAX_LIST_PAGES setting)")
            return None
        self.list_seen.add(key)
        state.requested += 1
        self.list_pages += 1
        meta = self._meta(self.site.browser_lists and callback is None, column=column, list_page=True)
        meta.update(kw.pop("meta", {}))
        kw.setdefault("priority", LIST_PRIORITY)
        return scrapy.Request(url, callback=callback or self.parse_list, errback=self.list_failed, meta=meta, **kw)

    def api_request(self, reader, url: str, response, *, method: str = "GET", body: str | None = None,
                    headers: dict | None = None, **meta):
        """A request for a page of a family's list API (a list page of the response's column)."""
        h = {"Referer": response.url, **(headers or {})}
        return self.list_request(url, response.meta["column"], callback=self.parse_api, method=method, body=body,
                                 headers=h, meta=dict(meta, api=reader.family))

    def parse_api(self, response):
        state = self.columns[response.meta["column"]]
        if response.status >= 400:
            state.failed.append(f"{response.url}: HTTP {response.status}")
            return
        state.answered += 1
        try:
            yield from apis.READERS[response.meta["api"]].parse(self, response)
        except ValueError as exc:  # not the JSON the API answers with
            state.failed.append(f"{response.url}: {response.meta['api']} API answered something else ({exc})")

    def list_failed(self, failure):
        req = failure.request
        state = self.columns.get(req.meta.get("column"))
        if state is not None:
            response = getattr(failure.value, "response", None)
            why = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
            state.failed.append(f"{req.url}: {why}")

    # ---------------------------------------------------------------- list pages
    def parse_list(self, response):
        column = response.meta["column"]
        state = self.columns[column]
        if response.status >= 400:
            state.failed.append(f"{response.url}: HTTP {response.status}")
            return
        state.answered += 1
        if not isinstance(response, HtmlResponse):
            self.logger.warning("site %s: list page %s is not HTML (%s)", self.site.name, response.url,
                                response.headers.get("Content-Type", b"").decode("latin-1"))
            return
        self._family(response)
        readers = apis.readers_for(self, response, families.family_named(self.site.family) if self.site.family else None)
        for reader in readers:
            yield from reader.start(self, response)
        root = response.selector.root
        base = response.xpath("//base/@href").get()
        page = read_links(root, response.url, base_url=response.urljoin(base) if base else None,
                          allowed=self.covers, columns=tuple(self.start_urls), max_links=self.caps.links_per_page)
        if page.capped:
            self.reach_cap(state, f"links per list page ({self.caps.links_per_page})",
                           f"list page {response.url} holds more than {self.caps.links_per_page} links; the rest "
                           f"of it is not read (cap: the GOVREPORTS_MAX_LINKS_PER_PAGE setting)")
        yield from self._follow(response, page, state)
        # one page more than the cap: a column with more pages than the cap reaches it in list_request
        pager = read_pager(root, response.url, page.links, max_pages=self.caps.list_pages + 1)
        state.pager.update(pager.kinds)
        self.declare(state, pager.declared_records, pager.declared_pages)
        if response.url == column or canonical(response.url) == canonical(column):
            lines = sum(1 for link in page.links if link.line)
            state.needs_script = not lines and not readers and bool(response.xpath("//script[not(@src)]"))
        for url in pager.pages:
            req = self.list_request(url, column)
            if req is not None:
                yield req

    def declare(self, state: ColumnState, records: int | None, pages: int | None) -> None:
        """What a list page (or an API answer) says the column holds: the largest said counts."""
        if records is not None:
            state.declared_records = max(state.declared_records or 0, records)
        if pages is not None:
            state.declared_pages = max(state.declared_pages or 0, pages)

    def _family(self, response) -> families.Family | None:
        """The site's family: the registry's, else the first one a list page shows (recognised once:
        a site's further list pages are not read for it again)."""
        if self.site.family or self.family:
            return families.family_named(self.site.family or self.family)
        fam = families.detect(response.url, response.text)
        if fam is not None and not self.family:
            self.family = fam.name
            self.crawler.stats.set_value("govreports/family", fam.name)
        return fam

    def covers(self, url: str) -> bool:
        """Whether the site covers `url` (its allowed domains and path prefix)."""
        p = urlsplit(url)
        host = p.hostname or ""
        if not any(host == d or host.endswith("." + d) for d in self.allowed_domains):
            return False
        return not self.path_prefix or p.path.startswith(self.path_prefix)

    def _follow(self, response, page: ListPage, state: ColumnState):
        for link in page.links:
            if link.line:
                state.lines += 1
            record = {"url": link.url, "title": link.title, "date": link.date, "role": link.role,
                      "report_title": link.verdict, "list_url": response.url}
            if link.role == "entry":
                req = self.follow_entry(response, link.url, link.title, link.date)
                record["followed"] = "yes" if req is not None else "no: other year"
                if req is not None:
                    state.entries += 1
                    yield req
            elif link.role == "offsite" and link.verdict is not False:
                state.offsite += 1
                record["followed"] = "no: another host"
                self.crawler.stats.inc_value("govreports/offsite_links")
            elif link.role == "subcolumn":
                req = self.list_request(link.url, response.meta["column"])
                record["followed"] = "as a list page" if req is not None else "listed already"
                if req is not None:
                    yield req
            elif link.role == "scheme":  # ftp:, mailto:, file:, javascript: — never fetched, no failure
                record["followed"] = f"not followed: scheme {link.why}"
                if link.url not in self.links:
                    # a report's link (or a document's) goes into the run's record too; a mailto: does not
                    record_not_followed(self.crawler, link.url, f"{link.why}:", response.url,
                                        in_run=link.verdict is True or judge.is_document_url(link.url))
            else:
                continue
            self.links.setdefault(link.url, record)

    def api_entry(self, response, href: str, title: str | None, date: str | None = None):
        """An entry read from a family's list API (crawler.spiders.apis); an API page is a list page:
        past the cap on links per list page its further entries are not read."""
        state = self.columns[response.meta["column"]]
        taken = response.meta.get("gr_api_entries", 0)
        if taken >= self.caps.links_per_page:
            self.reach_cap(state, f"links per list page ({self.caps.links_per_page})",
                           f"list API page {response.url} holds more than {self.caps.links_per_page} entries; the "
                           f"rest of it is not read (cap: the GOVREPORTS_MAX_LINKS_PER_PAGE setting)")
            return None
        response.meta["gr_api_entries"] = taken + 1
        state.lines += 1
        url = response.urljoin(href)
        record = {"url": url, "title": title, "date": date, "role": "entry", "list_url": response.url,
                  "report_title": None}
        if not self.covers(url):
            state.offsite += 1
            record.update(role="offsite", followed="no: another host")
            self.links.setdefault(url, record)
            return None
        req = self.follow_entry(response, href, title, date)
        record["report_title"] = judge.is_report_title(title)
        record["followed"] = "yes" if req is not None else "no: title or year"
        if req is not None:
            state.entries += 1
        self.links.setdefault(url, record)
        return req
