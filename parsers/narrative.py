"""The narrative sections of a report, found by their numbered headings (一、… 二、…).

The national template's sections are 一 总体情况, 五 存在的主要问题及改进情况 and 六 其他需要报告的
事项; reports from before it number their sections freely (一、主动公开政府信息的情况 … 八、存在的
主要问题和改进措施) and often open with an unnumbered preamble.  A heading is recognised by what
it says, not by its number.
"""
from __future__ import annotations

import re

MAX_SECTION = 20000
# The national template's narrative; reports of other templates keep every section found.
TEMPLATE_SECTIONS = ("overview", "problems", "other")

_NUMERALS = "一二三四五六七八九十"
# After a line break, punctuation, or a figure (squashed text runs a table's last figure into it).
_HEADING = re.compile(r"(?:^|(?<=[\s\d|。；;:：!！?？)）]))([一二三四五六七八九十]{1,3})\s*[、.．]\s*")
# The rest of a heading run into its text: "…存在的主要问题及改进情况2025年…".
_TITLE_REST = re.compile(r"[^\s，,。；;:：\d]{0,16}?(?:情况|事项|措施|打算|方向)")
# What a heading says -> its section; tried in order, on the heading's first characters.
_KINDS = (
    ("other", re.compile(r"^.{0,8}?其[他它](需要|应当|需)?报告|^其[他它]事项")),
    ("overview", re.compile(r"^.{0,6}?(总体情况|工作基本情况|基本(工作)?情况|概述|概况|总体工作|工作情况综述)")),
    ("problems", re.compile(r"^.{0,14}?(存在的?(主要)?问题|问题和|问题及|不足|改进|工作打算|努力方向|下一步)")),
    ("fees", re.compile(r"^.{0,12}?(收费|费用|减免)")),
    ("reviews", re.compile(r"^.{0,12}?(行政复议|行政诉讼|复议|诉讼|申诉|举报|投诉)")),
    ("requests", re.compile(r"^.{0,10}?(依申请|申请)")),
    ("responses", re.compile(r"^.{0,8}?(回应|解读)")),
    ("proactive", re.compile(r"^.{0,6}?主动公开")),
    ("staffing", re.compile(r"^.{0,8}?(机构建设|保障经费|机构和人员|人员)")),
    ("meetings", re.compile(r"^.{0,10}?(会议|培训)")),
)
_TAIL = re.compile(r"(?:^|\n)\s*(附件|附表|打印本页|关闭窗口|【\s*打印|相关链接)")
_DATE_LINE = re.compile(r"^(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日?)?$")
_CHROME = re.compile(r"^\s*(扫一扫|打印本页|关闭窗口|【?字体|分享到|附件下载|相关链接)")


def _value(numeral: str) -> int:
    """一 -> 1, 十 -> 10, 十二 -> 12, 二十一 -> 21."""
    if numeral == "十":
        return 10
    if "十" in numeral:
        tens, _, ones = numeral.partition("十")
        return (_NUMERALS.index(tens) + 1 if tens else 1) * 10 + (_NUMERALS.index(ones) + 1 if ones else 0)
    return _NUMERALS.index(numeral) + 1 if len(numeral) == 1 else 0


def _kind(heading: str) -> tuple[str, int] | tuple[None, int]:
    """The section a heading names, and where its title ends (its text follows)."""
    for name, rx in _KINDS:
        m = rx.search(heading)
        if m:
            rest = _TITLE_REST.match(heading, m.end())
            end = rest.end() if rest else m.end()
            line_end = heading.find("\n")
            return name, line_end if 0 <= line_end < end else end
    return None, 0


_SIGNATURE_LINE = re.compile(r"^[^，,。；;：:]{2,40}$")


def _clean(body: str) -> str:
    lines = [ln for ln in body.split("\n") if not _CHROME.match(ln)]
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) >= 3 and _DATE_LINE.match(lines[-1].strip()) and _SIGNATURE_LINE.match(lines[-2].strip()):
        del lines[-2:]  # the signature: the body's name and the date it signed
    return "\n".join(lines).strip(" \n\t:：\u00a0\u3000")


def sections(text: str) -> dict[str, str]:
    """{section: text} for every numbered section whose heading says what it is; "preamble" is
    the text before the first heading when there is one.  A section ends at the next heading of
    a higher number (sub-lists inside it may restart at 一)."""
    heads = [(m, _value(m.group(1))) for m in _HEADING.finditer(text)]
    heads = [(m, v) for m, v in heads if v]
    out: dict[str, str] = {}
    for i, (m, value) in enumerate(heads):
        kind, title_end = _kind(text[m.end(): m.end() + 50])
        if kind is None or kind in out:
            continue
        end = len(text)
        for later, later_value in heads[i + 1:]:
            if later_value > value:
                end = later.start()
                break
        else:
            tail = _TAIL.search(text, m.end())
            if tail:
                end = tail.start()
        start = m.end() + title_end
        body = _clean(text[start: max(start, min(end, start + MAX_SECTION))])
        if body:
            out[kind] = body
    first = next((m for m, v in heads if v == 1), None)
    if first is not None:
        lines = _clean(text[max(0, first.start() - MAX_SECTION): first.start()]).split("\n")
        while lines and len(lines[0]) <= 80 and not re.search(r"[，,。；;]", lines[0]):
            lines.pop(0)  # the title, 来源/时间 lines: the page's header, not the report's words
        preamble = "\n".join(lines).strip()
        if len(preamble) >= 30:
            out["preamble"] = preamble
    return out
