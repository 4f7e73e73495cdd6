"""Who published the report, for which year, when: from the page's metadata, title and text.

The year is read from the title and the text, never from a URL folder (folders often name
the year of publication, or nothing at all).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# A title's year: "2017年", "2017年度", or a year the report's own words follow at once
# ("柘城县发改委2017政府信息公开工作年度报告").
_TITLE_YEAR_END = r"(?:年度?|(?=(?:政府|政务)?信息(?:与政务)?公开|政务公开|年度报告|年报))"
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*" + _TITLE_YEAR_END)
_YEAR_PERIOD = re.compile(r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日?\s*(?:起\s*)?(?:至|到|—|-|–|~)")
# A paragraph opening with its year ("2021年，我局…", "2020年度我街办…"): the overview's way of
# naming the year under report when the title does not (an excerpt, a page without its title).
_YEAR_OPENS_LINE = re.compile(r"^[ \t\u00a0\u3000]*((?:19|20)\d{2})\s*年(?:度|\s*[，,]|(?=[^\d\s月]))", re.M)
_YEAR_NEAR_REPORT = re.compile(r"((?:19|20)\d{2})\s*年度?\s*(?:政府|政务)?信息公开")
_DATE = re.compile(r"(?:发布时间|发布日期|发文日期|成文日期|时间|日期)\s*[:：]?\s*((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_ISO_DATE = re.compile(r"((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})")
_TITLE_WORDS = re.compile(r"(政府|政务)?信息公开.{0,8}(年度报告|年报)|年度报告")
_HEADER_FIELD = re.compile(r"^[ \t]*(标题|发布机构|发布时间|来源)[ \t]*[:：][ \t]*(.*)$", re.M)
_AGENCY_PREFIX = re.compile(r"^(关于印发|关于公布|关于发布|《)")
_BREADCRUMB = re.compile(r"当前位置|您的位置|所在位置|首页\s*[>＞»›/]|[>＞»›]\s*\S+\s*[>＞»›]")
_CN_DIGITS = {"〇": "0", "零": "0", "○": "0", "Ｏ": "0", "O": "0", "０": "0", "一": "1", "二": "2", "三": "3",
              "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_CN_YEAR = re.compile("([" + "".join(_CN_DIGITS) + r"]{4})(?=\s*年)")


def arabic_years(text: str) -> str:
    """Years written in Chinese numerals (二〇一七年) as digits (2017年); nothing else changes."""
    def repl(m: re.Match) -> str:
        digits = "".join(_CN_DIGITS[c] for c in m.group(1))
        return digits if digits[:2] in ("19", "20") else m.group(1)

    return _CN_YEAR.sub(repl, text)


@dataclass
class Meta:
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    publication_date: str | None = None
    site_id_code: str | None = None
    region_code: str | None = None
    body_names: list[str] = field(default_factory=list)


def find_title(text: str) -> str | None:
    for m in _HEADER_FIELD.finditer(text[:3000]):
        if m.group(1) == "标题" and m.group(2).strip():
            return m.group(2).strip()
    lines = [ln.strip(" |\t\u00a0") for ln in text[:6000].split("\n")]
    for k, line in enumerate(lines):
        if _BREADCRUMB.search(line):
            continue  # "当前位置：首页 > 信息公开 > 年度报告" names the column, not the document
        nxt = lines[k + 1] if k + 1 < len(lines) else ""
        if (line and "信息公开" in line and not _TITLE_WORDS.search(line) and len(line) <= 40
                and re.fullmatch(r"(工作)?(年度报告|年报)", nxt)):
            line += nxt  # a title wrapped over two lines ("…政府信息公开工作" / "年度报告")
        if (6 <= len(line) <= 80 and _TITLE_WORDS.search(line) and not line.startswith(("根据", "本报告", "按照"))
                and not re.match(r"^[一二三四五六七八九十]、|^\(", line) and not line.endswith(("。", "；", ";"))):
            # "X报告 X报告" (a title printed twice by the page) keeps one copy.
            half = len(line) // 2
            if len(line) % 2 == 1 and line[:half] == line[half + 1:]:
                line = line[:half]
            return line
    return None


def year_from(title: str | None, text: str) -> int | None:
    if title:
        m = _YEAR_IN_TITLE.search(arabic_years(title))
        if m:
            return int(m.group(1))
    head = arabic_years(text[:20000])
    for rx in (_YEAR_PERIOD, _YEAR_NEAR_REPORT):
        m = rx.search(head)
        if m:
            return int(m.group(1))
    # The year most paragraphs open with (the first of equals): a plan for the next year opens
    # a paragraph too, but the year under report opens most of them.
    opening = [int(m.group(1)) for m in _YEAR_OPENS_LINE.finditer(head)]
    if opening:
        return max(dict.fromkeys(opening), key=opening.count)
    return None


_NEXT_LABEL = re.compile(r"\s+[\u4e00-\u9fff]{2,6}\s*[:：]")  # "党政办  公开日期：…": the next field


def header_issuer(text: str) -> str | None:
    """发布机构 of a metadata block printed as text: its value alone — the first cell where the block
    is a pipe row ("发布机构: | 党政综合办公室 | 公开日期: | …"), cut before a next field's label."""
    for m in _HEADER_FIELD.finditer(text[:3000]):
        if m.group(1) != "发布机构":
            continue
        value = next((c.strip() for c in m.group(2).split("|") if c.strip()), "")
        value = _NEXT_LABEL.split(value, 1)[0].strip()
        if value:
            return value
    return None


