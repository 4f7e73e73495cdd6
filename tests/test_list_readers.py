"""The generic list readers on saved pages (a Scrapy HtmlResponse built from a file, no server).

tests/data/lists holds real list pages (the three shared replays' pages, an excerpt of a real
VSB column) with a hand-written truth (truth.json); tests/data/lists/variants holds pages of the
sample portal's variants, whose markup and pager vary independently of their CMS family.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler import families
from crawler.links import canonical, column_root, read_links
from crawler.pagers import read_pager

DATA = Path(__file__).resolve().parent / "data" / "lists"
VARIANTS = DATA / "variants"
TRUTH = {name: dict(spec, file=DATA / name)
         for name, spec in json.loads((DATA / "truth.json").read_text(encoding="utf-8"))["pages"].items()}
TRUTH.update({"variants/" + name: dict(spec, file=VARIANTS / name)
              for name, spec in json.loads((VARIANTS / "truth.json").read_text(encoding="utf-8"))["pages"].items()})


def reading(name: str, spec: dict):
    response = HtmlResponse(spec["url"], body=spec["file"].read_bytes())
    page = read_links(response.selector.root, spec["url"], columns=(spec["column"],))
    pager = read_pager(response.selector.root, spec["url"], page.links)
    return response, page, pager


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_entries_of_real_list_pages(name):
    spec = TRUTH[name]
    _r, page, _p = reading(name, spec)
    got = {link.url for link in page.of("entry")}
    assert got == set(spec["entries"]), (sorted(got - set(spec["entries"])), sorted(set(spec["entries"]) - got))
    offsite = {link.url for link in page.of("offsite") if link.verdict is not False}
    assert set(spec["offsite_reports"]) <= offsite
    assert not {link.url for link in page.of("offsite") if link.verdict is True} - set(spec["offsite_reports"])
    skipped = {link.url for link in page.of("skip")}
    assert set(spec["skipped"]) <= skipped
    assert {link.url for link in page.of("subcolumn")} == set(spec["subcolumns"])
    for link in page.of("entry"):  # every list line of these pages carries its date
        assert link.date and link.title, link


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_pagers_of_real_list_pages(name):
    spec = TRUTH[name]
    _r, page, pager = reading(name, spec)
    assert sorted(pager.pages) == sorted(spec["pages"])
    assert pager.declared_records == spec["declared_records"]
    assert pager.declared_pages == spec["declared_pages"]


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_family_recognised_from_the_page(name):
    spec = TRUTH[name]
    response, _page, _p = reading(name, spec)
    fam = families.detect(response.url, response.text)
    assert (fam.name if fam else None) == spec["family"]


def test_canonical_list_page_keys():
    assert canonical("http://h/a/b/index.html#x") == canonical("http://h/a/b/") == "http://h/a/b/"
    assert canonical("http://h/a/list.shtml") != canonical("http://h/a/")
    assert canonical("http://h/a/list.aspx?page=2") == "http://h/a/list.aspx?page=2"
    assert column_root("http://h/xxgk/xxgknb/index.html") == "/xxgk/xxgknb/"
    assert column_root("http://h/xxgk/xxgknb.htm") == "/xxgk/xxgknb/"
    assert column_root("http://h/zfxxgk/zfxxgknb/list.shtml") == "/zfxxgk/zfxxgknb/"


def test_links_never_followed_outside_http():
    html = (b"<ul><li><a href='mailto:x@y.cn'>2023\xe5\xb9\xb4\xe6\x94\xbf\xe5\xba\x9c\xe4\xbf\xa1\xe6\x81\xaf"
            b"\xe5\x85\xac\xe5\xbc\x80\xe5\xb7\xa5\xe4\xbd\x9c\xe5\xb9\xb4\xe5\xba\xa6\xe6\x8a\xa5\xe5\x91\x8a</a></li>"
            b"<li><a href='ftp://h/r.pdf'>2022\xe5\xb9\xb4\xe5\xb9\xb4\xe6\x8a\xa5</a></li>"
            b"<li><a href=\"javascript:window.open('/a/t20230101_1.html')\">2021\xe5\xb9\xb4\xe5\xb9\xb4\xe6\x8a\xa5</a></li></ul>")
    r = HtmlResponse("http://h/a/", body=html, encoding="utf-8")
    page = read_links(r.selector.root, r.url)
    assert {(link.url.split(":")[0], link.role) for link in page.links} == {("mailto", "scheme"), ("ftp", "scheme"),
                                                                              ("http", "entry")}


def test_cap_on_links_per_page_is_reported():
    rows = "".join(f"<li><a href='/a/t2023010{i % 9}_{i}.html'>2023年第{i}号政府信息公开工作年度报告</a></li>"
                   for i in range(50))
    r = HtmlResponse("http://h/a/", body=f"<ul>{rows}</ul>".encode(), encoding="utf-8")
    page = read_links(r.selector.root, r.url, max_links=20)
    assert page.capped and len(page.of("entry")) == 20
    assert not read_links(r.selector.root, r.url).capped


def test_every_markup_and_pager_form_has_a_saved_page():
    """The saved pages cover every list markup and pager form of the sample portal, on sites of
    several families (the real pages add theirs)."""
    from samples.portal.markup import MARKUPS, PAGERS

    variants = [spec for name, spec in TRUTH.items() if name.startswith("variants/")]
    assert {v["markup"] for v in variants} == set(MARKUPS)
    static = set(PAGERS) - {"createPageHTML0", "vsb"}  # those two: the original sites' own builders, and lishui
    assert {v["pager"] for v in variants} >= static
    assert len({v["family"] for v in variants}) >= 5


def test_saved_variant_pages_are_what_the_portal_serves():
    from samples.portal.saved import saved_pages

    files, truth = saved_pages()
    committed = json.loads((VARIANTS / "truth.json").read_text(encoding="utf-8"))["pages"]
    assert truth == committed, "regenerate: python -m samples.portal.saved tests/data/lists/variants"
    for name, body in files.items():
        assert (VARIANTS / name).read_bytes() == body, name


def _column_spider(settings: dict, **site):
    from scrapy.utils.test import get_crawler

    from crawler.spiders.column import ColumnSpider

    crawler = get_crawler(ColumnSpider, settings_dict=settings)
    config = {"name": "caps", "region_code": "350128", "start_urls": ["http://h/a/"], **site}
    crawler.spider = crawler._create_spider(site_config=config)
    return crawler.spider


def test_caps_are_read_once_from_the_settings_and_the_registry():
    from crawler.caps import DEFAULT_LINKS, DEFAULT_PAGES

    assert DEFAULT_LINKS >= 1000 and DEFAULT_PAGES >= 100  # far above a real column's pages and lines
    spider = _column_spider({})
    assert (spider.caps.links_per_page, spider.caps.list_pages) == (DEFAULT_LINKS, DEFAULT_PAGES)
    spider = _column_spider({"GOVREPORTS_MAX_LINKS_PER_PAGE": 7, "GOVREPORTS_MAX_LIST_PAGES": 9})
    assert (spider.caps.links_per_page, spider.caps.list_pages) == (7, 9)
    assert _column_spider({"GOVREPORTS_MAX_LIST_PAGES": 9}, max_pages=4).caps.list_pages == 4  # the site's own


def test_a_list_page_over_the_caps_is_read_up_to_them_and_says_so():
    """A saved-page list of 50 report lines with a pager of 40 pages, caps 20 links and 5 pages:
    20 entries followed, 5 list pages requested in all, both caps in the column's state and in
    the crawl's stats as `cap` faults, never counted as failed requests."""
    from scrapy import Request

    rows = "".join(f"<li><a href='/a/t2023010{i % 9 + 1}_{i}.html'>2023年第{i}号政府信息公开工作年度报告</a>"
                   f"<span>2023-01-0{i % 9 + 1}</span></li>" for i in range(50))
    body = f"<ul>{rows}</ul><script>createPageHTML(40, 0, 'index', 'html');</script>".encode()
    spider = _column_spider({"GOVREPORTS_MAX_LINKS_PER_PAGE": 20, "GOVREPORTS_MAX_LIST_PAGES": 5})
    first = spider.list_request("http://h/a/", "http://h/a/")
    response = HtmlResponse("http://h/a/", body=body, encoding="utf-8", request=first)
    out = [o for o in spider.parse_list(response) if isinstance(o, Request)]
    entries = [r for r in out if r.callback == spider.parse_detail]
    lists = [r for r in out if r.callback == spider.parse_list]
    state = spider.columns["http://h/a/"]
    assert len(entries) == 20 and len(lists) == 4 and state.requested == 5
    assert state.caps == ["links per list page (20)", "list pages per column (5)"]
    stats = spider.crawler.stats
    assert stats.get_value("govreports/faults/cap") == 2 and not stats.get_value("govreports/failed_requests")


