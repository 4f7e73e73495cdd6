"""Is a document an annual open-government report?  Judged on its title and its content.

The field titles its reports in many ways (…政府信息公开工作年度报告, …政务公开报告,
…信息与政务公开工作报告, …年报, 关于印发…年度报告的通知, years written 二〇一七年) and
publishes look-alikes beside them (指南, 目录, 解读, 网站工作年度报表, 预算/决算, 工作要点,
notices about writing reports, news of year-end meetings).  Reports of every period share
their content: they cite the regulation, state the year covered, and report on proactive
disclosure, requests, reviews and litigation, fees, problems and improvements — whether or
not they print the national tables of 2019/2021.
"""
from __future__ import annotations

import re

from .metadata import arabic_years

# What a report calls itself.  "信息公开" alone is not enough: a column name (信息公开年报) or a
# 指南 carries it too, so the report word must follow it.
_REPORT_NAME = re.compile(
    r"(?:政府|政务)?信息(?:与政务)?公开.{0,16}?(?:报告|年报|工作总结)"
    r"|政务公开.{0,16}?(?:报告|年报|工作总结)"
    r"|政府信息.{0,8}?年度报告"
    r"|年度报告编制公布工作总结"
)
# Look-alikes: published beside reports, often in the same column.
_LOOK_ALIKE = re.compile(
    r"指南|目录|解读|图解|读懂|报表|预算|决算|工作要点|要点|计划|方案|实施意见|指引|办法|规定|制度|细则|清单|"
    r"考核|评估|测评|抽查|督查|检查|通报|会议|发布会|培训班|征集"
)
_NOTICE = re.compile(r"(?:通知|通告|公告|函)$")
# "关于印发…年度报告的通知" carries a report; "关于做好/报送…年度报告…的通知" is about writing one.
_NOTICE_CARRIES = re.compile(r"印发|公布|发布")
_NOTICE_ABOUT = re.compile(r"做好|报送|编制|填报|开展|组织|规范|加强|进一步")
_YEAR = re.compile(r"(?:19|20)\d{2}")


def title_verdict(title: str | None) -> bool | None:
    """True: the title names an annual report; False: it names something else; None: it says
    nothing either way (no title, or a column name without a year) — let the content decide."""
    if not title:
        return None
    t = arabic_years(re.sub(r"\s+", "", title))
    if not _REPORT_NAME.search(t):
        return False if _LOOK_ALIKE.search(t) or _NOTICE.search(t) else None
    if _NOTICE.search(t):
        if not _NOTICE_CARRIES.search(t) or _NOTICE_ABOUT.search(t):
            return False
        t = re.sub(r"^关于(?:印发|公布|发布)", "", t)
    if _LOOK_ALIKE.search(t):
        return False
    if not _YEAR.search(t):
        return None  # "政府信息公开年报": the name of a column as often as of a report
    return True


# Signs of a report's content, one per kind of thing a report of any period reports on.
_SIGNS = (
    re.compile(r"政府信息公开条例"),
    re.compile(r"(?:19|20)\d{2}\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到|—|-|–|~)|本年度|全年|一年来|年度内"),
    re.compile(r"报告如下|本报告|本年报|年度报告"),
    re.compile(r"总体情况|基本情况|概述"),
    re.compile(r"主动公开"),
    re.compile(r"依申请公开|信息公开申请|公开申请"),
    re.compile(r"行政复议|行政诉讼|复议|诉讼|申诉|举报|投诉"),
    re.compile(r"收费|减免|收取.{0,4}费用"),
    re.compile(r"存在的?(?:主要)?问题|存在.{0,6}不足|不足之处"),
    re.compile(r"改进|工作打算|下一步|今后"),
    re.compile(r"其[他它]需要报告"),
    re.compile(r"机构建设|保障经费|工作人员|专职|兼职"),
    re.compile(r"回应|解读|新闻发布会"),
)
_REPORT_SELF = re.compile(r"年度报告|年报|工作报告|情况报告|报告如下|本报告")


def content_signs(text: str) -> int:
    """How many kinds of report content the text shows (0 to len(_SIGNS))."""
    head = text[:60000]
    return sum(1 for rx in _SIGNS if rx.search(head))


def _report_titles_listed(text: str) -> int:
    """Lines that are themselves report titles: a list page of reports holds many."""
    n = 0
    for line in text[:60000].split("\n"):
        line = line.strip()
        if 8 <= len(line) <= 90 and title_verdict(line) is True:
            n += 1
    return n


def is_annual_report(title: str | None, text: str) -> bool:
    """A report is titled as one (or not titled otherwise) and reads as one."""
    verdict = title_verdict(title)
    if verdict is False:
        return False
    signs = content_signs(text)
    if _report_titles_listed(text) >= 4 and signs < 7:
        return False  # a list of reports, not a report
    if verdict is True:
        return signs >= 4
    return signs >= 6 and bool(_REPORT_SELF.search(text[:60000]))