def agency_from(title: str | None, text: str) -> str | None:
    issuer = header_issuer(text)
    if issuer:
        return issuer
    if not title:
        return None
    t = _AGENCY_PREFIX.sub("", title).strip()
    t = re.sub(r"^(?:19|20)\d{2}\s*年度?", "", t).strip()  # "2019年上海市…办公厅政府信息公开…"
    m = (re.match(r"^(.*?)\s*(?:19|20)\d{2}\s*" + _TITLE_YEAR_END, t)
         or re.match(r"^(.*?)(?:政府|政务)?信息公开", t))
    if m and 2 <= len(m.group(1).strip()) <= 40:
        return m.group(1).strip()
    return None


def date_from(text: str) -> str | None:
    m = _DATE.search(text[:8000])
    if not m:
        return None
    y, mo, d = (int(x) for x in m.groups())
    if 1 <= mo <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


_ISSUER_LABEL = re.compile(r"^\s*(?:发布机构|发文机关|发布单位|发布部门|发文单位)\s*[:：]?\s*(.*?)\s*$")


def _issuer_of(root) -> str | None:
    """发布机构 of the page's metadata block: a label cell and the cell after it, or both in one."""
    for el in root.iter("td", "th", "span", "li", "dt", "dd", "p", "div"):
        own = el.text_content()
        if len(own) > 60:
            continue
        m = _ISSUER_LABEL.match(own)
        if not m:
            continue
        value = m.group(1)
        if not value:
            nxt = el.getnext()
            value = nxt.text_content().strip() if nxt is not None else ""
        value = re.sub(r"\s+", "", value)
        if 2 <= len(value) <= 40:
            return value
    return None


def html_meta(root) -> dict[str, str]:
    """The national website standard's <meta> tags and the metadata block (发布机构, 成文日期…)."""
    out: dict[str, str] = {}
    if root is None:
        return out
    for m in root.iter("meta"):
        name = (m.get("name") or "").strip()
        if name and m.get("content"):
            out[name] = m.get("content").strip()
    t = root.find(".//title")
    if t is not None and t.text_content().strip():
        out["html_title"] = t.text_content().strip()
    m = _SITE_CODE_TEXT.search(root.text_content()[-20000:])
    if m:  # the footer's 网站标识码 where the page has no SiteIDCode <meta>
        out.setdefault("SiteIDCode", m.group(1))
    issuer = _issuer_of(root)
    if issuer:
        out["issuer"] = issuer
    h1 = root.find(".//h1")
    if h1 is not None and h1.text_content().strip():
        out["h1"] = re.sub(r"\s+", " ", h1.text_content()).strip()
    return out


# A body's printed name: CJK, letters and the joiners bodies use (国网河南省电力公司柘城县供电公司,
# 吉林省安图县林业局-安图县林业局); the signature line above the report's date.
_NAME = re.compile(r"^[\u4e00-\u9fffA-Za-z（）()·\-—]{3,40}$")
_SIGNATURE_DATE = re.compile(r"^(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日?)?$|^(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}$")
_PREFIX_STOP = re.compile(r"[\s\d\W_]")
_PLACE_ENDS = set("省市区县州盟旗")  # a printed place before the name ends with its division word
_LEADING_WORDS = re.compile(r"^(?:.*(?:请与|联系|年度|年|在|由|与|向|经|对|为|是|据|和|及|的|了|将|把|被))?")
_BODY_WORDS = re.compile(r"(人民政府|政府|办公室|办公厅|委员会|局|厅|委|办|院|中心|公司|所|站|队|街道|镇|乡|管委会|管理委员会|法院|检察院)$")


