"""`govreports discover URL`: a portal's report columns, found from its home page or its 政府信息公开
page, printed as ready registry entries.

From each start page the portal's own links are followed a few levels deep where their titles lead
towards the report column (信息公开 / 政府信息公开 / 政务公开 / 公开目录, per-department and
per-township pages); a link named like a report column (…年报, …年度报告, without a year: a report
has one) is a candidate, kept if its page is a list: it holds report lines or sub-columns, its list
comes from a family's API, or it is drawn by a script. Columns below another found column are its
sub-columns (the crawl follows them itself) and are not listed again.

One registry entry per start page: its name from the host (or the first path segment on a bare IP
host, a local copy), its title from the SiteName meta or <title>, its region from the SiteIDCode
meta or the footer's 网站标识码 (first six digits; left empty, to be filled in, where the pages say
neither).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlsplit

import scrapy
from scrapy.http import HtmlResponse

from . import families, judge
from .links import ListPage, canonical, column_root, read_links
from .spiders import apis

TOWARDS = re.compile(r"政府信息公开|信息公开|政务公开|公开目录|公开专栏|法定主动公开|部门信息|乡镇信息|街道信息|"
                     r"部门公开|乡镇公开|镇街公开|部门$|乡镇$|镇街$|县区$|区县$")
COLUMN = re.compile(r"年报|年度报告|工作报告$|公开报告$")
SITE_ID = re.compile(r"""(?:<meta\s+name=["']SiteIDCode["']\s+content=["']|网站标识码\s*[:：]?\s*)(\d{6})\d*""", re.I)
IP_HOST = re.compile(r"[\d.]+|localhost")
MAX_DEPTH = 3  # home → 信息公开 → a department's page → the column
MAX_PAGES = 80  # pages fetched per start page
SCRIPT_PAGE_TEXT = 3000  # a page drawn by script shows less text than this before its script runs


@dataclass
class Portal:
    start: str
    title: str = ""
    region_code: str = ""
    columns: list[str] = field(default_factory=list)
    pages: int = 0
    order: dict[str, int] = field(default_factory=dict)  # url -> when its link was met (the page's order)

    def entry(self) -> dict:
        return {"name": site_name(self.start), "title": self.title, "region_code": self.region_code,
                "start_urls": sorted(self.columns, key=lambda u: self.order.get(u, 0))}


def site_name(url: str) -> str:
    """A short registry name for a portal: its host's distinctive labels, or on a bare IP host
    (a local copy) the first path segment."""
    p = urlsplit(url)
    host = p.hostname or ""
    if IP_HOST.fullmatch(host):
        return p.path.strip("/").split("/", 1)[0] or host.replace(".", "-")
    labels = [x for x in host.split(".") if x not in ("www", "gov", "cn", "com", "org", "net")]
    return "-".join(labels[:2]) or host


def registrable(host: str) -> str:
    """The part of a host name a portal's sub-domains share (x.gov.cn, x.com.cn, x.com)."""
    labels = (host or "").split(".")
    n = 3 if len(labels) >= 3 and labels[-2] in ("gov", "com", "org", "net", "edu") and labels[-1] == "cn" else 2
    return ".".join(labels[-n:])


def same_portal(start: str, url: str) -> bool:
    """Whether `url` belongs to the portal of `start`: its host or a sub-domain (xxgk.x.gov.cn);
    on a bare IP host, the same first path segment."""
    a, b = urlsplit(start), urlsplit(url)
    if IP_HOST.fullmatch(a.hostname or ""):
        seg = a.path.strip("/").split("/", 1)[0]
        return a.netloc == b.netloc and (not seg or b.path.startswith(f"/{seg}/"))
    return a.hostname == b.hostname or registrable(a.hostname) == registrable(b.hostname)


def is_column_title(title: str) -> bool:
    """A link named like a report column: 年报 / 年度报告 without a year (a report names its year),
    not a look-alike (编制指引, 解读…)."""
    t = re.sub(r"\s+", "", title or "")
    return (bool(COLUMN.search(t)) and len(t) <= 20 and judge.year_of_title(t) is None
            and judge.is_report_title(t) is not False)


def next_links(page: ListPage, start: str) -> tuple[list[str], list[str]]:
    """(candidate report columns, pages to look further in) among the links of `page`."""
    columns, towards = [], []
    for link in page.links:
        if link.role in ("offsite", "scheme", "pager") or not same_portal(start, link.url):
            continue
        title = re.sub(r"\s+", "", link.title)
        if is_column_title(title):
            columns.append(link.url)
        elif TOWARDS.search(title) and link.verdict is not True and len(title) <= 16:
            towards.append(link.url)
    return columns, towards


