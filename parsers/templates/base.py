"""What a template plugin is: the rows and columns of tables 2-4, and how to recognise itself.

A plugin is data plus a score: which printed labels mean which row, how many figures each
row holds, and which header words show that a table follows this template.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

@functools.lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


# Table 3 columns and table 4 blocks are the same in both templates.
TABLE3_COLUMNS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other", "total")
TABLE4_BLOCKS = ("review", "litigation_direct", "litigation_after_review")
TABLE4_COLUMNS = ("upheld", "corrected", "other", "pending", "total")


@dataclass(frozen=True)
class RowSpec:
    key: str
    pattern: str  # regex searched in the label with white space removed
    columns: tuple[str, ...]
    money: tuple[str, ...] = ()  # column keys holding money
    unit: str | None = None  # the column header's unit for money columns, if the template fixes one
    optional: bool = False  # not a template row, but printed by some bodies (kept when present)

    @property
    def regex(self) -> re.Pattern:
        return _compiled(self.pattern)


@dataclass(frozen=True)
class Template:
    name: str  # "2019" | "2021"
    table2: tuple[RowSpec, ...]
    table3: tuple[RowSpec, ...]
    markers: tuple[str, ...]  # header/label regexes found only in this template
    # Table 3 rows whose sum is the 总计 row (rule 2 of the template's arithmetic).
    result_rows: tuple[str, ...] = field(default=())
    # A row some bodies print in place of several template rows (a 2021 report printing the
    # 2019 single （六）其他处理 row): {row: rows it replaces}.
    alternatives: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def expected_rows(self, table: str, present) -> list[str]:
        """Template rows a complete table prints, given the rows it did print."""
        keys = [s.key for s in self.rows(table) if not s.optional]
        for alt, replaced in self.alternatives.items():
            if alt in present:
                keys = [k for k in keys if k not in replaced]
        return keys

    def results_of(self, present) -> tuple[str, ...]:
        rows = list(self.result_rows)
        for alt, replaced in self.alternatives.items():
            if alt in present and alt not in rows:
                rows = [k for k in rows if k not in replaced] + [alt]
        return tuple(rows)

    def rows(self, table: str) -> tuple[RowSpec, ...]:
        return self.table2 if table == "table2" else self.table3

    def score(self, labels: list[str]) -> int:
        """How many of this template's own markers appear among the document's labels."""
        found = 0
        for marker in self.markers:
            rx = _compiled(marker)
            if any(rx.search(label) for label in labels):
                found += 1
        return found


def t3(key: str, pattern: str) -> RowSpec:
    return RowSpec(key, pattern, TABLE3_COLUMNS)


# Table 3 rows shared by both templates, in printed order up to (五)不予处理.
TABLE3_COMMON_HEAD = (
    t3("new_received", r"本年新收"),
    t3("carried_over", r"上年结转"),
    t3("granted", r"予以公开$|^(\(一\))?予以公开"),
    t3("partially_granted", r"部分公开"),
    t3("denied_state_secret", r"国家秘密"),
    t3("denied_law_forbidden", r"法律行政法规禁|禁止公开|^2\.?其他法律"),
    t3("denied_three_safeties", r"三安全一稳定|危及"),
    t3("denied_third_party", r"第三方合法权益"),
    t3("denied_internal_affairs", r"内部事务"),
    t3("denied_process_info", r"过程性信"),
    t3("denied_enforcement_file", r"行政执法案卷"),
    t3("denied_admin_query", r"行政查询事项"),
    t3("unavailable_not_held", r"不掌握"),
    t3("unavailable_needs_creation", r"没有现成信息|另行制作"),
    t3("unavailable_unclear", r"补正后|仍不明确"),
    t3("not_processed_complaint", r"信访|举报投诉"),
    t3("not_processed_repeat", r"重复申请"),
    t3("not_processed_publication", r"公开出版物"),
    t3("not_processed_massive", r"大量反复"),
    t3("not_processed_confirm", r"确认或重新出具|重新出具"),
)
TABLE3_COMMON_TAIL = (
    t3("total", r"^(\(七\)|七、|七)?总计$"),
    t3("carried_forward", r"结转下年度|继续办理"),
)
TABLE3_DENIED = tuple(s.key for s in TABLE3_COMMON_HEAD[2:])
