"""What a template plugin is: its tables, their rows and columns, how the tables are found, the
arithmetic they state, and how their figures sum up for storage.

A template is data.  The mapper, the squashed-text reader, the checks and storage's totals ask the
template; none of them knows a template's rows, anchors or arithmetic themselves.  To add one,
write a module with a ``TEMPLATE = Template(...)`` and list it in ``parsers/templates/__init__.py``.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Union


@functools.lru_cache(maxsize=None)
def compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


@functools.lru_cache(maxsize=1024)
def _per_line(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.M)


@dataclass(frozen=True)
class RowSpec:
    """One printed row: the label that names it and the figures it holds, in printed order."""

    key: str
    pattern: str  # regex searched in the label with white space removed
    columns: tuple[str, ...]
    money: tuple[str, ...] = ()  # column keys holding money
    unit: str | None = None  # the column header's unit for money columns, if the template fixes one
    optional: bool = False  # not a template row, but printed by some bodies (kept when present)
    blank_ok: tuple[str, ...] = ()  # columns the template lets be printed blank (spacer cells)
    label: str = ""  # the label as the template prints it (matched loosely where a report misprints it)

    @property
    def regex(self) -> re.Pattern:
        return compiled(self.pattern)


@dataclass(frozen=True)
class TableSpec:
    """One table of the template.

    A row table is read label by label: each row label takes the figures printed after it.
    A block table (``block=True``, as table 4) prints its figures as one block under several
    header rows; they are read in printed order and cut into ``rows`` by their column counts.
    """

    name: str  # key in Report.tables and in storage's figures ("table2")
    title: str  # what the table reports, for messages and docs
    rows: tuple[RowSpec, ...]
    starts: tuple[str, ...]  # label regexes that open the table's region (heading, first header cells)
    headers: tuple[str, ...] = ()  # column header words printed over the figures (never a printed row)
    block: bool = False
    # A block table's region is searched only after an earlier table was found: its own anchor
    # ("行政复议") is also a word of the narrative.
    after_other_tables: bool = False
    flat: bool = False  # gold shape: one list of the table's cells in printed order (table 4)
    # Storage's one-row-per-report view of this table (storage/views.py makes its SQL from the
    # rows and columns here; a migration freezes it); "" for none.
    wide: str = ""

    @property
    def cell_count(self) -> int:
        return sum(len(r.columns) for r in self.rows)

    def start_regexes(self) -> list[re.Pattern]:
        return [compiled(p) for p in self.starts]


# ----------------------------------------------------------------------------- arithmetic

@dataclass(frozen=True)
class RowTotal:
    """In every row of the table (or of ``rows``), column ``total`` = the sum of ``parts``."""

    rule: str  # finding rule id, e.g. "t3.row_total"
    table: str
    parts: tuple[str, ...]  # column keys
    total: str  # column key
    message: str  # format fields: row, left (sum of parts), right (the printed total)
    rows: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ColumnTotal:
    """In every column, row ``total`` = the sum of rows ``parts`` (the template's alternatives apply)."""

    rule: str
    table: str
    parts: tuple[str, ...]  # row keys
    total: str  # row key
    message: str  # format fields: col, left, right


@dataclass(frozen=True)
class ColumnBalance:
    """In every column, the sum of rows ``left`` = the sum of rows ``right``."""

    rule: str
    table: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    message: str  # format fields: col, left, right


Rule = Union[RowTotal, ColumnTotal, ColumnBalance]


@dataclass(frozen=True)
class Equation:
    """One instance of a rule: sum(left cells) == sum(right cells); cells as (row key, column index)."""

    rule: Rule
    left: tuple[tuple[str, int], ...]
    right: tuple[tuple[str, int], ...]
    row: str | None  # where a finding about it points
    col: str | None

    def message(self, left, right) -> str:
        return self.rule.message.format(row=self.row, col=self.col, left=left, right=right)


# ----------------------------------------------------------------------------- squashed text

@dataclass(frozen=True)
class SquashedHints:
    """What the squashed-text reader needs to know of a template (cells run together)."""

    start: str = ""  # regex where the table area begins in running text
    labels: tuple[str, ...] = ()  # row labels that, followed directly by a figure, show a squashed dump
    # Units a form prints in a column between its labels and figures ("当面申请数条00"): in a
    # squashed dump they run into the label, and still show one.
    units: tuple[str, ...] = ()
    # (column key, regex of its header): a trailing column a form prints only under its own header
    # (历年累计).  A squashed table printing no such header has no cell for it: its figure runs are
    # cut into fewer cells ("191" is one figure, not 19 | 1).
    column_headers: tuple[tuple[str, str], ...] = ()
    # Soft sense used only to order guesses, never to trust one:
    at_least: tuple[tuple[str, str], ...] = ()  # (big, small) column keys: big >= small
    change_within: tuple[tuple[str, str], ...] = ()  # (items, change): |change| <= items


# ----------------------------------------------------------------------------- storage totals

# The fields of storage's application_totals row, the same for every template: what a template
# maps its own rows onto (None where it prints nothing for a field).
TOTALS_FIELDS = ("new_received", "carried_over", "granted", "partially_granted", "total", "carried_forward",
                 "denied", "unavailable", "not_processed", "other_handling")


@dataclass(frozen=True, eq=False)
class TotalsSpec:
    """Which cells of a template sum up to storage's totals row: each field is the sum of the
    numbers printed in ``col_key`` of its rows (None where none of them holds a number)."""

    table: str
    col_key: str
    fields: dict[str, tuple[str, ...]]


# ----------------------------------------------------------------------------- the template

@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per template
class Template:
    name: str  # "2019" | "2021" | …
    tables: tuple[TableSpec, ...]
    markers: tuple[str, ...]  # header/label regexes found only in this template
    rules: tuple[Rule, ...] = ()
    # A row some bodies print in place of several template rows (a 2021 report printing the
    # 2019 single （六）其他处理 row): {row: rows it replaces}.
    alternatives: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Labels after the last table that end its region (the next sections' headings).
    tables_end: str = ""
    squashed: SquashedHints = field(default_factory=SquashedHints)
    totals: TotalsSpec | None = None
    # One of the national templates (2019/2021); gold "unknown" means none of them.
    national: bool = True
    # Statistics some reports write out in sentences (parsers/prose.py reads the first table):
    # whether to read them, and sentences that say there was none of an item — (row keys, regex).
    prose: bool = False
    stated_none: tuple[tuple[tuple[str, ...], str], ...] = ()
    # Rows read from any section of such a report, taking only figures of these units (its staff,
    # often told in the overview: "明确1名工作人员作为专职信息公开员"): ((row keys), (units)).
    prose_anywhere: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())

    # --- tables and rows

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tables)

    def table(self, name: str) -> TableSpec:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    def rows(self, table: str) -> tuple[RowSpec, ...]:
        return self.table(table).rows

    def spec(self, table: str, row: str) -> RowSpec | None:
        return next((s for s in self.rows(table) if s.key == row), None)

    def expected_rows(self, table: str, present) -> list[str]:
        """Template rows a complete table prints, given the rows it did print."""
        keys = [s.key for s in self.rows(table) if not s.optional]
        for alt, replaced in self.alternatives.items():
            if alt in present:
                keys = [k for k in keys if k not in replaced]
        return keys

    def with_alternatives(self, rows: tuple[str, ...], present) -> tuple[str, ...]:
        """Rows of a rule, with a printed alternative row in place of the rows it replaces."""
        out = list(rows)
        for alt, replaced in self.alternatives.items():
            if alt in present and alt not in out and any(k in out for k in replaced):
                out = [k for k in out if k not in replaced] + [alt]
        return tuple(out)

    # --- recognising itself

    def score(self, labels: list[str]) -> int:
        """How many of this template's own markers appear among the document's labels."""
        # One search of the labels a line each (labels hold no white space), anchors per line:
        # the same as searching label by label, without a regex call per label and marker.
        text = "\n".join(labels)
        return sum(1 for marker in self.markers if _per_line(marker).search(text))

    # --- arithmetic

    def equations(self, table: str, present: dict[str, int]) -> list[Equation]:
        """Every instance of the template's rules over one table, given the rows printed and how
        many cells each holds ({row key: cell count})."""
        return list(self._equations(table, tuple(present.items())))

    @functools.lru_cache(maxsize=256)  # noqa: B019 - templates live as long as the process
    def _equations(self, table: str, printed: tuple[tuple[str, int], ...]) -> tuple[Equation, ...]:
        present = dict(printed)
        out: list[Equation] = []
        specs = {s.key: s for s in self.rows(table)}
        for rule in self.rules:
            if rule.table != table:
                continue
            if isinstance(rule, RowTotal):
                for key in (rule.rows or tuple(present)):
                    spec = specs.get(key)
                    if spec is None or key not in present:
                        continue
                    cols = spec.columns
                    if rule.total not in cols or any(p not in cols for p in rule.parts):
                        continue
                    out.append(Equation(rule, tuple((key, cols.index(p)) for p in rule.parts),
                                        ((key, cols.index(rule.total)),), key, rule.total))
                continue
            if isinstance(rule, ColumnTotal):
                left_rows, right_rows = self.with_alternatives(rule.parts, present), (rule.total,)
            else:
                left_rows = self.with_alternatives(rule.left, present)
                right_rows = self.with_alternatives(rule.right, present)
            rows = left_rows + right_rows
            if not rows or any(k not in specs for k in rows):
                continue
            columns = specs[rows[0]].columns
            for i, col in enumerate(columns):
                out.append(Equation(rule, tuple((k, i) for k in left_rows), tuple((k, i) for k in right_rows),
                                    rule.total if isinstance(rule, ColumnTotal) else None, col))
        return tuple(out)

    def may_be_blank(self, table: str, row: str, col: int) -> bool:
        spec = self.spec(table, row)
        return spec is not None and col < len(spec.columns) and spec.columns[col] in spec.blank_ok

    # --- storage

    def application_totals(self, cells) -> dict | None:
        """Storage's totals row from one report's (table, row key, column key, number) cells, None
        when the template maps nothing onto it or the report prints none of its cells."""
        spec = self.totals
        if spec is None:
            return None
        numbers = {row: number for table, row, col_key, number in cells
                   if table == spec.table and col_key == spec.col_key}
        wanted = {k for keys in spec.fields.values() for k in keys}
        if not wanted & set(numbers):
            return None
        out = {}
        for name in TOTALS_FIELDS:
            present = [numbers[k] for k in spec.fields.get(name, ()) if numbers.get(k) is not None]
            out[name] = sum(present) if present else None  # blank is not zero
        return out


