"""Reading one printed cell value: its kind, number and unit. Never invents a figure.

Kinds (record.KINDS): a clean figure is a number or a zero; a figure followed by a printed
annotation is annotated (the number is the leading figure); blank and not-applicable marks are
what they say; text that stands where a figure should but is not a clean one (stray marks,
hedges, re-encoding debris, digit strings too long to be a count) is unreadable, number None;
anything else is text (a label).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .record import ANNOTATED, BLANK, NOT_APPLICABLE, NUMBER, TEXT, UNREADABLE_VALUE, ZERO

# What real reports print for "nothing to report here".
_NOT_APPLICABLE = {"/", "／", "—", "-", "--", "——", "－", "–", "无", "—/—", "-/-", "\\", "×", "暂无", "不适用", "空"}

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_UNITS = r"万元|元|亿元|件|条|项|个|次|%"
_NUMBER = re.compile(rf"^(?P<sign>[-−－+]?)\s*(?P<num>{_NUM})\s*(?P<unit>{_UNITS})?$")
# A figure, then an annotation in parentheses or after 其中/含/包括 (the annotation has words).
_ANNOTATED = re.compile(
    rf"^(?P<sign>[-−－+]?)(?P<num>{_NUM})(?P<unit>{_UNITS})?"
    r"(?P<note>[(（\[【].*|(?:其中|含|包括|包含|另有|另|注)[^\d].*|(?:其中|含|包括|包含)\d.*)$")
_CJK = re.compile(r"[\u3400-\u9fff]")
# An ordinal label ("2.其他", "（三）不予公开", "第二十条"), never a damaged figure.
_ORDINAL = re.compile(r"^(?:\d{1,2}[.、．)）]|[(（]\d{1,2}[)）]|第)")
# Re-encoding debris: the replacement character, Latin-1 letters of UTF-8 read as a legacy
# charset ("Â", "ï¼"), the GBK rendering of replacement characters ("锟斤拷"), lone marks.
_DEBRIS = re.compile(r"[\ufffd\u0080-\u00af\u00b8-\u00d6\u00d8-\u00ff]")
_DEBRIS_WORDS = re.compile(r"锟斤拷|烫烫|屯屯")
_MARKS = re.compile(r"^[?？*＊#＃~～!！_.。…·,，;；:：'\"`^@&$%]+$")
_PLACEHOLDER = re.compile(r"^(?:n[./]?a\.?|null|none|nan|tbd|x+)$", re.I)
# More digits than any count or amount of these tables (and than a float holds exactly): kept as
# printed text, never converted (a 400-digit decimal is Infinity, 4,300 digits make int() raise).
MAX_DIGITS = 15
_WS = re.compile(r"\s+")
_UNIT_TO_WAN = {"元": 0.0001, "万元": 1.0, "亿元": 10000.0}


@dataclass(frozen=True)
class Value:
    text: str  # printed text, outer white space stripped
    kind: str
    number: float | int | None = None
    unit: str | None = None


def _digits(num: str) -> int:
    return sum(ch.isdigit() for ch in num)


def _as_number(s: str):
    if "." in s:
        return float(s)
    return int(s)


def _figure(m: re.Match, raw: str, kind: str | None = None) -> Value:
    num_text = m.group("num").replace(",", "")
    if _digits(num_text) > MAX_DIGITS:
        return Value(raw, UNREADABLE_VALUE)
    num = _as_number(num_text)
    if m.group("sign") in ("-", "−", "－"):
        num = -num
    unit = m.group("unit")
    if unit in ("件", "条", "项", "个", "次"):
        unit = None  # a count word, not a measuring unit
    return Value(raw, kind or (ZERO if num == 0 else NUMBER), num, unit)


def _looks_damaged(s: str) -> bool:
    """Text standing where a figure should: digits that do not make a clean figure, marks alone,
    placeholders, re-encoding debris.  A label (words, an ordinal) is never damaged."""
    if len(s) > 24 or _ORDINAL.match(s):
        return False
    if _MARKS.match(s) or _PLACEHOLDER.match(s) or _DEBRIS_WORDS.search(s):
        return True
    cjk = len(_CJK.findall(s))
    if _DEBRIS.search(s) and cjk <= 2:
        return True
    return any(ch.isdigit() for ch in s) and cjk <= 2


@functools.lru_cache(maxsize=8192)
def read_value(text: str | None) -> Value:
    """Classify one cell's printed text.

    Stray white space inside a number ("23 0") is ignored, as REPORT_FORMAT.md allows;
    thousands separators are removed; a unit in the cell is kept.
    """
    raw = (text or "").strip()
    squeezed = _WS.sub("", raw)
    if not squeezed:
        return Value(raw, BLANK)
    if squeezed in _NOT_APPLICABLE:
        return Value(raw, NOT_APPLICABLE)
    m = _NUMBER.match(squeezed)
    if m:
        return _figure(m, raw)
    m = _ANNOTATED.match(squeezed)
    if m and _CJK.search(m.group("note")) and not _DEBRIS.search(m.group("note")):
        return _figure(m, raw, ANNOTATED)
    if m or _looks_damaged(squeezed):  # a figure with a bare mark after it ("3(2)") is not clean either
        return Value(raw, UNREADABLE_VALUE)
    return Value(raw, TEXT)


def is_value_text(text: str | None) -> bool:
    """Does this cell stand where a figure is printed (a figure, a blank or not-applicable mark,
    a damaged figure) rather than a label?"""
    return read_value(text).kind != TEXT


def to_wan(number, unit: str | None, column_unit: str | None) -> float | None:
    """Normalise a money figure to 万元, using the cell's unit, else the column header's."""
    if number is None:
        return None
    factor = _UNIT_TO_WAN.get(unit or column_unit or "")
    if factor is None:
        return None
    return round(number * factor, 6)
