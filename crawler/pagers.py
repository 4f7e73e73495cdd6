"""The further pages of a list, from every kind of pager, and the count the list declares.

Forms read, whatever the CMS: ``createPageHTML(n, cur, "index", "html")`` (0-based, TRS classic)
and ``createPageHTML('div', n, cur, 'list', 'shtml', records)`` (1-based, TRS newer); a custom
``Pager({size: n, current: 0, prefix: 'index', suffix: 'html'})``; ``countPage`` / ``totalPage`` /
``pageCount`` variables beside a ``document.write`` pager; plain HTML pagers already in the page
(page numbers, 下一页/下页/尾页/末页, ``index_N.html``, ``list_N.shtml``, ``?page=N``), VSB pagers
that count down (page 2 of 31 is ``list/30.htm``), and the declared counts (Total record 99,
共99条, 共7页, 1/7, recordCount, totalRecord).

A pager shows only a window of its pages: the numbers it shows, its last page and the declared
count give the range, and every page of the range is listed (the caller requests each once).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from .links import ListLink, canonical, column_root

CREATE_CLASSIC = re.compile(r"""createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*["'](\w+)["']\s*,\s*["'](\w+)["']\s*\)""")
CREATE_NEWER = re.compile(r"""createPageHTML\(\s*['"][\w-]*['"]\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*['"](\w+)['"]\s*,"""
                          r"""\s*['"](\w+)['"]\s*(?:,\s*(\d+))?\s*\)""")
PAGER_CALL = re.compile(r"""\bPager\(\s*\{([^}]*)\}""")
PAGE_VARS = re.compile(r"""\b(countPage|totalPages?|pageCount|pageTotal|page_count|maxPage|pageSum)\s*[=:]\s*['"]?(\d+)""")
CURRENT_VAR = re.compile(r"""\b(currentPage|curPage|pageIndex|current)\s*[=:]\s*['"]?(\d+)""")
SCRIPT_PREFIX = re.compile(r"""["'](\w+)["']\s*\+\s*["']_["']|["'](\w+)_["']\s*\+""")
SCRIPT_SUFFIX = re.compile(r"""["']\.["']\s*\+\s*["'](s?html?)["']|["']\.(s?html?)["']""")
RECORDS = [re.compile(p, re.I) for p in (
    r"Total\s*record\D{0,60}?(\d+)", r"共\s*有?\s*(\d+)\s*条", r"(?:总记录数|记录总数|总条数|记录数)\s*[:：为]?\s*(\d+)",
    r"(\d+)\s*条记录", r"""\b(?:recordCount|totalRecord|totalCount|recordTotal|totalRecords|total_count)\b['"]?\s*[:=]\s*['"]?(\d+)""",
    r"<totalrecord>\s*(\d+)\s*</totalrecord>")]
PAGES = [re.compile(p) for p in (
    r"共\s*(\d+)\s*页", r"第?\s*\d+\s*/\s*(\d+)\s*页", r"_simple_list_gotopage_fun\(\s*(\d+)", r"页次\s*[:：]?\s*\d+\s*/\s*(\d+)")]
PAGE_PARAMS = ("page", "pageno", "pagenum", "pageindex", "cur_page", "curpage", "currentpage", "p", "pn", "pagenumber",
               "page_no", "start")
MAX_PAGES = 200


@dataclass
class PagerReading:
    pages: list[str] = field(default_factory=list)  # further list pages, absolute, in order
    declared_pages: int | None = None
    declared_records: int | None = None
    kinds: list[str] = field(default_factory=list)  # the forms recognised


def _script_text(root) -> str:
    return "\n".join(s.text or "" for s in root.iter("script"))


def _visible(root) -> str:
    """The page's text outside scripts and styles, with title attributes (title="Total record")."""
    parts = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.get("title"):
            parts.append(el.get("title"))
        if el.text and el.tag not in ("script", "style"):
            parts.append(el.text)
        if el.tail:
            parts.append(el.tail)
    return re.sub(r"\s+", " ", " ".join(parts))


def _numbered(page_url: str, prefix: str, ext: str, numbers) -> list[str]:
    return [urljoin(page_url, f"{prefix}_{i}.{ext}" if i is not None else f"{prefix}.{ext}") for i in numbers]


