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
# A title that opens with its year and names no body before its report words ("2022年政府信息公开工作年度报告").
_YEAR_THEN_TITLE = re.compile(r"(?:19|20)\d{2}\s*年度?\s*(?:(?:政府|政务)?信息(?:与政务)?公开|政务公开)")
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
    agency_source: str | None = None  # AGENCY_SOURCES: where the agency was read
    findings: list = field(default_factory=list)  # parsers.record.Finding: what the page says otherwise


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
        prev = next((p for p in reversed(lines[max(0, k - 2):k]) if p), "")
        if _YEAR_THEN_TITLE.match(line) and len(line) <= 40 and is_body_name(prev) and not _TITLE_WORDS.search(prev):
            line = prev + line  # the body's name on the line above ("九原区政务服务局" / "2022年…年度报告")
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


def title_agency(title: str | None) -> str | None:
    """The body a report's title names: what precedes its year or its report words
    ("淮安市洪泽区人民政府2024年政府信息公开…", "2019年上海市人民政府办公厅政府信息公开…")."""
    if not title:
        return None
    t = _AGENCY_PREFIX.sub("", arabic_years(title)).strip()
    t = re.sub(r"^(?:19|20)\d{2}\s*年度?", "", t).strip()  # "2019年上海市…办公厅政府信息公开…"
    names = []
    m = re.match(r"^(.*?)\s*(?:19|20)\d{2}\s*" + _TITLE_YEAR_END, t)
    if m:
        names.append(m.group(1))
    m = re.match(r"^(.*?)(政府|政务)?信息(?:与政务)?公开", t)
    if m:  # "…牌头镇人民政府信息公开年报": 政府 is the end of the body's name, not of 政府信息公开
        names.append(m.group(1) + "政府" if m.group(2) == "政府" and m.group(1).endswith("人民") else m.group(1))
    # Whichever ends first: "X办公室政府信息公开工作2025年度报告", "X人民政府2024年政府信息公开…"
    name = _joined(min((n for n in names if n.strip()), key=len, default=""))
    if name.startswith(("关于", "转发", "印发", "做好")):  # "关于2022年度政府信息公开情况的报告": no body named
        return None
    return name if 3 <= len(name) <= 40 else None


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


# ----------------------------------------------------------------------------- the body

# Where a report's agency was read, strongest first: the page's 发布机构 field (or a text dump's),
# the report's title, its signature (落款), its opening sentences; then, only where the report names
# no body, the title of the list entry that linked it (storage.hints) and the page's <meta> names.
AGENCY_SOURCES = ("header", "title", "signature", "text", "list_title", "page_meta")
HEADER, TITLE, SIGNATURE, TEXT, LIST_TITLE, PAGE_META = AGENCY_SOURCES

_SELF = re.compile(r"^(?:本|我|该)")  # 本局, 我镇: the report speaking of itself, never a name
_ABBREVIATED = re.compile(r"^[省市区县州镇乡](?!场)")  # 市林业局, 区政府办公室: the place left out (not 市场…)
_PLACE_INSIDE = re.compile(r"^.+[省市区县州盟旗镇乡]")  # a place printed in the name
_NAME_CHARS = r"[\u4e00-\u9fffA-Za-z（）()·\-—]"
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff“”（）()])\s+(?=[\u4e00-\u9fff“”（）()])")
# Opening sentences that name the body: "由武进区湖塘镇人民政府编制", "现公布界炮镇人民政府2023年
# 政府信息公开工作年度报告", "《西柳镇人民政府2023年…》", "2022年,二道区房屋征收工作管理办公室认真贯彻…".
_MADE_BY = re.compile(r"由(" + _NAME_CHARS + r"{3,40}?)(?:负责)?(?:编制|制作|撰写)")
_BEFORE_YEAR = re.compile(r"(" + _NAME_CHARS + r"{3,40})(?=(?:19|20)\d{2}\s*年度?\s*(?:政府|政务)?信息(?:与政务)?公开)")
_SENTENCE_LEAD = re.compile(r"^.*(?:现将|现就|现予|公布|(?:编制|制作)(?!委员会|办公室)|发布|形成|汇报|报告|关于|根据|按照|印发|做好|的|了|是|将|就|由|对|现)")
_OPENS_WITH_BODY = re.compile(r"(?:^|\n)[ \t\u3000]*(?:19|20)\d{2}\s*年度?\s*[，,]\s*(" + _NAME_CHARS + r"{3,30}?)"
                              r"(?=认真|坚持|严格|深入|全面|进一步|始终|高度|按照|根据|紧紧|紧扣|围绕|积极|持续|扎实|"
                              r"切实|不断|继续|着力|聚焦|全力|主动|依法|以)")