def t3(key: str, pattern: str, label: str = "") -> RowSpec:
    return RowSpec(key, pattern, TABLE3_COLUMNS, label=label)


# ----------------------------------------------------------------------------- national tables

# Shared by the 2019 and the 2021 templates (国办公开办函〔2019〕60号 and 〔2021〕30号).
TABLE3_COLUMNS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other", "total")
TABLE4_BLOCKS = ("review", "litigation_direct", "litigation_after_review")
TABLE4_COLUMNS = ("upheld", "corrected", "other", "pending", "total")

T2_STARTS = (r"第二十条", r"^信息内容$")
T2_HEADING = "主动公开政府信息情况"

# Table 3 rows shared by both templates, in printed order up to (五)不予处理.
TABLE3_COMMON_HEAD = (
    t3("new_received", r"本年新收", "一、本年新收政府信息公开申请数量"),
    t3("carried_over", r"上年结转", "二、上年结转政府信息公开申请数量"),
    t3("granted", r"予以公开$|^(\(一\))?予以公开", "(一)予以公开"),
    t3("partially_granted", r"部分公开", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)"),
    t3("denied_state_secret", r"国家秘密", "1.属于国家秘密"),
    t3("denied_law_forbidden", r"法律行政法规禁|禁止公开|^2\.?其他法律", "2.其他法律行政法规禁止公开"),
    t3("denied_three_safeties", r"三安全一稳定|危及", "3.危及“三安全一稳定”"),
    t3("denied_third_party", r"第三方合法权益", "4.保护第三方合法权益"),
    t3("denied_internal_affairs", r"内部事务", "5.属于三类内部事务信息"),
    t3("denied_process_info", r"过程性信", "6.属于四类过程性信息"),
    t3("denied_enforcement_file", r"行政执法案卷", "7.属于行政执法案卷"),
    t3("denied_admin_query", r"行政查询事项", "8.属于行政查询事项"),
    t3("unavailable_not_held", r"不掌握", "1.本机关不掌握相关政府信息"),
    t3("unavailable_needs_creation", r"没有现成信息|另行制作", "2.没有现成信息需要另行制作"),
    t3("unavailable_unclear", r"补正后|仍不明确", "3.补正后申请内容仍不明确"),
    t3("not_processed_complaint", r"信访|举报投诉", "1.信访举报投诉类申请"),
    t3("not_processed_repeat", r"重复申请", "2.重复申请"),
    t3("not_processed_publication", r"公开出版物", "3.要求提供公开出版物"),
    t3("not_processed_massive", r"大量反复", "4.无正当理由大量反复申请"),
    t3("not_processed_confirm", r"确认或重新出具|重新出具", "5.要求行政机关确认或重新出具已获取信息"),
)
TABLE3_COMMON_TAIL = (
    t3("total", r"^(\(七\)|七、|七)?总计$", "(七)总计"),
    t3("carried_forward", r"结转下年度|继续办理", "四、结转下年度继续办理"),
)
TABLE3_DENIED = tuple(s.key for s in TABLE3_COMMON_HEAD[2:])


