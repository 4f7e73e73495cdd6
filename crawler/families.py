"""The CMS families of government portals: the one list, with the signatures that recognise them.

A family matters to the crawler only where its lists come from an API the HTML does not show
(``list_api``: gkmlpt, Hanweb jpage, jpaas, TRS IGS); every other family's lists are read by the
generic readers (crawler.links, crawler.pagers) and the family is recorded for the operator.
The registry may name a family (``"family": "hanweb"``); otherwise :func:`detect` recognises it
from the column page: script signatures, URL shapes of the page and of its links, API hints.

The sample portal (samples/portal) publishes sites of these families and the tests check that
each is recognised, so a new family is added here first (docs/extending.md, "Add a family").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import RegistryError


@dataclass(frozen=True)
class Family:
    name: str  # registry value, e.g. "trs"
    cms: str  # what the family is, for people
    signs: tuple[str, ...]  # regular expressions over the page's HTML (scripts included)
    url_signs: tuple[str, ...] = ()  # regular expressions over the page URL and the page's hrefs
    list_api: bool = False  # lists come from an API: crawler.spiders.apis has its reader

    def score(self, url: str, text: str) -> tuple[int, int]:
        """(page signatures, URL signatures) the page shows."""
        page = sum(1 for p in _compiled(self.signs) if p.search(text))
        return page, sum(1 for p in _compiled(self.url_signs) if p.search(url) or p.search(text))


_CACHE: dict[tuple[str, ...], tuple[re.Pattern, ...]] = {}


def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    got = _CACHE.get(patterns)
    if got is None:
        got = _CACHE[patterns] = tuple(re.compile(p, re.I) for p in patterns)
    return got


# API families first: where their signature is on the page, the list lives behind their API.
FAMILIES: tuple[Family, ...] = (
    Family("gkmlpt", "Guangdong 政府信息公开目录平台 (gkmlpt)",
           (r"window\._CONFIG\s*=\s*\{[^}]*SID", r"/gkmlpt/api/", r"data-cat=['\"]\d+"),
           (r"/gkmlpt/(?:index|content)",), list_api=True),
    Family("hanweb", "Hanweb 大汉 jpage",
           (r"<datastore>", r"\.jpage\(\s*\{", r"/module/web/jpage/dataproxy\.jsp", r"/module/jslib/jquery/jpage/"),
           (r"/col/col\d+/index\.html", r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html"), list_api=True),
    Family("jpaas", "Hanweb 大汉 jpaas",
           (r"jpaas-publish-server", r"['\"]?tplSetId['\"]?\s*[:=]"), list_api=True),
    Family("igs", "TRS 海云 IGS search lists",
           (r"/igs/front/search/list\.html",), list_api=True),
    Family("trs", "TRS WCM",
           (r"createPageHTML\s*\(", r"class=['\"]?TRS_Editor", r"trs_editor_view", r"CurrChnlCls",
            r"OLDSRC=['\"]/protect/", r"var\s+countPage\s*=", r"Custom_UnionStyle"),
           (r"/t\d{8}_\d+(?:_wap)?\.s?html",)),
    Family("vsb", "VSB 博达",
           (r"/system/resource/js/", r"_simple_list_gotopage_fun", r"id=['\"]?vsb_content", r"v_news_content",
            r"_showDynClicks?Batch"),
           (r"/info/\d+/\d+\.htm",)),
    Family("empirecms", "EmpireCMS 帝国",
           (r"/e/search/", r"/e/public/ViewClick", r"EmpireCMS", r"title=['\"]Total record"),
           (r"/d/file/",)),
    Family("dedecms", "DedeCMS 织梦",
           (r"/plus/search\.php", r"/plus/list\.php", r"DedeCMS", r"dedeajax"),
           (r"/list_\d+_\d+\.html",)),
    Family("jeecms", "JEECMS",
           (r"jeecms", r"/r/cms/"),
           (r"/\d{4,}\.jhtml", r"/index_\d+\.jhtml")),
    Family("aspnet", "ASP.NET portals (动易 and others)",
           (r"__VIEWSTATE", r"__doPostBack"),
           (r"\.aspx(?:\?|$|['\"])",)),
)
BY_NAME = {f.name: f for f in FAMILIES}
NAMES = tuple(BY_NAME)


def family_named(name: str | None) -> Family | None:
    if not name:
        return None
    try:
        return BY_NAME[name]
    except KeyError:
        raise RegistryError(f"unknown family {name!r} (known: {', '.join(NAMES)})") from None


def detect(url: str, text: str) -> Family | None:
    """The family a column page shows most signs of (a script or markup signature counts twice a
    URL shape); an API family wins wherever its page signatures are present (its list is not in the
    HTML). None: no family recognised (the generic readers do)."""
    best, best_score = None, 0
    for fam in FAMILIES:
        page, urls = fam.score(url, text)
        if page and fam.list_api:
            return fam
        if 2 * page + urls > best_score:
            best, best_score = fam, 2 * page + urls
    return best