# Words that open a sentence's action, not a body's name ("2023年，围绕区委区政府…").
_ACTION_FIRST = re.compile(r"^(?:加强|围绕|推进|全面|移交|落实|配合|协助|组织|在|结合|通过|对|为|按|根据|坚持|认真|深入|进一步|继续|不断)")
# The office that compiled a government's report ("由两城镇人民政府党政办公室编制"): the government is the body.
_COMPILING_OFFICE = re.compile(r"^(.+?(?:人民政府|政府))(?:党政|综合|行政)?[\u4e00-\u9fff]{0,6}(?:办公室|办)$")
# Body-name words printed in more than one way (storage's report key reads them as one body).
ABBREVIATIONS = {
    "科委": "科学技术委员会", "科技委": "科学技术委员会", "发改委": "发展和改革委员会", "发改局": "发展和改革局",
    "教委": "教育委员会", "卫健委": "卫生健康委员会", "卫生健康委": "卫生健康委员会", "卫健局": "卫生健康局",
    "卫计委": "卫生和计划生育委员会", "国资委": "国有资产监督管理委员会", "人社局": "人力资源和社会保障局",
    "住建局": "住房和城乡建设局", "住建委": "住房和城乡建设委员会", "市监局": "市场监督管理局",
    "文旅局": "文化和旅游局", "应急局": "应急管理局", "医保局": "医疗保障局", "民宗局": "民族宗教事务局",
    "经信局": "经济和信息化局", "经信委": "经济和信息化委员会", "工信局": "工业和信息化局",
    "农业农村委": "农业农村委员会", "交通委": "交通委员会", "规自局": "规划和自然资源局", "退役军人局": "退役军人事务局",
    "编办": "机构编制委员会办公室", "政府办": "政府办公室", "街道办": "街道办事处",
}
_ABBREVIATION = re.compile("(" + "|".join(sorted(ABBREVIATIONS, key=len, reverse=True)) + ")$")
# A government printed as its place alone, as 人民政府, 政府 or a zone's 管理委员会 (党工委管委会).
_GOVERNMENT = re.compile(r"(?:党工委、?)?(?:人民政府|政府|管理委员会)$")


@dataclass(frozen=True)
class BodyName:
    name: str
    source: str  # one of AGENCY_SOURCES


def _joined(name: str) -> str:
    """A name without the white space a line break or the page put inside it."""
    return re.sub(r"\s+", "", _CJK_GAP.sub("", name.strip())) if name else ""


def is_body_name(name: str | None) -> bool:
    return bool(name) and bool(_NAME.match(name)) and bool(_BODY_WORDS.search(name)) and not _SELF.match(name)


def is_place_only(name: str | None) -> bool:
    """A place's name alone (平潭综合实验区, 洪泽区): a title naming the body by its place."""
    return bool(name) and bool(re.search(r"[省市区县州盟旗]$", name)) and not _BODY_WORDS.search(name)


def is_abbreviated(name: str | None) -> bool:
    """A name printed without its place (市林业局, 区政府办公室): it names a body only with the
    place the rest of the report (or the list that linked it) gives."""
    return bool(name) and bool(_ABBREVIATED.match(name))