def table3(rows: tuple[RowSpec, ...]) -> TableSpec:
    return TableSpec(
        "table3", "收到和处理政府信息公开申请情况", rows,
        starts=(r"本年新收", r"^申请人情况$", r"^\(本列数据的勾稽关系"),
        headers=("总计", "其他", "自然人", "合计"),
    )


TABLE4 = TableSpec(
    "table4", "政府信息公开行政复议、行政诉讼情况",
    tuple(RowSpec(b, r"(?!)", TABLE4_COLUMNS) for b in TABLE4_BLOCKS),  # by position, never by label
    starts=(r"行政复议",), block=True, after_other_tables=True, flat=True,
    headers=("未经复议直接起诉", "复议后起诉", "结果维持", "结果纠正", "尚未审结"),
)

# The headings that follow table 4 (五、存在的主要问题…, 六、其他需要报告的事项).
NATIONAL_TABLES_END = r"^[五六]、|存在的主要问题|其他需要报告"


def national_rules(result_rows: tuple[str, ...]) -> tuple[Rule, ...]:
    """The arithmetic both national templates state (the 勾稽关系)."""
    return (
        RowTotal("t3.row_total", "table3", TABLE3_COLUMNS[:6], "total",
                 "{row}: the six applicant columns add up to {left:g}, 总计 prints {right:g}"),
        ColumnBalance("t3.col_balance", "table3", ("new_received", "carried_over"), ("total", "carried_forward"),
                      "{col}: new + carried over = {left:g} but total + carried forward = {right:g}"),
        ColumnTotal("t3.results_total", "table3", result_rows, "total",
                    "{col}: result rows add up to {left:g}, (七)总计 prints {right:g}"),
        RowTotal("t4.block_total", "table4", TABLE4_COLUMNS[:4], "total",
                 "{row}: results add up to {left:g}, 总计 prints {right:g}"),
    )


NATIONAL_TOTALS = TotalsSpec("table3", "total", {
    "new_received": ("new_received",), "carried_over": ("carried_over",), "granted": ("granted",),
    "partially_granted": ("partially_granted",), "total": ("total",), "carried_forward": ("carried_forward",),
    "denied": ("denied_state_secret", "denied_law_forbidden", "denied_three_safeties", "denied_third_party",
               "denied_internal_affairs", "denied_process_info", "denied_enforcement_file", "denied_admin_query"),
    "unavailable": ("unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear"),
    "not_processed": ("not_processed_complaint", "not_processed_repeat", "not_processed_publication",
                      "not_processed_massive", "not_processed_confirm"),
    "other_handling": ("other", "other_overdue_correction", "other_overdue_fee", "other_other"),
})

NATIONAL_SQUASHED_LABELS = ("规章", "规范性文件", "行政许可", "行政处罚", "本年新收政府信息公开申请数量", "国家秘密", "重复申请")
NATIONAL_SQUASHED_START = r"第二十条第|信息内容\s*(本年|上一年)"