def read_pager(root, page_url: str, links: list[ListLink], *, max_pages: int = MAX_PAGES) -> PagerReading:
    """The list's further pages (every page the pager implies, but this one) and its counts."""
    out = PagerReading()
    scripts = _script_text(root)
    visible = _visible(root)
    found: list[str] = []

    m = CREATE_NEWER.search(scripts)
    if m:
        n, prefix, ext = int(m.group(1)), m.group(3), m.group(4)
        out.kinds.append("createPageHTML (1-based)")
        out.declared_pages = n
        if m.group(5):
            out.declared_records = int(m.group(5))
        found += _numbered(page_url, prefix, ext, [None] + list(range(2, min(n, max_pages) + 1)))
    else:
        m = CREATE_CLASSIC.search(scripts)
        if m:
            n, prefix, ext = int(m.group(1)), m.group(3), m.group(4)
            out.kinds.append("createPageHTML (0-based)")
            out.declared_pages = n
            found += _numbered(page_url, prefix, ext, [None] + list(range(1, min(n, max_pages))))
    m = PAGER_CALL.search(scripts)
    if m and not out.kinds:
        cfg = dict(re.findall(r"""(\w+)\s*:\s*['"]?([\w.-]+)['"]?""", m.group(1)))
        if cfg.get("size", "").isdigit():
            n = int(cfg["size"])
            prefix, ext = cfg.get("prefix", "index"), cfg.get("suffix", "html")
            out.kinds.append("Pager({...})")
            out.declared_pages = n
            found += _numbered(page_url, prefix, ext, [None] + list(range(1, min(n, max_pages))))
    if not out.kinds:
        found += _script_vars(scripts, page_url, out, max_pages)

    html_pages = _html_pager(page_url, links, out, max_pages)
    found += html_pages
    if html_pages and "HTML pager" not in out.kinds:
        out.kinds.append("HTML pager")

    if out.declared_records is None:
        for p in RECORDS:
            m = p.search(visible) or p.search(scripts)
            if m:
                out.declared_records = int(m.group(1))
                break
    if out.declared_pages is None:
        for p in PAGES:
            m = p.search(visible) or p.search(scripts)
            if m:
                out.declared_pages = int(m.group(1))
                break
    here = canonical(page_url)
    seen = {here}
    for u in found:
        c = canonical(u)
        if c not in seen and urlsplit(u).scheme in ("http", "https"):
            seen.add(c)
            out.pages.append(u)
    del out.pages[max_pages:]
    return out


def _script_vars(scripts: str, page_url: str, out: PagerReading, max_pages: int) -> list[str]:
    """``var countPage = 2`` with a document.write pager: the pages are named after this one
    (index.html → index_1.html, 0-based where the script counts from 0, else 1-based from _2)."""
    m = PAGE_VARS.search(scripts)
    if not m or not re.search(r"document\.write|innerHTML", scripts):
        return []
    n = int(m.group(2))
    cur = CURRENT_VAR.search(scripts)
    name = urlsplit(page_url).path.rsplit("/", 1)[-1] or "index.html"
    stem, _, ext = name.partition(".")
    pm, sm = SCRIPT_PREFIX.search(scripts), SCRIPT_SUFFIX.search(scripts)
    prefix = (pm.group(1) or pm.group(2)) if pm else re.sub(r"_\d+$", "", stem)
    ext = (sm.group(1) or sm.group(2)) if sm else (ext or "html")
    zero = (cur is not None and int(cur.group(2)) == 0) or "从0开始" in scripts
    out.kinds.append(f"{m.group(1)} variable ({'0' if zero else '1'}-based)")
    out.declared_pages = n
    numbers = range(1, min(n, max_pages)) if zero else range(2, min(n, max_pages) + 1)
    return _numbered(page_url, prefix, ext, [None] + list(numbers))


_DIGITS = re.compile(r"\d+")


def _key(url: str) -> str:
    p = urlsplit(url)
    return p.path + ("?" + p.query if p.query else "")