def name_key(name: str) -> str:
    """One spelling of a body's name for telling bodies apart (never stored as its name): white
    space removed, a common short form in full (上海市科委 -> 上海市科学技术委员会), a government's
    words as one (X镇 / X镇人民政府 / X镇政府, 平潭综合实验区管委会 / 平潭综合实验区), a
    sub-district office as one (X街道 / X街道办 / X街道办事处)."""
    n = _joined(name).replace("管委会", "管理委员会")
    n = _ABBREVIATION.sub(lambda m: ABBREVIATIONS[m.group(1)], n)
    n = re.sub(r"街道(?:办事处)?$", "街道办事处", n)
    n = _GOVERNMENT.sub("", n) if len(_GOVERNMENT.sub("", n)) >= 2 else n
    n = re.sub(r"(?:人民政府|政府|管理委员会)(?=办公室$)", "人民政府", n)
    return n


def same_body(a: str | None, b: str | None) -> bool:
    """Do two printed names name one body?  One is the other with places before it (洪泽区人民政府,
    淮安市洪泽区人民政府), or they differ only in the words name_key reads as one."""
    if not a or not b:
        return False
    ka, kb = name_key(a), name_key(b)
    return ka == kb or ka.endswith(kb) or kb.endswith(ka)


def _sentence_name(raw: str) -> str | None:
    """The body's name at the end of a run of words (the words before it cut off); none where
    the run speaks of the report's body as 我… (汇报我镇2023年…)."""
    name = _SENTENCE_LEAD.sub("", raw)
    return name if is_body_name(name) and "我" not in name else None


def text_names(text: str) -> list[str]:
    """The body's names the opening sentences print, in printed order."""
    head = text[:3000]
    found: list[tuple[int, str]] = []
    for m in _MADE_BY.finditer(head):
        name = _sentence_name(m.group(1))
        if name:
            office = _COMPILING_OFFICE.match(name)
            found.append((m.start(1), office.group(1) if office else name))
    for rx in (_BEFORE_YEAR, _OPENS_WITH_BODY):
        for m in rx.finditer(head):
            name = _sentence_name(m.group(1))
            if name and not (rx is _OPENS_WITH_BODY and _ACTION_FIRST.match(name)):
                found.append((m.start(1), name))
    out: list[str] = []
    for _, name in sorted(found):
        if name not in out:
            out.append(name)
    return out


def page_names(html: dict[str, str]) -> list[tuple[str, str]]:
    """[(name, where)]: the bodies the page's metadata names — the site's name (SiteName, the
    <title> after the document's own), the CMS's ContentSource. The hosting site's, not always the
    report's: a report reposted on another body's site carries that site's names."""
    out: list[tuple[str, str]] = []
    for key in ("ContentSource", "SiteName"):
        if html.get(key):
            out.append((_joined(html[key]), f"<meta {key}>"))
    parts = re.split(r"\s*(?:_|\||--|-\s)\s*", html.get("html_title") or "")
    for part in parts[1:]:
        if is_body_name(_joined(part)):
            out.append((_joined(part), "<title>"))
    seen: set[str] = set()
    return [(n, w) for n, w in out if n and not (n in seen or seen.add(n))]


def _completed(name: str, text: str, others: list[str], excluded: set[str]) -> str | None:
    """An abbreviated name in full, from a fuller mention of the same name in the same report:
    the text's (吉林市林业局 for the title's 市林业局), or another of its names that ends with it."""
    for full in [*fuller_mentions(name, text), *others]:
        if full != name and full.endswith(name) and not is_abbreviated(full) and full not in excluded:
            return full
    return None


