"""The links of a list page, whatever markup holds them, each with its title, date and role.

Every ``<a href>`` of the page is considered (``ul/li``, ``dl/dd``, table rows, ``div``/``span``
blocks, anchors separated by ``<br>``, broken nesting such as ``<a><a>``). A link is judged by
its title and URL, not by its container:

- ``entry``: a list line to follow (a report by its title, or a line of the list whose title
  cannot decide: its page's content decides);
- ``skip``: a list line whose title says it is not a report (指南, 预算, news...);
- ``subcolumn``: a list page below the column (year or body-kind sub-columns: ``2023年``,
  ``部门年报``);
- ``pager``: a link of the list's pager (crawler.pagers reads those);
- ``nav``: menus, breadcrumbs, footers, 更多, the column itself and pages above it;
- ``offsite``: a link to a host the site does not cover (recorded, never followed);
- ``scheme``: not http(s) (``mailto:``, ``ftp:``...): never followed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

from . import judge

DATE = re.compile(r"((?:19|20)\d\d)\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?")
PAGER_WORDS = {"首页", "上一页", "上页", "下一页", "下页", "尾页", "末页", "前一页", "后一页", "最后一页", "第一页",
               "最前页", "最后页", "next", "prev", "previous", "last", "first", "»", "«", ">", "<", ">>", "<<",
               "跳转", "go", "确定"}
PAGE_NUMBER = re.compile(r"^\[?\s*\d{1,4}\s*\]?$")
MORE = re.compile(r"^(?:更多|查看更多|more|更多>+|>>+|»+|\+|更多\+)$", re.I)
CRUMB_HINT = re.compile(r"crumb|position|location|dqwz|weizhi|mianbao|bread|curpos|current-?path", re.I)
OPEN_IN_SCRIPT = re.compile(r"""(?:window\.open|location\.href\s*=|location\.assign|openurl|opendetail)\s*\(?\s*['"]([^'"]+)['"]""",
                            re.I)
INDEX_NAME = re.compile(r"^(?:index|list|default|main)(?:_\d+)?\.(?:s?html?|jsp|aspx?|php)$", re.I)
LIST_LIKE = re.compile(r"(?:^|/)(?:index|list|default)(?:_\d+)?\.(?:s?html?|jsp|aspx?|php)$|/$", re.I)
# Detail pages carry an id or a date in their path: t20230118_4373320.html, art_1229_5244568.html,
# /info/1308/25196.htm, post_1665156.html, 24971296.jhtml, 2018-07-12/7479.html, hex ids.
DETAIL_LIKE = re.compile(r"\d{5,}|(?:19|20)\d\d[-/]?\d{1,2}[-/]?\d{1,2}|/\d+\.s?html?$|[0-9a-f]{16,}", re.I)
SUBCOLUMN_TITLE = re.compile(
    r"^(?:(?:19|20)\d\d\s*年?度?|[〇零一二三四五六七八九]{4}\s*年度?)$|年报|年度报告|报告|部门|乡镇|街道|镇街|县区|区县|市直|"
    r"直属|单位|机关|区级|县级|市级|镇级|本级")
from .caps import DEFAULT_LINKS as MAX_LINKS  # anchors read per list page (the crawl passes its setting)
SCHEMES = ("http", "https")


@dataclass
class ListLink:
    url: str
    title: str
    date: str | None
    role: str  # entry | skip | subcolumn | pager | nav | offsite | scheme
    verdict: bool | None = None  # judge.is_report_title(title)
    why: str = ""
    group: str = ""  # the line's place in the page (tag path): lines of one list share it
    line: bool = False  # a line of the page's list (its group holds dated or report lines), followed or not


@dataclass
class ListPage:
    url: str
    links: list[ListLink] = field(default_factory=list)
    capped: bool = False  # more anchors than the cap (max_links): the rest was not read

    def of(self, *roles: str) -> list[ListLink]:
        return [link for link in self.links if link.role in roles]


def canonical(url: str) -> str:
    """The key of a list page: fragment dropped, ``dir/index.html`` the same as ``dir/``."""
    p = urlsplit(url)
    path = p.path or "/"
    head, _, tail = path.rpartition("/")
    if re.fullmatch(r"(?:index|default)\.(?:s?html?|jsp|php|aspx?)", tail, re.I):
        path = head + "/"
    return urlunsplit((p.scheme, (p.hostname or "") + (f":{p.port}" if p.port else ""), path, p.query, ""))


def column_root(url: str) -> str:
    """The path under which a column's own sub-columns live: ``/xxgk/xxgknb/`` for
    ``/xxgk/xxgknb/index.html`` and for ``/xxgk/xxgknb.htm`` (VSB)."""
    path = urlsplit(url).path or "/"
    head, _, tail = path.rpartition("/")
    if not tail or INDEX_NAME.match(tail):
        return head + "/"
    return head + "/" + tail.rsplit(".", 1)[0] + "/"


def _text(el) -> str:
    return re.sub(r"\s+", " ", el.text_content() or "").strip()


def _title(a) -> str:
    """The fuller of the title attribute and the link text (texts are often cut: "…")."""
    text = _text(a)
    attr = re.sub(r"\s+", " ", a.get("title") or "").strip()
    if len(attr) > len(text.rstrip(".…")):
        return attr
    if not text:
        imgs = a.xpath(".//img/@alt")
        return (imgs[0].strip() if imgs else "") or attr
    return text


def _hints(a) -> tuple[bool, str]:
    """(inside breadcrumbs, the tag path of the link's ancestors) by class/id and tags."""
    crumbs = False
    parts = []
    for el in a.iterancestors():
        if not isinstance(el.tag, str):
            continue
        ident = " ".join(filter(None, (el.get("class"), el.get("id"))))
        if ident and CRUMB_HINT.search(ident):
            crumbs = True
        cls = (el.get("class") or "").split()
        parts.append(el.tag + ("." + cls[0] if cls else ""))
    return crumbs, "/".join(reversed(parts))


def _lines(anchors: list) -> dict:
    """Each anchor's line: its largest ancestor holding no link to another URL."""
    urls_below: dict = {}
    for a, url in anchors:
        for el in a.iterancestors():
            urls_below.setdefault(el, set()).add(url)
    lines = {}
    for a, url in anchors:
        node = a
        for el in a.iterancestors():
            if el.tag in ("body", "html") or len(urls_below.get(el, ())) > 1:
                break
            node = el
        lines[a] = node
    return lines


def _date(line, title: str) -> str | None:
    """The date of a list line: in the line, else where markups put it beside the line (the next
    ``<dd>`` or cell holding no link; the text between ``<br>`` around a bare anchor)."""
    text = _text(line)
    if title:
        text = text.replace(title, " ", 1)
    m = DATE.search(text) or DATE.search(title)
    if not m:
        nxt = line.getnext()
        if nxt is not None and isinstance(nxt.tag, str) and not nxt.xpath(".//a"):
            m = DATE.search(_text(nxt))
    if not m and line.tag == "a":
        prev = line.getprevious()
        before = (prev.tail if prev is not None else line.getparent().text) or ""
        m = DATE.search(before.rsplit("\n", 1)[-1] + " " + (line.tail or "").split("\n", 1)[0])
    if not m:
        return None
    y, mo, d = m.groups()
    return f"{y}-{int(mo):02d}-{int(d):02d}"


def read_links(root, page_url: str, *, base_url: str | None = None, allowed: callable = None,
               columns: tuple[str, ...] = (), max_links: int = MAX_LINKS) -> ListPage:
    """The links of the list page `root` (an lxml element) at `page_url`.

    `base_url`: the page's ``<base href>`` if any. `allowed(url)`: whether the site covers a URL
    (default: the page's host). `columns`: the URLs of the site's columns (start URLs), whose own
    links and whose ancestors are navigation."""
    base = base_url or page_url
    here = urlsplit(page_url)
    allowed = allowed or (lambda u: urlsplit(u).hostname == here.hostname)
    selves = {canonical(page_url)} | {canonical(c) for c in columns}
    roots = [column_root(c) for c in (columns or (page_url,))]
    page = ListPage(page_url)
    anchors = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        if href.lower().startswith("javascript"):
            m = OPEN_IN_SCRIPT.search(href) or OPEN_IN_SCRIPT.search(a.get("onclick") or "")
            if m:
                href = m.group(1)
            elif judge.is_report_title(_title(a)) is not True:
                continue  # a button of the page (void(0), a pager's onclick): nothing to record
            # else a report's link with no URL to read: kept, as a link not followed (scheme)
        if len(anchors) >= max_links:
            page.capped = True
            break
        anchors.append((a, urljoin(base, href)))
    lines = _lines(anchors)
    seen: dict[str, ListLink] = {}
    for a, url in anchors:
        title = _title(a)
        prev = seen.get(url)
        if prev is not None:  # the same URL twice (<a><a>, a picture and its caption): the fuller title
            if len(title) > len(prev.title):
                prev.title, prev.verdict = title, judge.is_report_title(title)
                prev.date = prev.date or _date(lines[a], title)
                _classify(prev, title, here, selves, roots, allowed)
            continue
        crumbs, group = _hints(lines[a])
        link = ListLink(url=url, title=title, date=_date(lines[a], title), role="", group=group)
        link.verdict = judge.is_report_title(title)
        link.why = "crumbs" if crumbs else ""
        _classify(link, title, here, selves, roots, allowed)
        seen[url] = link
        page.links.append(link)
    _entries_by_list(page)
    return page


def _classify(link: ListLink, title: str, here, selves: set, roots: list, allowed) -> None:
    url = link.url
    parts = urlsplit(url)
    bare = re.sub(r"\s+", "", title)
    if parts.scheme not in SCHEMES:
        link.role, link.why = "scheme", parts.scheme or url.split(":", 1)[0].lower()
        return
    if bare.lower() in PAGER_WORDS or PAGE_NUMBER.match(bare):
        link.role = "pager"
        return
    if MORE.match(bare):
        link.role, link.why = "nav", "more"
        return
    if canonical(url) in selves:
        link.role, link.why = "nav", "the column itself"
        return
    if not allowed(url):
        link.role = "offsite"
        return
    if parts.hostname == here.hostname and _above(parts.path, here.path) and not parts.query:
        link.role, link.why = "nav", "a page above the list"
        return
    if link.why == "crumbs":
        link.role = "nav"
        return
    under = any(parts.path.startswith(r) and parts.path != r.rstrip("/") for r in roots)
    if (under and link.verdict is not True and not judge.is_document_url(url) and len(bare) <= 15
            and SUBCOLUMN_TITLE.search(bare) and not DETAIL_LIKE.search(parts.path.rsplit("/", 1)[-1] or "x")):
        link.role = "subcolumn"
        return
    if link.verdict is True:
        link.role = "entry"
    elif link.verdict is False:
        link.role = "skip"
    else:
        link.role = "undecided"  # settled by _entries_by_list


def _above(path: str, here: str) -> bool:
    """A directory above (or the directory of) the page `here`: ../, ../../index.html, /."""
    d = path if path.endswith("/") else (path.rpartition("/")[0] + "/" if INDEX_NAME.match(path.rpartition("/")[2]) else None)
    return d is not None and (here.rpartition("/")[0] + "/").startswith(d)


def _entries_by_list(page: ListPage) -> None:
    """A link whose title cannot decide is an entry if it is a line of the list: dated, or in a
    group of lines holding dated or report lines, with a URL of a page, not of a list; otherwise
    navigation (a side menu named like the column, 年度报告 in a header)."""
    listed = {}
    for link in page.links:
        if link.role in ("entry", "skip") or (link.role == "offsite" and link.verdict is not False):
            if link.date or link.verdict is True:
                listed[link.group] = listed.get(link.group, 0) + 1
    for link in page.links:
        if link.role == "offsite":
            continue
        if link.role != "undecided":
            continue
        path = urlsplit(link.url).path
        page_like = judge.is_document_url(link.url) or (DETAIL_LIKE.search(path) and not LIST_LIKE.search(path))
        if page_like and (link.date or listed.get(link.group, 0) >= 1):
            link.role = "entry"
        else:
            link.role, link.why = "nav", "title says nothing, not a line of the list"
    for link in page.links:
        link.line = (link.role in ("entry", "skip") and link.group in listed
                     or link.role == "offsite" and link.verdict is not False and bool(link.date))
