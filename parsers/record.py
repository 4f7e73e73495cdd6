"""The report record: what one parsed document says, cell by cell, with its findings.

Everything here is plain data (dataclasses) so that storage and the CLI can serialise it
without knowing how it was parsed.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PARSER_VERSION = "0.3.15"  # 0.3.15: the body read from the report itself (发布机构, title, signature, opening sentences; the page's <meta> only where it names none), agency_source; 0.3.14: the 2016 form's table in squashed text (label, unit, figures run together; 历年累计 only where its header is printed; a row's ordinal "2、" is no figure; a figure inside a label's parenthesis is its wording), single 微博/微信 words kept in long lines (share buttons are a run of them); 0.3.13: the 发布机构 field is its value alone (a pipe row, a next field); 0.3.12: an annotation line after a cell separator is a cell of its own; 0.3.11: a squashed run's cells keep their printed commas ("1,2293" no clean figure); 0.3.10: the 2016 form read from sentences of three items with one printed figure (zeros in words count), staff from any section as people, 网站上共公开 / 微信公众平台 / 已处理申请; 0.3.9: a report of 2019 or later (by its year, or its words where no year was read) is never read on the 2016 form; 0.3.8: cells say where they are printed (text offsets, PDF page and box, table row and cell); 0.3.7: a money item of the 2016 form takes only a sum of money from a sentence; 0.3.6: rows broken over a page break, figures wrapped in narrow PDF cells; 0.3.5: the 2016 form's sentences read more widely (titles with the year and no 年, 位/名, a negated list, counts of kinds); 0.3.4: empty cells as empty lines, wrapped annotations, label pieces apart from their figures

# Kinds of printed value.  Blank is not zero: a blank cell keeps kind "blank".
NUMBER, ZERO, BLANK, NOT_APPLICABLE, TEXT = "number", "zero", "blank", "not_applicable", "text"
# A figure followed by a printed annotation ("3（其中2件…）", "5 含…"): number = the leading figure,
# text = the whole printed text.
ANNOTATED = "annotated"
# Text that should be a figure but is not a clean one ("?", "2*", "约2", "N/A", re-encoding debris,
# a digit string too long to be a count): number None, text kept, the report flagged.
UNREADABLE_VALUE = "unreadable"
KINDS = (NUMBER, ZERO, BLANK, NOT_APPLICABLE, TEXT, ANNOTATED, UNREADABLE_VALUE)
FIGURE_KINDS = (NUMBER, ZERO, ANNOTATED)  # kinds whose number is the printed figure

# Report statuses.  Only "ok" means every figure can be trusted as printed and consistent.
OK = "ok"
NEEDS_REVIEW = "needs_review"  # failed checks, ambiguous cells, missing tables or rows
UNKNOWN_TEMPLATE = "unknown_template"  # a report, but not on the 2019/2021 national template
# An annual report from before the national tables (a year before FIRST_TEMPLATE_YEAR), or of no
# readable year with no tables of any template: stored with its year, body and narrative.
PRE_TEMPLATE = "pre_template"
NOT_A_REPORT = "not_a_report"  # a notice, a list page, a soft-block page...
EMPTY = "empty"  # no bytes or no text at all
UNREADABLE = "unreadable"  # binary junk, an image-only document, undecodable bytes
# Not read: over a resource bound (size, decompressed size, pages, nesting, time; parsers/limits.py).
# Kept as a report so that it is counted and can be read again with other bounds.
OVER_LIMIT = "over_limit"
STATUSES = (OK, NEEDS_REVIEW, UNKNOWN_TEMPLATE, PRE_TEMPLATE, NOT_A_REPORT, EMPTY, UNREADABLE, OVER_LIMIT)
# Every status the crawler and ingest keep as a report (the others are pages that are not one).
STORED_STATUSES = (OK, NEEDS_REVIEW, UNKNOWN_TEMPLATE, PRE_TEMPLATE, UNREADABLE, OVER_LIMIT)
FIRST_TEMPLATE_YEAR = 2019  # the first year reported on the national tables (国办公开办函〔2019〕60号)

TABLES = ("table2", "table3", "table4")


@dataclass
class Cell:
    """One printed cell of tables 2-4, as printed and as understood."""

    table: str  # "table2" | "table3" | "table4"
    row: str  # row key, e.g. "new_received"; table4 uses "review", "litigation_direct", ...
    col: int  # column position within the row, 0-based, in printed order
    col_key: str  # column key, e.g. "natural_person", "upheld"
    text: str  # printed text, stripped of surrounding white space
    number: float | int | None  # the printed number in the printed unit, None if none
    kind: str  # one of KINDS
    unit: str | None = None  # printed unit ("元", "万元") or the column's unit
    amount_wan: float | None = None  # money columns: the amount normalised to 万元
    ambiguous: bool = False  # the text could be read more than one way; number is a guess or None
    candidates: list[str] | None = None  # the readings of this cell that remained possible
    inferred: bool = False  # the cell's row was assigned by position, not by a printed label
    # Where the cell is printed (docs/parsing.md, "Provenance"): layout, grid_row, grid_col, and as
    # the layout tells: start/end (offsets in the report's text, Report.source_text), table,
    # table_row, table_cell (HTML, DOCX), page (1-based) and box [x0, top, x1, bottom] (PDF points).
    source: dict[str, Any] = field(default_factory=dict)


@dataclass
class Finding:
    """A check result: a rule of the template's arithmetic that did not hold, or a read problem."""

    rule: str  # e.g. "t3.col_balance", "t3.row_total", "t4.block_total", "read.ambiguous_cell"
    message: str
    table: str | None = None
    row: str | None = None
    col: str | None = None
    expected: float | None = None
    actual: float | None = None
    severity: str = "error"  # "error" makes the report need review; "info" does not


