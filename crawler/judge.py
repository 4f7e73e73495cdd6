"""Judging pages by content: report titles, years, soft blocks and script challenges, regions."""
from __future__ import annotations

import re

REPORT_WORDS = re.compile(r"年度报告|年报")
NOT_REPORT = re.compile(r"指南|目录|解读|图解|编制指引|工作要点|意见箱")
NOTICE = re.compile(r"通知|通告|公告")
# "关于印发…年度报告的通知" carries a report; "关于做好/报送…年度报告…的通知" does not.
NOTICE_CARRIES_REPORT = re.compile(r"印发|公布|发布")
NOTICE_ABOUT_REPORTS = re.compile(r"做好|报送|编制|填报|征集|开展|组织")

YEAR_PATTERNS = [
    re.compile(r"(20\d\d|19\d\d)\s*年?度?\s*(?:政府信息公开|政务公开|信息公开)"),
    re.compile(r"(?:政府信息公开|政务公开|信息公开)[^，。]{0,12}?(20\d\d|19\d\d)\s*年度?报告"),
    re.compile(r"(20\d\d|19\d\d)\s*年"),
]


def is_report_title(title: str | None) -> bool | None:
    """True/False from a list title, None when the title says nothing (fetch and judge by content)."""
    if not title:
        return None
    t = re.sub(r"\s+", "", title)
    if not REPORT_WORDS.search(t):
        return False
    if NOT_REPORT.search(t):
        return False
    if NOTICE.search(t):
        return bool(NOTICE_CARRIES_REPORT.search(t)) and not NOTICE_ABOUT_REPORTS.search(t)
    return True


def year_of_title(title: str | None) -> int | None:
    if not title:
        return None
    t = re.sub(r"\s+", "", title)
    for p in YEAR_PATTERNS:
        m = p.search(t)
        if m:
            return int(m.group(1))
    return None


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
