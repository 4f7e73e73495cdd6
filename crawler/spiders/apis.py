"""Readers of the list APIs some families keep their lists behind (crawler.families, list_api).

Each reader finds its API's parameters on the column page, requests every page of the API once
(through the spider's list_request, so they count as list pages of the column), hands every record
to ``spider.api_entry`` and declares the API's total to the column. The HTML of the column page is
read by the generic readers as for any other site.
"""
from __future__ import annotations

import json
import math
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.html

from ..links import DATE


def _opt(spider, text: str, *keys: str) -> str | None:
    """A parameter from the registry entry's options, else from the page (key: value / key=value)."""
    for key in keys:
        if spider.site.options.get(key):
            return str(spider.site.options[key])
    for key in keys:
        m = re.search(r"""['"]?\b""" + key + r"""\b['"]?\s*[:=]\s*['"]?([^'",}\s&]+)""", text)
        if m:
            return m.group(1)
    return None


def _date(value) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) or str(value).isdigit():
        import datetime

        v = float(value)
        v = v / 1000 if v > 1e11 else v  # milliseconds
        return datetime.datetime.fromtimestamp(v, datetime.timezone.utc).strftime("%Y-%m-%d")
    m = DATE.search(str(value))
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None


def _fragment_links(html: str):
    """(href, title, date) of the anchors of an HTML fragment (an API's rendered list)."""
    if not html.strip():
        return []
    root = lxml.html.fromstring(f"<div>{html}</div>")
    out = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript")):
            continue
        text = re.sub(r"\s+", " ", a.text_content() or "").strip()
        title = a.get("title") if len(a.get("title") or "") > len(text) else text
        line = a.getparent() if a.getparent() is not None else a
        out.append((href, title, _date(line.text_content())))
    return out