@dataclass
class Report:
    status: str
    reasons: list[str] = field(default_factory=list)
    url: str | None = None
    content_type: str | None = None
    encoding: str | None = None
    layout: str | None = None
    title: str | None = None
    agency: str | None = None  # the body's name as printed (parsers/metadata.py read_body)
    # Where the agency was read: header (发布机构), title, signature, text, list_title (the crawler's
    # list entry, storage.hints), page_meta (the page's <meta>/<title>: the hosting site's names).
    agency_source: str | None = None
    year: int | None = None
    publication_date: str | None = None  # ISO date
    template: str | None = None  # "2019" | "2021" | None
    region_code: str | None = None  # 6-digit GB/T 2260 code where the page says it (SiteIDCode)
    site_id_code: str | None = None
    # Every name the report prints for its body, fullest first (发布机构, the agency as the text
    # prints it with its places, the agency, the signature): what its region is read from.
    body_names: list[str] = field(default_factory=list)
    tables: dict[str, dict[str, list[Cell]] | None] = field(
        default_factory=lambda: {t: None for t in TABLES}
    )
    narrative: dict[str, str] = field(default_factory=dict)  # overview / problems / other
    findings: list[Finding] = field(default_factory=list)
    parser_version: str = PARSER_VERSION
    # The text the cells' start/end offsets index: the document's text as the parser read it
    # (decoded, normalised, page chrome removed; an HTML page's title and main text).  Kept only
    # when asked (parse_document(keep_text=True)); never stored, not in to_dict().
    source_text: str | None = field(default=None, repr=False, compare=False)

    @property
    def flagged(self) -> bool:
        return self.status != OK

    def cells(self):
        for rows in self.tables.values():
            if not rows:
                continue
            for cells in rows.values():
                yield from cells

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("source_text", None)
        d["flagged"] = self.flagged
        return d

    def figures(self) -> dict[str, Any]:
        """Gold-shaped figures: {table2: {row: [values]}, table3: ..., table4: [15 values]} — a table
        the template prints as one block (table 4) is one list in printed order."""
        from .templates import by_name

        template = by_name(self.template)
        flat = {t.name for t in template.tables if t.flat} if template else {"table4"}
        out: dict[str, Any] = {}
        for table, rows in self.tables.items():
            if rows is None:
                out[table] = None
                continue
            shaped = {k: [cell_value(c) for c in cells] for k, cells in rows.items()}
            out[table] = [v for k in rows for v in shaped[k]] if table in flat else shaped
        return out


def cell_value(c: Cell):
    """The gold-file value of a cell: its number, None for blank, else its printed text (an
    annotated cell's whole text)."""
    if c.kind in (NUMBER, ZERO) and c.number is not None and c.unit is None:
        return c.number
    if c.kind == BLANK:
        return None
    if c.number is not None and c.kind in (NUMBER, ZERO):
        return c.number
    return c.text
