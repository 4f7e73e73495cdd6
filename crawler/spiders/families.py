"""The CMS families: how each lists and paginates a column. Detail pages are the base's job."""
from __future__ import annotations

import json
import math
import re
from urllib.parse import urlencode

import scrapy
from scrapy.http import FormRequest

from .base import ReportSpider, list_entries

YEAR_SUBCOLUMN = re.compile(r"^(?:19|20)\d\d\s*年?度?$")


class _HtmlListSpider(ReportSpider):
    """Lists whose lines are plain <li><a> in the HTML."""

    def entries(self, response):
        for href, title, date in list_entries(response):
            req = self.follow_entry(response, href, title, date)
            if req is not None:
                yield req

    def subcolumns(self, response):
        """Year sub-columns (gknb2023/, n2023n/...) linked from a column page."""
        for a in response.xpath("//a[@href]"):
            text = " ".join(a.xpath(".//text()").getall()).strip()
            href = a.attrib["href"]
            if YEAR_SUBCOLUMN.match(text) and (href.endswith("/") or re.search(r"/(index|list)[^/]*$", href)):
                req = self.follow_list(response, href)
                if req is not None:
                    yield req


class TrsClassicSpider(_HtmlListSpider):
    """TRS WCM classic: createPageHTML(n, cur, "index", "html"), pages index.html, index_1.html…"""

    name = family = "trs_classic"
    PAGER = re.compile(r"""createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*["'](\w+)["']\s*,\s*["'](\w+)["']\s*\)""")

    def parse_list(self, response):
        yield from self.entries(response)
        yield from self.subcolumns(response)
        m = self.PAGER.search(response.text)
        if m and int(m.group(2)) == 0:
            n, prefix, ext = int(m.group(1)), m.group(3), m.group(4)
            for i in range(1, n):
                req = self.follow_list(response, f"{prefix}_{i}.{ext}")
                if req is not None:
                    yield req


class TrsNewerSpider(_HtmlListSpider):
    """TRS newer: createPageHTML('page_div', n, cur, 'list', 'shtml', count), 1-based list_N."""

    name = family = "trs_newer"
    PAGER = re.compile(r"""createPageHTML\(\s*['"][\w-]+['"]\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*['"](\w+)['"]\s*,"""
                       r"""\s*['"](\w+)['"]\s*(?:,\s*(\d+))?\s*\)""")

    def parse_list(self, response):
        yield from self.entries(response)
        yield from self.subcolumns(response)
        m = self.PAGER.search(response.text)
        if m and int(m.group(2)) == 1:
            n, prefix, ext = int(m.group(1)), m.group(3), m.group(4)
            for i in range(2, n + 1):
                req = self.follow_list(response, f"{prefix}_{i}.{ext}")
                if req is not None:
                    yield req


class VsbSpider(_HtmlListSpider):
    """VSB / 博达: list.htm, then list/N-1.htm … list/1.htm (pages count down)."""

    name = family = "vsb"
    PAGER_TEXT = ("下页", "下一页", "尾页", "末页", "上页", "首页")

    def parse_list(self, response):
        yield from self.entries(response)
        for a in response.xpath("//a[@href]"):
            text = "".join(a.xpath(".//text()").getall()).strip()
            if text in self.PAGER_TEXT or re.fullmatch(r"\d+", text or "-"):
                href = a.attrib["href"]
                if re.search(r"(?:^|/)\d+\.htm$", href) or href.endswith(".htm"):
                    req = self.follow_list(response, href)
                    if req is not None:
                        yield req


class JsListSpider(_HtmlListSpider):
    """A list drawn only by JavaScript: the column page goes through the browser
    (registry: "browser_lists": true); detail pages and documents do not."""

    name = family = "jslist"

    def parse_list(self, response):
        yield from self.entries(response)


