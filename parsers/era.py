"""Whether a report shows itself written under the 2019 regulation (国务院令第711号, in force
15 May 2019), whatever its title and tables lost.

Reports for 2019 on follow the national tables; the older statistics (template "2016") are of the
reports before.  A report whose title and tables are damaged still shows its era in its own words:
the revised regulation named, the period it reports on, the section headings article 50 of the
revised regulation asks for, the column headings of the national tables.  Such a report is one
whose tables are missing, never one to be read on the older form's sentences.
"""
from __future__ import annotations

import re

from .metadata import arabic_years
from .record import FIRST_TEMPLATE_YEAR

_YEAR = r"((?:19|20)\d{2})"
# The year a report says it covers: the period of its figures, or its own name ("2021年度报告",
# "2021年政府信息公开工作年度报告"); a plan for the next year ("2019年，我局将…") is neither.
_YEAR_COVERED = (
    re.compile(_YEAR + r"年1月1日?(?:起)?(?:至|到|—|-|–|~)(?:\1年)?12月31日"),
    re.compile(_YEAR + r"\s*年度?\s*(?:(?:政府|政务)信息(?:与政务)?公开|政务公开)?\s*(?:工作)?\s*年度报告"),
    re.compile(_YEAR + r"\s*年度报告"),
)
# Words of the revised regulation and of the national tables that the old regulation (2008) and
# the older statistics never print.
_SIGNS = (
    # "written according to the revised regulation": a 2018 report names the revision too, as a plan
    # ("贯彻落实新修订的《条例》…尚未出台"), never as what it was written under
    ("the revised regulation", re.compile(r"(?:根据|依据|按照|依照)(?:新修订|2019年修订)(?:的|后的)?"
                                          r"《(?:中华人民共和国)?政府信息公开条例》|国务院令第711号")),
    ("the revised regulation's section 收到和处理政府信息公开申请", re.compile(r"收到和处理政府信息公开申请")),
    ("the revised regulation's section 被申请行政复议、提起行政诉讼", re.compile(r"政府信息公开工作被申请行政复议")),
    ("the national tables' heading 第二十条第(一)项", re.compile(r"第二十条第\s*[(（]\s*[一五六八]\s*[)）]\s*项")),
)


def later_signs(text: str) -> list[str]:  # white space is removed before these patterns
    """What in the report's text shows it is of the 2019 regulation or later (the year it covers,
    FIRST_TEMPLATE_YEAR on; the revised regulation's words): [] where nothing does."""
    flat = re.sub(r"[ \t\u00a0\u3000]+", "", arabic_years(text))
    for rx in _YEAR_COVERED:  # the year it says it covers decides where it says one
        years = [int(m.group(1)) for m in rx.finditer(flat)]
        if years:
            if min(years) < FIRST_TEMPLATE_YEAR:
                return []
            return [f"reports on {min(years)}"] + [what for what, rx in _SIGNS if rx.search(flat)]
    return [what for what, rx in _SIGNS if rx.search(flat)]
