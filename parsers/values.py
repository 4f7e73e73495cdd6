"""Reading one printed cell value: its kind, number and unit. Never invents a figure."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .record import BLANK, NOT_APPLICABLE, NUMBER, TEXT, ZERO

# What real reports print for "nothing to report here".
_NOT_APPLICABLE = {"/", "／", "—", "-", "--", "——", "－", "–", "无", "—/—", "-/-", "\\", "×", "暂无", "不适用", "空"}

_NUMBER = re.compile(
    r"""^(?P<sign>[-−－+]?)\s*
        (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
        \s*(?P<unit>万元|元|亿元|件|条|项|个|次|%)?$""",
    re.X,
)
_WS = re.compile(r"\s+")
_UNIT_TO_WAN = {"元": 0.0001, "万元": 1.0, "亿元": 10000.0}


@dataclass(frozen=True)
class Value:
    text: str  # printed text, outer white space stripped
    kind: str
    number: float | int | None = None
    unit: str | None = None


def _as_number(s: str):
    if "." in s:
        return float(s)
    return int(s)


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
    if not m:
        return Value(raw, TEXT)
    num = _as_number(m.group("num").replace(",", ""))
    if m.group("sign") in ("-", "−", "－"):
        num = -num
    unit = m.group("unit")
    if unit in ("件", "条", "项", "个", "次"):
        unit = None  # a count word, not a measuring unit
    return Value(raw, ZERO if num == 0 else NUMBER, num, unit)


def is_value_text(text: str | None) -> bool:
    """Does this cell look like a figure (or a blank / not-applicable mark) rather than a label?"""
    return read_value(text).kind != TEXT


def to_wan(number, unit: str | None, column_unit: str | None) -> float | None:
    """Normalise a money figure to 万元, using the cell's unit, else the column header's."""
    if number is None:
        return None
    factor = _UNIT_TO_WAN.get(unit or column_unit or "")
    if factor is None:
        return None
    return round(number * factor, 6)