def signature(text: str) -> str | None:
    """The body's name signed at the end of the report, above its date."""
    lines = [ln.strip(" \t\u00a0\u3000") for ln in text[-3000:].split("\n")]
    lines = [ln for ln in lines if ln]
    for k in range(len(lines) - 1, 0, -1):
        if _SIGNATURE_DATE.match(lines[k]) and _NAME.match(lines[k - 1]) and _BODY_WORDS.search(lines[k - 1]):
            return lines[k - 1]
        if len(lines) - k > 12:
            break
    return None


def fuller_mentions(name: str, text: str, limit: int = 3) -> list[str]:
    """The body's name as the text prints it with the places before it (新华区教育局 printed as
    平顶山市新华区教育局): the words that run into it, back to punctuation, space or a figure."""
    out: list[str] = []
    if not name or len(name) < 3:
        return out
    start = 0
    while len(out) < limit:
        i = text.find(name, start)
        if i < 0:
            break
        j = i
        while j > 0 and i - j < 12 and not _PREFIX_STOP.match(text[j - 1]):
            j -= 1
        prefix = _LEADING_WORDS.sub("", text[j:i])
        # A place before the name ends with its division word — or the name begins with it
        # (吉林 + 市林业局: the title's 市林业局 printed in full in the text).
        if prefix and (prefix[-1] in _PLACE_ENDS or (name[0] in _PLACE_ENDS and 2 <= len(prefix) <= 4)) \
                and prefix + name not in out:
            out.append(prefix + name)
        start = i + len(name)
    return out


def body_names(text: str, *printed: str | None) -> list[str]:
    """Every name the report prints for its body, in the order given (发布机构, the title's,
    the page's 来源…), each preceded by its fuller mentions in the text, then the signature."""
    names: list[str] = []
    sign = signature(text)
    for n in [*printed, sign]:
        n = re.sub(r"\s+", "", n or "")
        for m in [*fuller_mentions(n, text), n]:
            if m and m not in names:
                names.append(m)
    return names


_SITE_CODE_TEXT = re.compile(r"网站标识码\s*[:：]?\s*(\d{10})")


def region_from_site_id(code: str | None) -> str | None:
    """SiteIDCode: 6-digit division code + sequence (e.g. 4403000052 -> 440300)."""
    if code and re.fullmatch(r"\d{10}", code.strip()):
        region = code.strip()[:6]
        if region[:2] != "00":
            return region
    return None


def read_meta(text: str, html: dict[str, str] | None = None) -> Meta:
    html = html or {}
    title = html.get("ArticleTitle")
    if not title and html.get("h1") and len(html["h1"]) <= 80 and _TITLE_WORDS.search(html["h1"]):
        title = html["h1"]
    if not title and html.get("html_title"):
        first = re.split(r"\s*(?:_|\||--|-\s)\s*", html["html_title"])[0].strip()
        if _TITLE_WORDS.search(first):
            title = first
    title = title or find_title(text)
    meta = Meta(title=title)
    meta.year = year_from(title, text)
    issuer = html.get("issuer") or header_issuer(text)
    title_agency = agency_from(title, text) if title else None
    meta.agency = issuer or html.get("ContentSource") or agency_from(title, text)
    pub = html.get("PubDate") or html.get("pubdate") or ""
    m = _ISO_DATE.search(pub)
    if m:
        y, mo, d = (int(x) for x in m.groups())
        meta.publication_date = f"{y:04d}-{mo:02d}-{d:02d}"
    else:
        meta.publication_date = date_from(text)
    meta.site_id_code = html.get("SiteIDCode")
    if not meta.site_id_code:
        m = _SITE_CODE_TEXT.search(text[-20000:])
        meta.site_id_code = m.group(1) if m else None
    meta.region_code = region_from_site_id(meta.site_id_code)
    meta.body_names = body_names(text, issuer, title_agency, html.get("ContentSource"), meta.agency)
    return meta