# ---------------------------------------------------------------- list APIs, without a server
API_SITES = ("hongze", "longgang", "lucheng", "hbly")  # Hanweb jpage, gkmlpt, jpaas, TRS IGS


def _portal_response(portal, request):
    """The sample portal's answer to `request`, in process (Portal.handle), as Scrapy's response."""
    from scrapy.responsetypes import responsetypes

    raw = request.url.split("://", 1)[1]
    path = raw[raw.index("/"):]
    answer = portal.handle(request.method, path, request.headers.to_unicode_dict(), request.body or b"")
    headers = {"Content-Type": answer.ctype or "application/octet-stream"}
    cls = responsetypes.from_args(headers=headers, url=request.url, body=answer.body)
    return cls(request.url, status=answer.status, headers=headers, body=answer.body, request=request)


def _read_column(portal, spider):
    """Every list and API page of the spider's columns, answered by `portal` in process: the
    requests asked for, and the detail pages followed (url -> title)."""
    from scrapy import Request

    queue = [spider.list_request(u, u) for u in spider.start_urls]
    asked, followed = [], {}
    while queue:
        request = queue.pop(0)
        asked.append((request.method, request.url, request.body))
        for out in request.callback(_portal_response(portal, request)) or ():
            if isinstance(out, Request) and out.callback == spider.parse_detail:
                followed[out.url] = out.meta.get("title")
            elif isinstance(out, Request):
                queue.append(out)
    return asked, followed


