"""Statistics written out in sentences: "主动公开政府信息共191条，其中政府网站公开政府信息数64条，
政务微博32条…" read into a template's table, row by row.

A clause (text between punctuation, or before 其中) that prints one figure with its unit is an
item; the template's row patterns say which row it is, searched in the whole clause.  A row takes
the first clause that names it.  Sentences that state there was none ("未收到政府信息公开申请")
are zeros the report prints in words: the cell keeps the sentence as its text.  A cell's source
names its clause and where it is printed: the offsets [start, end) of its figure (of the sentence,
for a zero in words) in the report's text.  Only the sections
that report statistics are read when the report has numbered sections (not its overview, nor its
problems), so that a figure of the narrative is not taken for an item; a template may name rows
read from every section, taking only figures of the units it names (staff, as people).
"""
from __future__ import annotations

import re

from . import narrative
from .record import NUMBER, ZERO, Cell, Finding

_CLAUSE = re.compile(r"[。；;，,：:！？!?\n]|其中|另外|此外")
# 位 and 名 count people as 人 does ("指定2位工作人员为…专职人员").
_FIGURE = re.compile(r"(\d+(?:\.\d+)?)\s*(人次|万元|条|件|个|人|位|名|次|篇|场|期|元|项)")
_MONEY_UNITS = ("万元", "元")
# Sections of a report's statistics (narrative.sections names); the rest is narrative.
STAT_SECTIONS = ("proactive", "responses", "requests", "reviews", "fees", "staffing", "meetings")


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE.split(text) if c and c.strip()]


def _stat_text(text: str) -> str:
    sections = narrative.sections(text)
    parts = [sections[k] for k in STAT_SECTIONS if k in sections]
    return "\n".join(parts) if parts else text


def read_prose(text: str, table: str, rows, stated_none=(), anywhere=((), ())
               ) -> tuple[dict[str, list[Cell]], list[Finding]]:
    """{row key: [its cell]} of one template table read from sentences, and read findings.
    `rows`: the table's RowSpecs (first match wins); `stated_none`: (row keys, regex) of sentences
    saying there was none of an item; `anywhere`: (row keys, units) read from every section too,
    taking only a figure of those units."""
    found: dict[str, list[Cell]] = {}
    findings: list[Finding] = []
    stat_text = _stat_text(text)
    _read_clauses(text, stat_text, table, rows, stated_none, found, findings, units=None)
    keys, units = anywhere
    if keys and stat_text is not text:
        _read_clauses(text, text, table, [s for s in rows if s.key in keys], (), found, findings, units=units)
    order = [s.key for s in rows]
    return {k: found[k] for k in order if k in found}, findings


def _read_clauses(text: str, part: str, table: str, rows, stated_none, found: dict, findings: list,
                  units: tuple[str, ...] | None) -> None:
    cursor = 0
    for clause in _clauses(part):
        at = text.find(clause, cursor)
        if at < 0:
            at = text.find(clause)  # the sections are not read in the document's order
        if at >= 0:
            cursor = at + len(clause)
        flat = re.sub(r"\s+", "", clause)
        figures = list(_FIGURE.finditer(flat))
        if len(figures) == 1:
            m = figures[0]
            if units is not None and m.group(2) not in units:
                continue
            label = flat[: m.start()] + flat[m.end():]
            spec = next((s for s in rows if s.regex.search(label)), None)
            if spec is not None and spec.money and m.group(2) not in _MONEY_UNITS:
                # "13项涉企行政事业性收费…取消" names fees but counts items, not money
                continue
            if spec is not None and spec.key not in found:
                number = float(m.group(1)) if "." in m.group(1) else int(m.group(1))
                source = {"layout": "prose", "clause": clause}
                if at >= 0:
                    printed = [i for i, ch in enumerate(clause) if not ch.isspace()]  # flat index -> clause index
                    source["start"], source["end"] = at + printed[m.start(1)], at + printed[m.end(1) - 1] + 1
                found[spec.key] = [Cell(table, spec.key, 0, spec.columns[0], m.group(1), number,
                                        ZERO if number == 0 else NUMBER, unit=m.group(2) if m.group(2) in _MONEY_UNITS else None,
                                        source=source)]
            continue
        if figures:
            continue  # several figures in one clause: which is which is not said
        for keys, pattern in stated_none:
            if not re.search(pattern, flat):
                continue
            for key in keys:
                if key in found:
                    continue
                spec = next(s for s in rows if s.key == key)
                source = {"layout": "prose", "clause": clause, "stated_in_words": True}
                if at >= 0:
                    source["start"], source["end"] = at, at + len(clause)
                found[key] = [Cell(table, key, 0, spec.columns[0], clause, 0, ZERO, source=source)]
                findings.append(Finding("read.stated_in_words", f"{key} read as 0 from the sentence '{clause}'",
                                        table, key, spec.columns[0], severity="info"))