def is_list_page(spider, response, page: ListPage) -> bool:
    """A report column's page: report lines, sub-columns, a list API, or a list drawn by script."""
    if any(link.role == "entry" and link.verdict is True for link in page.links) or page.of("subcolumn"):
        return True
    fam = families.detect(response.url, response.text)
    if apis.readers_for(spider, response) or (fam is not None and fam.list_api):
        return True
    text = " ".join(response.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall())
    return (not any(link.line for link in page.links) and bool(response.xpath("//script[not(@src)]"))
            and len(re.sub(r"\s+", "", text)) < SCRIPT_PAGE_TEXT)


class DiscoverSpider(scrapy.Spider):
    """Follow a portal's links towards its report columns (see the module doc)."""

    name = "discover"
    custom_settings = {"ITEM_PIPELINES": {}, "SPIDER_MIDDLEWARES": {}, "EXTENSIONS": {},
                       "DOWNLOADER_MIDDLEWARES": {"scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
                                                  "crawler.middlewares.BackoffRetryMiddleware": 550}}

    def __init__(self, urls=(), max_depth: int = MAX_DEPTH, max_pages: int = MAX_PAGES, **kw):
        super().__init__(**kw)
        self.portals = {u: Portal(u) for u in urls}
        self.max_depth, self.max_pages = int(max_depth), int(max_pages)
        self.seen: set[str] = set()
        self.site = SimpleNamespace(options={}, family=None)  # what the API readers look at

    async def start(self):
        for url in self.portals:
            req = self._request(url, url, 0, False)
            if req is not None:
                yield req

    def _request(self, url: str, start: str, depth: int, candidate: bool):
        key = canonical(url)
        portal = self.portals[start]
        if key in self.seen or portal.pages >= self.max_pages:
            return None
        self.seen.add(key)
        portal.pages += 1
        portal.order.setdefault(url, len(self.seen))
        return scrapy.Request(url, callback=self.parse, dont_filter=True,
                              meta={"start": start, "depth": depth, "candidate": candidate})

    def parse(self, response):
        if not isinstance(response, HtmlResponse):
            return
        start, depth = response.meta["start"], response.meta["depth"]
        portal = self.portals[start]
        if depth == 0:
            portal.title = (response.xpath("//meta[@name='SiteName']/@content").get()
                            or re.split(r"[_\-|]", response.xpath("normalize-space(//title)").get() or "")[-1]).strip()
        if not portal.region_code:
            m = SITE_ID.search(response.text)
            if m and m.group(1)[:2] != "00":
                portal.region_code = m.group(1)
        page = read_links(response.selector.root, response.url, allowed=lambda u: same_portal(start, u))
        if response.meta["candidate"] and is_list_page(self, response, page):
            self._found(portal, response.url)
            return  # inside a column: its sub-columns are the crawl's
        if depth >= self.max_depth:
            return
        columns, towards = next_links(page, start)
        for url, candidate in [(u, True) for u in columns] + [(u, False) for u in towards]:
            req = self._request(url, start, depth + 1, candidate)
            if req is not None:
                yield req

    @staticmethod
    def _found(portal: Portal, url: str) -> None:
        path = urlsplit(url).path
        if any(path.startswith(column_root(c)) for c in portal.columns):
            return  # a sub-column of a column found already
        portal.columns = [c for c in portal.columns if not urlsplit(c).path.startswith(column_root(url))] + [url]


def discover(urls: list[str], *, polite: bool = True, log_level: str = "WARNING", max_depth: int = MAX_DEPTH,
             max_pages: int = MAX_PAGES, config=None) -> list[Portal]:
    """The report columns of the portals at `urls` (one Portal per URL, in order); `config`: the
    command line's configuration (crawler.run.base_settings)."""
    from scrapy.crawler import CrawlerProcess

    from .run import base_settings

    settings = base_settings(polite, log_level, config)
    settings.set("LOG_INSTALL_ROOT_HANDLER", log_level != "NONE", priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(DiscoverSpider)
    process.crawl(crawler, urls=urls, max_depth=max_depth, max_pages=max_pages)
    process.start()
    return [crawler.spider.portals[u] for u in urls]
