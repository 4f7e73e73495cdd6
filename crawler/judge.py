"""Judging pages by content: report titles, years, soft blocks and script challenges, regions."""
from __future__ import annotations

import re

# A report's title: a year, the subject (信息公开, 政务公开, 政府信息...) and a report word, in every
# wording portals use: …政府信息公开工作年度报告, …政务公开报告, …信息与政务公开工作报告, …年报,
# …政府信息年度报告, 关于印发…年度报告的通知, years as 2023 or 二〇二三.
SUBJECT = re.compile(r"信息公开|政务公开|政府信息|政务信息|信息与政务|公开工作")
REPORT_WORD = re.compile(r"年度报告|年报|工作报告|公开报告|信息报告|总结报告|工作情况报告|年度工作情况")
SUMMARY_WORD = re.compile(r"工作总结|情况报告|报告")
# Look-alikes that are not the annual report: modifiers anywhere in the title (a reading of a
# report, a guide to writing one, the website's own annual statistics) and kinds of document, which
# win only where they come after the report word ("…卫生和计划生育委员会…年度报告" is a report,
# "…年度报告编制培训会议" is not).
NOT_REPORT_ANYWHERE = re.compile(r"解读|图解|一图读懂|编制指引|意见箱|网站工作年度|网站年度|政府网站")
NOT_REPORT_KIND = re.compile(
    r"指南|目录|报表|预算|决算|会议|培训|考核|测评|评估|评议|申请表|登记表|统计表|计划|规划|方案|制度|规定|"
    r"办法|工作要点|述职|检查|督查|自查|整改|绩效")
NOTICE = re.compile(r"通知|通告|公告|函$")
# "关于印发…年度报告的通知" carries a report; "关于做好/报送…年度报告…的通知" does not.
NOTICE_CARRIES_REPORT = re.compile(r"印发|公布|发布")
NOTICE_ABOUT_REPORTS = re.compile(r"做好|报送|编制|填报|征集|开展|组织|提交|上报|督促|抽查")

WIDE_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
CN_DIGITS = str.maketrans("〇零○Ｏ一二三四五六七八九", "0000123456789")
CN_YEAR = re.compile(r"[〇零○Ｏ一二三四五六七八九]{4}(?=\s*年)")
YEAR_PATTERNS = [
    re.compile(r"(20\d\d|19\d\d)\s*年?度?\s*(?:政府信息公开|政务公开|信息公开|政府信息|政务信息)"),
    re.compile(r"(?:政府信息公开|政务公开|信息公开)[^，。]{0,12}?(20\d\d|19\d\d)\s*年度?报告"),
    re.compile(r"(?<!\d)(20\d\d|19\d\d)\s*年"),
    re.compile(r"(?<!\d)(20\d\d|19\d\d)(?!\d)"),
]
DOCUMENT_URL = re.compile(r"\.(pdf|docx?|wps|xlsx?|rtf|ofd|zip|rar|jpe?g|png|tiff?)(?:$|[?#])", re.I)


def _normal(title: str) -> str:
    t = re.sub(r"\s+", "", title).translate(WIDE_DIGITS)
    return CN_YEAR.sub(lambda m: m.group(0).translate(CN_DIGITS), t)


def is_report_title(title: str | None) -> bool | None:
    """True: the title names an annual report (of a year); False: it names something else (a
    look-alike, a notice about writing reports, news); None: it cannot decide (a report wording
    without a year, a 工作总结, an empty title): fetch the page and let its content decide."""
    if not title:
        return None
    t = _normal(title)
    if NOT_REPORT_ANYWHERE.search(t):
        return False
    if NOTICE.search(t):
        if not REPORT_WORD.search(t):
            return False
        return bool(NOTICE_CARRIES_REPORT.search(t)) and not NOTICE_ABOUT_REPORTS.search(t)
    report = max((m.end() for m in REPORT_WORD.finditer(t)), default=-1)
    summary = max((m.end() for m in SUMMARY_WORD.finditer(t)), default=-1) if SUBJECT.search(t) else -1
    kind = max((m.end() for m in NOT_REPORT_KIND.finditer(t)), default=-1)
    if kind > max(report, summary):
        return False
    year = year_of_title(t) is not None
    if report >= 0 and (SUBJECT.search(t) or "年度报告" in t or "年报" in t):
        return True if year else None
    if summary >= 0:
        return None  # 2017年度政府信息与政务公开工作总结, 政务公开工作情况: the page decides
    return False


def year_of_title(title: str | None) -> int | None:
    if not title:
        return None
    t = _normal(title)
    for p in YEAR_PATTERNS:
        m = p.search(t)
        if m:
            return int(m.group(1))
    return None


def is_document_url(url: str) -> bool:
    """A link straight to a document file (PDF, Word, images of a report)."""
    return bool(DOCUMENT_URL.search(url))


SOFT_BLOCK_WORDS = re.compile(
    r"访问异常|访问过于频繁|请开启\s*JavaScript|enable\s+JavaScript|安全验证|访问被拒绝|拦截|"
    r"waf|验证码|请稍后再试|Access\s+Denied", re.I)
CHALLENGE_MARKS = re.compile(rb"\$_ts|__jsluid|__jsl_clearance|document\.cookie\s*=.*location", re.S)


def is_challenge(status: int, body: bytes) -> bool:
    """瑞数 412 / 加速乐 521 script challenges: only a browser gets through."""
    return status in (412, 521) or (len(body) < 20000 and bool(CHALLENGE_MARKS.search(body[:20000]))
                                     and status != 200)


def is_soft_block(status: int, body: bytes, text: str | None = None) -> bool:
    """A short page with status 200 that says the visit was blocked, not a document."""
    if len(body) > 6000:
        return False
    if text is None:
        for enc in ("utf-8", "gb18030"):
            try:
                text = body.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            text = body.decode("utf-8", "replace")
    visible = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", text, flags=re.S | re.I)
    visible = re.sub(r"\s+", " ", visible).strip()
    return len(visible) < 400 and bool(SOFT_BLOCK_WORDS.search(visible))


SHELL_REDIRECT = re.compile(
    r"""(?:location\.replace\(\s*|location\.href\s*=\s*|window\.location\s*=\s*|"""
    r"""http-equiv=["']?refresh["']?\s+content=["']\d+;\s*url=)["']?([^"')>\s;]+)""", re.I)


def shell_target(body: bytes) -> str | None:
    """Where a tiny shell page (location.replace / meta refresh) sends the browser."""
    if len(body) > 2048:
        return None
    m = SHELL_REDIRECT.search(body.decode("utf-8", "replace"))
    return m.group(1) if m else None


SITE_ID_CODE = re.compile(rb"""<meta\s+name=["']SiteIDCode["']\s+content=["'](\d{6,})["']""", re.I)


def site_id_code(body: bytes) -> str | None:
    m = SITE_ID_CODE.search(body[:20000])
    return m.group(1).decode() if m else None


def region_of_site_id(code: str | None) -> str | None:
    if code and len(code) >= 6 and code[:6].isdigit() and code[:2] != "00":
        return code[:6]
    return None
