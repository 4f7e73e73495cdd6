"""Registry-driven set-up and everything after a list: detail pages, attachments, defences.

The list side (crawler.spiders.column) calls :meth:`follow_entry` for every list line to follow.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

import scrapy
from scrapy.http import HtmlResponse

from .. import judge
from ..errors import SpiderArguments
from ..items import DocumentItem
from ..registry import SiteConfig, load_registry, select_sites, site_from_dict

ATTACHMENT_EXT = re.compile(r"\.(pdf|docx?|wps|xlsx?|rtf|txt|zip|rar|ofd)(?:$|[?#])", re.I)
ATTACHMENT_HREF = re.compile(r"downfile\.jsp|download\.jsp|DownloadAttach|attach", re.I)
CONTENT_XPATHS = [
    "//div[contains(@class,'TRS_Editor')]", "//div[contains(@class,'trs_editor_view')]",
    "//div[contains(@class,'Custom_UnionStyle')]", "//*[@id='zoom']", "//*[@id='ivs_content']",
    "//*[@id='vsb_content']", "//div[contains(@class,'v_news_content')]",
    "//div[contains(@class,'article-content')]",
]
DEFAULT_BROWSER_WAIT = "() => document.body && document.body.innerText.length > 200"
SHORT_CONTENT = 1200  # characters: a detail page with attachments and less text is a cover page


class ReportSpider(scrapy.Spider):
    """Crawl one site's report column. Arguments: site (name), registry (path), base_url, year."""

    family: str = ""  # the site's CMS family, once recognised (crawler.families)

    def __init__(self, site=None, registry=None, base_url=None, year=None, site_config=None, **kw):
        super().__init__(**kw)
        if site_config is None:
            if not site:
                raise SpiderArguments("give -a site=NAME (and -a registry=PATH -a base_url=URL for the sample portal)")
            site_config, = select_sites(load_registry(registry, base_url), [site])  # RegistryError if unknown
        elif isinstance(site_config, dict):
            site_config = site_from_dict(site_config, base_url)
        self.site: SiteConfig = site_config
        self.allowed_domains = list(self.site.allowed_domains)
        self.path_prefix = self.site.path_prefix
        self.start_urls = list(self.site.start_urls)
        self.year = int(year) if year else None
        self.seen_docs: set[str] = set()
        self.list_pages = 0

    # ---------------------------------------------------------------- requests
    def _meta(self, browser: bool = False, **extra) -> dict:
        meta = dict(extra)
        if not self.site.obey_robots:
            meta["dont_obey_robotstxt"] = True
        if browser:
            from scrapy_playwright.page import PageMethod

            meta.update(
                playwright=True,
                playwright_page_methods=[PageMethod("wait_for_function",
                                                    self.site.browser_wait or DEFAULT_BROWSER_WAIT,
                                                    timeout=20000)],
                handle_httpstatus_list=[412, 521],
                via_browser=True,
            )
        return meta

    def follow_entry(self, response, href: str, title: str | None, date: str | None = None):
        """A line of a list: follow it if it may be a report (of the wanted year)."""
        verdict = judge.is_report_title(title)
        if verdict is False:
            self.crawler.stats.inc_value("govreports/skipped_by_title")
            self.logger.debug("skip by title: %s", title)
            return None
        y = judge.year_of_title(title)
        if self.year and y and y != self.year:
            self.crawler.stats.inc_value("govreports/other_year")  # the list works: the site's verdict knows
            return None
        url = response.urljoin(href)
        meta = self._meta(self.site.browser_details, title=title, list_date=date, list_url=response.url,
                          year_hint=y)
        meta.setdefault("handle_httpstatus_list", [412, 521])  # to recognise challenges, not store them
        # after the site's list pages (crawler.spiders.column.LIST_PRIORITY), attachments before details
        return scrapy.Request(url, callback=self.parse_detail, meta=meta, priority=10)

    # ---------------------------------------------------------------- detail pages
    def parse_detail(self, response):
        body = response.body
        if judge.is_challenge(response.status, body) and not response.meta.get("via_browser"):
            self.crawler.stats.inc_value("govreports/challenge")
            self.logger.warning("script challenge (HTTP %s) at %s: set browser_details for site %s",
                                response.status, response.url, self.site.name)
            return
        if response.status >= 400 and not response.meta.get("via_browser"):
            return
        if (retry := self._soft_block_retry(response)) is not False:
            if retry is not None:
                yield retry
            return
        target = judge.shell_target(body)
        if target:
            self.crawler.stats.inc_value("govreports/shell_pages")
            yield response.request.replace(url=response.urljoin(target), meta=_clean_meta(response.request.meta))
            return
        if not isinstance(response, HtmlResponse):  # a document linked directly from the list
            yield self.document_item(response, response.meta)
            return
        sid = judge.site_id_code(body)
        title = (response.xpath("//meta[@name='ArticleTitle']/@content").get()
                 or response.meta.get("title") or response.xpath("//title/text()").get())
        scope = self._article(response)
        short = None  # whether the page's text is short (a cover page); read only where it decides

        def is_short() -> bool:
            nonlocal short
            if short is None:
                short = len(self._content_text(response, scope)) < SHORT_CONTENT
            return short

        attachments = self._attachments(response, scope)
        if attachments and is_short():
            attachments = self._fetchable(attachments, response)
        if attachments and is_short():
            for href in attachments:
                yield scrapy.Request(
                    href, callback=self.parse_attachment, priority=20,
                    headers={"Referer": response.url},
                    meta=self._meta(False, title=title, list_date=response.meta.get("list_date"),
                                    list_url=response.meta.get("list_url"), detail_url=response.url,
                                    site_id_code=sid, year_hint=response.meta.get("year_hint")))
            return
        if judge.is_report_title(title) is False and is_short():
            self.crawler.stats.inc_value("govreports/skipped_by_content")
            return
        yield self.document_item(response, dict(response.meta, title=title, site_id_code=sid,
                                                detail_url=response.url))

    def parse_attachment(self, response):
        if (retry := self._soft_block_retry(response)) is not False:
            return retry
        return self.document_item(response, response.meta)

    def _soft_block_retry(self, response):
        """False if the page is not a soft block; else a retry request or None (given up)."""
        if not judge.is_soft_block(response.status, response.body):
            return False
        n = response.meta.get("soft_block_retries", 0)
        self.crawler.stats.inc_value("govreports/soft_blocks")
        limit = self.crawler.settings.getint("SOFT_BLOCK_RETRIES", 2)
        if n >= limit:
            from ..context import entry_of, record_fault

            self.logger.warning("soft block persists at %s; not stored", response.url)
            record_fault(self.crawler, "soft_block", f"soft block persists after {limit} retries (a 200 page "
                         f"that refuses the crawler): {response.url}", entry_of(response.request))
            return None
        self.logger.info("soft block at %s; retrying (%d/%d)", response.url, n + 1, limit)
        return response.request.replace(dont_filter=True,
                                        meta=dict(_clean_meta(response.request.meta), soft_block_retries=n + 1),
                                        priority=response.request.priority - 1)

    @staticmethod
    def _article(response):
        """The article's element (the first of CONTENT_XPATHS the page has), or None."""
        for xp in CONTENT_XPATHS:
            nodes = response.xpath(xp)
            if nodes:
                return nodes[0]
        return None

    def _content_text(self, response, scope) -> str:
        """The text of the article (`scope`: its element), else of the page, without whitespace."""
        if scope is not None:
            return re.sub(r"\s+", "", " ".join(scope.xpath(".//text()").getall()))
        text = " ".join(response.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall())
        return re.sub(r"\s+", "", text)

    def _attachments(self, response, scope) -> list[str]:
        """Attachment links of the article (`scope`: its element, else the page; href only: TRS
        OLDSRC paths are stale copies)."""
        anchors = (scope or response).xpath(".//a[@href]")
        out = []
        for a in anchors:
            href = a.attrib.get("href", "").strip()
            if not href or href.lower().startswith(("javascript:", "#", "mailto:")):
                continue
            if ATTACHMENT_EXT.search(href) or ATTACHMENT_HREF.search(href) or a.attrib.get("appendix") == "true":
                url = response.urljoin(href)
                if url not in out:
                    out.append(url)
        return out

    def _fetchable(self, urls: list[str], response) -> list[str]:
        """The attachments fetched: http(s) ones. An ftp: or file: attachment is never fetched; it
        is recorded (the --links file, the run's record: "not followed"), and is no failure. A page
        whose attachments are all such links is read as a page of its own."""
        from ..context import record_not_followed

        fetched = []
        for url in urls:
            scheme = url.split(":", 1)[0].lower()
            if scheme in ("http", "https"):
                fetched.append(url)
                continue
            links = getattr(self, "links", None)
            if links is not None and url in links:
                continue
            if links is not None:
                links[url] = {"url": url, "title": response.meta.get("title"), "date": response.meta.get("list_date"),
                              "role": "scheme", "report_title": None, "list_url": response.meta.get("list_url"),
                              "detail_url": response.url, "followed": f"not followed: scheme {scheme}"}
            record_not_followed(self.crawler, url, f"{scheme}: attachment", response.url)
        return fetched

    def document_item(self, response, meta) -> DocumentItem | None:
        url = response.url
        if url in self.seen_docs:
            return None
        self.seen_docs.add(url)
        via_browser = bool(response.request.meta.get("via_browser"))
        ctype = response.headers.get("Content-Type", b"").decode("latin-1") or None
        if via_browser:
            ctype = "text/html; charset=utf-8"  # the rendered DOM, serialised as UTF-8
        sid = meta.get("site_id_code") or judge.site_id_code(response.body)
        region = judge.region_of_site_id(sid) or self.site.region_code
        return DocumentItem(
            site=self.site.name, family=self.family, url=url, detail_url=meta.get("detail_url"),
            list_url=meta.get("list_url"), title=meta.get("title"), list_date=meta.get("list_date"),
            year_hint=meta.get("year_hint"), body=response.body, content_type=ctype,
            encoding=getattr(response, "encoding", None) if hasattr(response, "text") else None,
            http_status=200 if via_browser else response.status,
            etag=(response.headers.get("ETag") or b"").decode("latin-1") or None,
            last_modified=(response.headers.get("Last-Modified") or b"").decode("latin-1") or None,
            fetched_at=datetime.now(timezone.utc), via_browser=via_browser, site_id_code=sid,
            region_code=region,
        )


INTERNAL_META = ("download_latency", "download_slot", "download_timeout", "depth", "retry_times",
                 "redirect_times", "redirect_ttl", "redirect_urls", "redirect_reasons", "_auth_proxy")


def _clean_meta(meta: dict) -> dict:
    return {k: v for k, v in meta.items() if k not in INTERNAL_META}


__all__ = ["ReportSpider"]