class HanwebJpage:
    """Hanweb jpage: the first records inline in ``<datastore>``; the rest from POST
    ``dataproxy.jsp?startrecord=&endrecord=&perpage=`` with the unit's ids read from the page."""

    family = "hanweb"
    RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)

    def applies(self, spider, response) -> bool:
        return "<datastore>" in response.text or "dataproxy.jsp" in response.text

    def _records(self, spider, response, text: str):
        for rec in self.RECORD.findall(text):
            for href, title, date in _fragment_links(rec)[:1]:
                req = spider.api_entry(response, href, title, date)
                if req is not None:
                    yield req

    def start(self, spider, response):
        text = response.text
        inline = len(self.RECORD.findall(text))
        yield from self._records(spider, response, text)
        total = int(_opt(spider, text, "totalRecord") or 0)
        spider.declare(spider.columns[response.meta["column"]], total or None, None)
        per = int(_opt(spider, text, "perPage") or 20)
        unitid, webid = _opt(spider, text, "unitid"), _opt(spider, text, "webid")
        colid = _opt(spider, text, "columnid")
        if not (unitid and colid) or total <= inline:
            return
        proxy = response.urljoin(_opt(spider, text, "proxyUrl") or "/module/web/jpage/dataproxy.jsp")
        form = {"col": "1", "appid": "1", "webid": webid or "1", "path": "/", "columnid": colid,
                "sourceContentType": "1", "unitid": unitid, "webname": _opt(spider, text, "webname") or "",
                "permissiontype": "0"}
        start = inline + 1
        while start <= total:
            end = start + per * 3 - 1
            url = f"{proxy}?{urlencode({'startrecord': start, 'endrecord': end, 'perpage': per})}"
            req = spider.api_request(self, url, response, method="POST", body=urlencode(form),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
            if req is None:
                break
            yield req
            start = end + 1

    def parse(self, spider, response):
        yield from self._records(spider, response, response.text)


class Gkmlpt:
    """Guangdong gkmlpt: ``window._CONFIG={SID:…}``; GET ``api/all/{catId}?page=N&sid=…`` → JSON
    ``{"total": …, "articles": [{"title", "url", "display_publish_time"}]}``."""

    family = "gkmlpt"

    def applies(self, spider, response) -> bool:
        return bool(self._params(spider, response.text))

    def _params(self, spider, text):
        sid = spider.site.options.get("sid") or (re.search(r"SID\s*:\s*['\"]([^'\"]+)", text) or [None, None])[1]
        cat = spider.site.options.get("cat_id") or (re.search(r"data-cat=['\"](\d+)", text) or [None, None])[1]
        return (str(sid), str(cat)) if sid and cat else None

    def start(self, spider, response):
        sid, cat = self._params(spider, response.text)
        req = spider.api_request(self, response.urljoin(f"api/all/{cat}") + "?" + urlencode({"page": 1, "sid": sid}),
                                 response, page=1)
        if req is not None:
            yield req

    def parse(self, spider, response):
        data = json.loads(response.text)
        arts = data.get("articles") or []
        for a in arts:
            req = spider.api_entry(response, a.get("url") or "", a.get("title"), _date(a.get("display_publish_time")))
            if req is not None:
                yield req
        total = int(data.get("total") or 0)
        spider.declare(spider.columns[response.meta["column"]], total, None)
        if response.meta["page"] == 1 and arts:
            for p in range(2, math.ceil(total / len(arts)) + 1):
                req = spider.api_request(self, _with_param(response.url, "page", p), response, page=p)
                if req is not None:
                    yield req


class Jpaas:
    """Hanweb jpaas: GET ``/api-gateway/jpaas-publish-server/front/page/build/unit`` with the
    page's webId, tplSetId, pageId and tagId and ``paramJson={"pageNo": N, "pageSize": M}`` →
    ``{"data": {"html": "<li>…</li><div class=pagination rows=M count=N>"}}``."""

    family = "jpaas"
    PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
    API = re.compile(r"""['"]([^'"\s]*/api-gateway/jpaas-publish-server/front/page/build/unit)['"]""")

    def applies(self, spider, response) -> bool:
        return bool(self._params(spider, response.text))

    def _params(self, spider, text):
        got = {k: _opt(spider, text, k) for k in ("webId", "tplSetId", "pageId")}
        if not all(got.values()):
            return None
        got["tagId"] = _opt(spider, text, "tagId") or ""
        got["pageSize"] = int(_opt(spider, text, "pageSize") or 15)
        m = self.API.search(text)  # the page may name its gateway (a site under a path)
        got["api"] = m.group(1) if m else self.PATH
        return got

    def _url(self, response, params: dict, page: int) -> str:
        q = {"parseType": "bulidstatic", "webId": params["webId"], "tplSetId": params["tplSetId"],
             "pageType": "column", "tagId": params["tagId"], "editType": "null", "pageId": params["pageId"],
             "paramJson": json.dumps({"pageNo": page, "pageSize": params["pageSize"]}, separators=(",", ":"))}
        return params["api"] + "?" + urlencode(q)

    def start(self, spider, response):
        params = self._params(spider, response.text)
        params["api"] = response.urljoin(params["api"])
        req = spider.api_request(self, self._url(response, params, 1), response, page=1, params=params)
        if req is not None:
            yield req

    def parse(self, spider, response):
        html = ((json.loads(response.text) or {}).get("data") or {}).get("html") or ""
        for href, title, date in _fragment_links(html):
            req = spider.api_entry(response, href, title, date)
            if req is not None:
                yield req
        m = re.search(r"""count=['"]?(\d+)""", html)
        rows = re.search(r"""rows=['"]?(\d+)""", html)
        if not m:
            return
        total = int(m.group(1))
        spider.declare(spider.columns[response.meta["column"]], total, None)
        params = response.meta["params"]
        per = int(rows.group(1)) if rows else params["pageSize"]
        if response.meta["page"] == 1:
            for p in range(2, math.ceil(total / per) + 1):
                req = spider.api_request(self, self._url(response, params, p), response, page=p, params=params)
                if req is not None:
                    yield req


class Igs:
    """TRS IGS: the page's script names ``/igs/front/search/list.html?…``; GET it with
    ``pageNumber=N`` → JSON ``{"page": {"content": [{DOCTITLE, DOCPUBURL, PUBDATE…}], "totalPages"}}``."""

    family = "igs"
    URL = re.compile(r"""['"]([^'"\s]*?/igs/front/search/list\.html\?[^'"\s]*)['"]""")

    def applies(self, spider, response) -> bool:
        return bool(self.URL.search(response.text))

    def start(self, spider, response):
        url = response.urljoin(self.URL.search(response.text).group(1).replace("&amp;", "&"))
        req = spider.api_request(self, _with_param(url, "pageNumber", 1), response, page=1)
        if req is not None:
            yield req

    def parse(self, spider, response):
        page = (json.loads(response.text) or {}).get("page") or {}
        for item in page.get("content") or []:
            title = item.get("DOCTITLE") or item.get("title") or item.get("FileName") or ""
            href = item.get("DOCPUBURL") or item.get("url") or item.get("docpuburl") or ""
            date = _date(item.get("PUBDATE") or item.get("pubDate") or item.get("DOCRELTIME"))
            req = spider.api_entry(response, href, re.sub(r"<[^>]+>", "", title), date)
            if req is not None:
                yield req
        total = page.get("total") if page.get("total") is not None else page.get("totalElements")
        spider.declare(spider.columns[response.meta["column"]], int(total) if total is not None else None,
                       page.get("totalPages"))
        if response.meta["page"] == 1:
            for p in range(2, int(page.get("totalPages") or 1) + 1):
                req = spider.api_request(self, _with_param(response.url, "pageNumber", p), response, page=p)
                if req is not None:
                    yield req


def _with_param(url: str, key: str, value) -> str:
    """`url` with query parameter `key` set to `value` (the others kept in order)."""
    p = urlsplit(url)
    q = [(k, v) for k, v in parse_qsl(p.query, keep_blank_values=True) if k != key]
    q.append((key, str(value)))
    return urlunsplit((p.scheme, p.netloc, p.path, urlencode(q), ""))


READERS = {r.family: r for r in (HanwebJpage(), Gkmlpt(), Jpaas(), Igs())}


def readers_for(spider, response, family=None) -> list:
    """The API readers that apply to a column page: the named family's, else every reader whose
    API the page shows (whatever family the page was taken for)."""
    if family is not None and family.name in READERS:
        named = READERS[family.name]
        return [named] if named.applies(spider, response) else []
    return [r for r in READERS.values() if r.applies(spider, response)]