def read_body(text: str, title: str | None, html: dict[str, str] | None = None) -> tuple[BodyName | None, list[str], list]:
    """The body that wrote the report, read from the report itself: (its name and where it was
    read, every name the report prints for it — fullest first, for its region —, findings).
    The page's <meta> names stand in only where the report names none, and say so; a page naming
    another body than the report is a finding, never silently resolved."""
    from .record import Finding

    html = html or {}
    pages = page_names(html)
    header = _joined(html.get("issuer") or header_issuer(text) or "")
    in_title = title_agency(title)
    placed_header = header if header and _PLACE_INSIDE.match(header) and not is_abbreviated(header) else None
    ordered = [BodyName(n, src) for n, src in
               [(placed_header, HEADER), (in_title, TITLE), (signature(text), SIGNATURE),
                *((n, TEXT) for n in text_names(text)), (None if placed_header else header, HEADER)]
               if n and not _SELF.match(n)]
    # A CMS prints the hosting site's name into the page (its 来源, even the report's own words and
    # signature): a name of the page that the report's title contradicts is the page's, not the report's.
    page_set = {n for n, _ in pages}
    excluded = {n for n in page_set if in_title and not same_body(n, in_title)
                and not (is_place_only(in_title) and n.startswith(in_title))}
    excluded_printed = {_joined(c.name) for c in ordered} & excluded
    ordered = [c for c in ordered if _joined(c.name) not in excluded]
    chosen: BodyName | None = None
    findings: list = []
    for k, c in enumerate(ordered):
        name = _joined(c.name)
        if is_place_only(name):
            # A title naming its place alone: the body is the one a fuller name beginning with that
            # place names — another of the report's names, else the document's ContentSource
            # (平潭综合实验区 -> 平潭综合实验区管委会办公室); never the site's name (SiteName, <title>).
            own = next((o for o in map(_joined, (o.name for o in ordered)) if o != name and o.startswith(name)), None)
            page = next(((n, w) for n, w in pages if w == "<meta ContentSource>" and n != name
                         and n.startswith(name) and n not in excluded), None)
            if own:
                chosen = BodyName(own, c.source)
            elif page:
                chosen = BodyName(page[0], PAGE_META)
                findings.append(Finding("body.from_page", f"the report names its body by its place alone ({name}): "
                                        f"the page's {page[1]} gives {page[0]}", severity="info"))
            else:
                chosen = BodyName(name, c.source)
            break
        if not is_abbreviated(name):
            chosen = BodyName(name, c.source)
            break
        full = _completed(name, text, [_joined(o.name) for o in ordered[k + 1:]], excluded)
        if full:
            chosen = BodyName(full, c.source)
            break
    if chosen is None and ordered:  # only abbreviated names, none printed in full: kept as printed
        chosen = BodyName(_joined(ordered[0].name), ordered[0].source)
    if chosen is None and pages:
        name, where = pages[0]
        chosen = BodyName(name, PAGE_META)
        findings.append(Finding("body.from_page", f"the report names no body: the page's {where} gives {name}",
                                severity="info"))
    elif chosen is not None:
        for name, where in pages:
            # The document's ContentSource names its body; a site's name (SiteName, <title>) differs
            # wherever a body publishes on another's site — a finding where the page printed it as
            # the report's own (its signature, its words) and the report's title says otherwise.
            if name == chosen.name or (where != "<meta ContentSource>" and name not in excluded_printed):
                continue
            if not same_body(name, chosen.name):
                findings.append(Finding(
                    "body.page_names_other", f"the page's {where} names {name}; the report names its body "
                    f"{chosen.name} ({chosen.source}), which is kept", severity="info"))
    if chosen is None:
        return None, [], findings
    # The names it prints for itself (the chosen one first); its opening sentences' only where chosen.
    printed = [chosen.name] + [_joined(c.name) for c in ordered if c.source != TEXT]
    return chosen, [n for n in body_names(text, *printed) if n not in excluded], findings


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
    body, meta.body_names, meta.findings = read_body(text, title, html)
    if body is not None:
        meta.agency, meta.agency_source = body.name, body.source
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
    return meta