def _api_spider(site: str, settings: dict | None = None):
    from crawler.registry import load_registry
    from samples.portal.server import REGISTRY

    config = {s.name: s for s in load_registry(REGISTRY, "http://127.0.0.1:8800")}[site]
    return _column_spider(settings or {}, **{k: v for k, v in config.to_dict().items() if k != "max_pages"})


@pytest.mark.parametrize("site", API_SITES)
def test_lists_behind_an_api_are_read_to_their_tail(site):
    """A column whose lines (or their tail) come from a list API — Hanweb's inline <datastore> then
    dataproxy.jsp, gkmlpt's JSON, jpaas's unit, IGS's search — read on the sample portal's answers
    without a server: every report of the column is followed, nothing else with a report title,
    each list or API page asked for once, and the API's own total declared to the column."""
    from samples.portal.server import Portal, truth

    portal = Portal()
    base = "http://127.0.0.1:8800"
    spider = _api_spider(site)
    asked, followed = _read_column(portal, spider)
    want = {base + r["detail"] for r in truth(portal) if r["site"] == site}
    assert want <= set(followed), sorted(want - set(followed))
    from crawler import judge

    assert all(judge.is_report_title(t) is not True for u, t in followed.items() if u not in want)
    assert len(asked) == len(set(asked)) >= 2  # the column page and at least one API page, each once
    (state,) = spider.columns.values()
    entries = [e for e in next(s for s in portal.sites if s.name == site).entries]
    assert state.declared_records == len(entries) and state.lines >= len(entries) * 0.9, (state, len(entries))
    assert not state.failed and not state.caps


@pytest.mark.parametrize("snippet,records,pages", [
    ('<div class="page">Total record 99</div>', 99, None),
    ('<div class="page">共 23 条记录 当前第1页</div>', 23, None),
    ('<script>var recordCount = 23; var pageSize = 10;</script>', 23, None),
    ('<script>$("#p").jpage({perPage:20,totalRecord:41});</script>', 41, None),
    ('<script type="text/xml"><datastore><totalrecord>17</totalrecord></datastore></script>', 17, None),
    ('<div class="page">共 4 页</div>', None, 4),
    ('<div class="page">页次：1/6页</div>', None, 6),
])
def test_the_count_a_list_declares(snippet, records, pages):
    body = f"<html><body><ul><li><a href='t20230101_1.html'>2022年政府信息公开工作年度报告</a></li></ul>{snippet}</body></html>"
    r = HtmlResponse("http://h/a/", body=body.encode(), encoding="utf-8")
    page = read_links(r.selector.root, r.url)
    pager = read_pager(r.selector.root, r.url, page.links)
    assert (pager.declared_records, pager.declared_pages) == (records, pages)


@pytest.mark.parametrize("site", ("longgang", "hbly"))  # entries read from JSON only
def test_an_api_page_is_held_to_the_cap_on_links(site):
    from samples.portal.server import Portal

    spider = _api_spider(site, {"GOVREPORTS_MAX_LINKS_PER_PAGE": 2})
    _asked, followed = _read_column(Portal(), spider)
    (state,) = spider.columns.values()
    assert state.caps == ["links per list page (2)"] and len(followed) <= 2 * state.answered
    assert spider.crawler.stats.get_value("govreports/faults/cap") == 1