def _html_pager(page_url: str, links: list[ListLink], out: PagerReading, max_pages: int) -> list[str]:
    """Pages of a pager written in the HTML: its links grouped by shape (the URL with its numbers
    blanked), each group's page numbers giving the range. Only groups beside the list (the page's
    folder or the column's) that look like a pager (a pager word, or two page numbers) count."""
    here = urlsplit(page_url)
    folders = (here.path.rpartition("/")[0] + "/", column_root(page_url))
    by_shape: dict[str, list[ListLink]] = {}
    for link in links:
        u = urlsplit(link.url)
        if link.role == "pager" and u.hostname == here.hostname and u.path.startswith(folders):
            by_shape.setdefault(_DIGITS.sub("#", _key(link.url)), []).append(link)
    pages: list[str] = []
    for group in by_shape.values():
        words = [g for g in group if not re.search(r"\d", g.title)]
        if words or len({g.url for g in group}) >= 2:
            pages += _range_of(page_url, group, out, max_pages)
    return pages


def _page_param(url: str) -> int | None:
    """Which number of the URL is the value of its page parameter (?page=3, &pageNo=3)."""
    p = urlsplit(url)
    if not p.query:
        return None
    key = _key(url)
    offset = len(p.path) + 1
    for m in re.finditer(r"(?:^|&)([^=&]+)=(\d+)(?=&|$)", p.query):
        if m.group(1).lower() in PAGE_PARAMS:
            pos = offset + m.start(2)
            return next(i for i, d in enumerate(_DIGITS.finditer(key)) if d.start() == pos)
    return None


def _varying(urls: list[str]) -> int | None:
    """Which number of the URLs carries the page: the one that differs between them, else the
    page parameter of the query, else the last number of the path."""
    nums = [_DIGITS.findall(_key(u)) for u in urls]
    if not nums[0] or any(len(n) != len(nums[0]) for n in nums):
        return None
    differing = [i for i in range(len(nums[0])) if len({n[i] for n in nums}) > 1]
    if differing:
        return differing[-1]
    param = _page_param(urls[0])
    if param is not None:
        return param
    path_nums = _DIGITS.findall(urlsplit(urls[0]).path)
    return len(path_nums) - 1 if path_nums else None


def _substitute(url: str, index: int, value: int) -> str:
    p = urlsplit(url)
    key = p.path + ("?" + p.query if p.query else "")
    ms = list(_DIGITS.finditer(key))
    m = ms[index]
    key = key[:m.start()] + str(value) + key[m.end():]
    path, _, query = key.partition("?")
    return urlunsplit((p.scheme, p.netloc, path, query, ""))


def _range_of(page_url: str, group: list[ListLink], out: PagerReading, max_pages: int) -> list[str]:
    urls = [link.url for link in group]
    index = _varying(urls)
    if index is None:
        return list(dict.fromkeys(urls))
    values = {}
    for link in group:
        values[link.url] = int(_DIGITS.findall(_key(link.url))[index])
    lo, hi = min(values.values()), max(values.values())
    nxt = next((values[link.url] for link in group if re.sub(r"\s+", "", link.title) in ("下一页", "下页", "next", ">", "后一页")),
               None)
    first = _is_first(page_url)
    # VSB counts down: on the first page the next page carries the highest number (list/30.htm of 31)
    descending = first and nxt is not None and nxt == hi and hi > lo
    if descending:
        lo = min(lo, 1)
    elif first and nxt is not None and out.declared_pages:
        hi = max(hi, nxt + out.declared_pages - 2)  # the pager shows a window; the count says how far
    template = urls[0]
    span = range(lo, hi + 1)
    if len(span) > max_pages:
        span = range(lo, lo + max_pages)
    return [_substitute(template, index, v) for v in span]


def _is_first(page_url: str) -> bool:
    """The page holding the pager is the list's first page (no page number, or page 1 / 0)."""
    name = urlsplit(page_url).path.rsplit("/", 1)[-1]
    q = dict((k.lower(), v) for k, v in parse_qsl(urlsplit(page_url).query))
    if any(k in q for k in PAGE_PARAMS):
        return any(q.get(k) in ("0", "1") for k in PAGE_PARAMS)
    return not re.search(r"_\d+\.\w+$|/\d+\.\w+$", "/" + name)