class HanwebSpider(ReportSpider):
    """Hanweb jpage: the column page inlines the first records in <datastore>; the rest come
    from POST dataproxy.jsp with the unit id read from the page."""

    name = family = "hanweb"
    RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
    LINK = re.compile(r"""<a[^>]+href=['"]([^'"]+)['"][^>]*?(?:title=['"]([^'"]*)['"])?[^>]*>(.*?)</a>""", re.S)

    def _records(self, response, text: str):
        for rec in self.RECORD.findall(text):
            m = self.LINK.search(rec)
            if not m:
                continue
            title = m.group(2) or re.sub(r"<[^>]+>", "", m.group(3)).strip()
            date = re.search(r"\d{4}-\d{1,2}-\d{1,2}", rec)
            req = self.follow_entry(response, m.group(1), title, date.group(0) if date else None)
            if req is not None:
                yield req

    def _opt(self, text: str, key: str) -> str | None:
        if self.site.options.get(key):
            return str(self.site.options[key])
        m = re.search(key + r"""\s*[:=]\s*["']?([^"',}\s]+)""", text)
        return m.group(1) if m else None

    def parse_list(self, response):
        text = response.text
        inline = len(self.RECORD.findall(text))
        yield from self._records(response, text)
        total = int(self._opt(text, "totalRecord") or 0)
        per = int(self._opt(text, "perPage") or 20)
        unitid, webid, colid = self._opt(text, "unitid"), self._opt(text, "webid"), self._opt(text, "columnid")
        if not (unitid and colid) or total <= inline:
            return
        proxy = response.urljoin(self._opt(text, "proxyUrl") or "/module/web/jpage/dataproxy.jsp")
        form = {"col": "1", "appid": "1", "webid": webid or "1", "path": "/", "columnid": colid,
                "sourceContentType": "1", "unitid": unitid, "webname": self._opt(text, "webname") or "",
                "permissiontype": "0"}
        start = inline + 1
        while start <= total and self.list_pages < self.site.max_pages:
            end = start + per * 3 - 1
            url = f"{proxy}?{urlencode({'startrecord': start, 'endrecord': end, 'perpage': per})}"
            self.list_pages += 1
            yield FormRequest(url, formdata=form, callback=self.parse_proxy,
                              meta=self._meta(False), headers={"Referer": response.url})
            start = end + 1

    def parse_proxy(self, response):
        yield from self._records(response, response.text)


class GkmlptSpider(ReportSpider):
    """Guangdong gkmlpt: window._CONFIG={SID:…}; GET api/all/{catId}?page=N&sid=… → JSON."""

    name = family = "gkmlpt"

    def parse_list(self, response):
        text = response.text
        sid = self.site.options.get("sid") or (re.search(r"SID\s*:\s*['\"]([^'\"]+)", text) or [None, None])[1]
        cat = self.site.options.get("cat_id") or (re.search(r"data-cat=['\"](\d+)", text) or [None, None])[1]
        if not (sid and cat):
            self.logger.error("gkmlpt site %s: no SID/cat_id on %s", self.site.name, response.url)
            return
        self._api = response.urljoin(f"api/all/{cat}") + "?" 
        self._sid = sid
        yield self._api_request(1, response.url)

    def _api_request(self, page: int, referer: str):
        self.list_pages += 1
        return scrapy.Request(self._api + urlencode({"page": page, "sid": self._sid}), callback=self.parse_api,
                              meta=self._meta(False, page=page), headers={"Referer": referer})

    def parse_api(self, response):
        data = json.loads(response.text)
        arts = data.get("articles") or []
        for a in arts:
            req = self.follow_entry(response, a.get("url") or "", a.get("title"),
                                    str(a.get("display_publish_time") or "") or None)
            if req is not None:
                yield req
        page = response.meta["page"]
        if page == 1 and arts:
            pages = math.ceil(int(data.get("total") or 0) / len(arts))
            for p in range(2, min(pages, self.site.max_pages) + 1):
                yield self._api_request(p, response.url)


SPIDERS = {cls.family: cls for cls in (TrsClassicSpider, TrsNewerSpider, HanwebSpider, GkmlptSpider,
                                       VsbSpider, JsListSpider)}
