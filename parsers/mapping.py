"""Map a neutral grid onto a template's tables: find each row by its printed label, read its figures.

The mapper knows nothing of layouts.  It walks the grid's cells in reading order, finds the
three table regions, and for every label that names a template row takes the figures printed
after it in the same grid row.  What cannot be read for sure is marked, never guessed silently.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from .grid import Grid, GridCell
from .normalize import normalise
from .layouts import squashed
from .record import BLANK, FIGURE_KINDS, Cell, Finding
from .templates import RowSpec, TableSpec, Template
from .templates.base import SquashedHints, compiled
from .values import read_value, to_wan

_WS = re.compile(r"\s+")
_LONG_PAREN = re.compile(r"\([^()]{7,}\)")
MAX_LABEL = 60  # longer cells are narrative, never a row label

def label_text(text: str) -> str:
    """A cell's text as labels are matched: no white space, no long fill-in instructions."""
    s = _WS.sub("", text)
    prev = None
    while prev != s:
        prev, s = s, _LONG_PAREN.sub("", s)
    return s


@dataclass
class Token:
    cell: GridCell
    label: str  # label_text(cell.text)
    is_value: bool


@dataclass
class Mapped:
    tables: dict[str, dict[str, list[Cell]] | None]
    findings: list[Finding] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def tokens_of(grid: Grid) -> list[Token]:
    out = []
    for row in grid.rows:
        for c in row:
            if c.copy:
                continue
            lab = label_text(c.text)
            out.append(Token(c, lab, c.squashed or read_value(c.text).kind != "text"))
    return out


def all_labels(tokens: list[Token]) -> list[str]:
    return [t.label for t in tokens if not t.is_value and 0 < len(t.label) <= MAX_LABEL]


def _first(tokens: list[Token], rxs: list[re.Pattern], start: int = 0) -> int | None:
    for i in range(start, len(tokens)):
        t = tokens[i]
        if not t.is_value and len(t.label) <= MAX_LABEL and any(rx.search(t.label) for rx in rxs):
            return i
    return None


def _first_labelled_row(tokens: list[Token], specs, start: int = 0) -> int | None:
    """The first row label of the table followed by figures: a table whose heading is misprinted
    or not in the excerpt still starts where its rows do."""
    stop = len(tokens)
    for i in range(start, stop):
        t = tokens[i]
        if t.is_value:
            continue
        spec = _match_spec(t.label, specs)
        if spec is not None and _figures_after(tokens, i, stop):
            return i
        if _wrapped_label(tokens, i, stop, specs, spec) is not None:
            return i
    return None


def _headers_follow(tokens: list[Token], at: int, spec: TableSpec, window: int = 12) -> bool:
    """The table's own column header words printed right after its anchor: the anchor opens the
    table, not a sentence that names it."""
    for t in tokens[at + 1: at + 1 + window]:
        if not t.is_value and any(h in t.label for h in spec.headers):
            return True
    return False


def _table_start(tokens: list[Token], spec: TableSpec, start: int) -> int | None:
    at = _first(tokens, spec.start_regexes(), start)
    if spec.block:
        return at
    row = _first_labelled_row(tokens, spec.rows, start)
    found = [x for x in (at, row) if x is not None]
    return min(found) if found else None


def regions(tokens: list[Token], template: Template) -> dict[str, tuple[int, int] | None]:
    """Where each of the template's tables begins and ends among the tokens.  A table starts at
    its first anchor after the table before it — its heading or first header cells, else its
    first row label followed by figures — and ends where the next table found begins.  A block
    table's anchor is a word of the narrative too: it counts after another table, or where the
    table's own header words follow it."""
    starts: dict[str, int | None] = {}
    prev: int | None = None
    for spec in template.tables:
        at = _table_start(tokens, spec, prev or 0)
        if at is None and prev is not None and not spec.block:
            at = _table_start(tokens, spec, 0)  # printed before the table that usually precedes it
        if at is not None and spec.after_other_tables and prev is None and not _headers_follow(tokens, at, spec):
            at = None
        starts[spec.name] = at
        if at is not None:
            prev = at
    out: dict[str, tuple[int, int] | None] = {}
    for name, at in starts.items():
        later = [s for n, s in starts.items() if n != name and s is not None and at is not None and s > at]
        out[name] = None if at is None else (at, min(later) if later else len(tokens))
    return out


class _Matcher:
    """The first template row whose pattern a label matches, remembered per label: readers ask
    about the same labels many times (anchors, wrapped pieces, misprints)."""

    def __init__(self, specs: tuple[RowSpec, ...]):
        self.specs = specs
        self.patterns = [(spec, spec.regex) for spec in specs]
        self.memo: dict[str, RowSpec | None] = {}

    def __call__(self, label: str) -> RowSpec | None:
        try:
            return self.memo[label]
        except KeyError:
            pass
        found = next((spec for spec, rx in self.patterns if rx.search(label)), None)
        if len(self.memo) < 50_000:
            self.memo[label] = found
        return found


_MATCHERS: dict[int, _Matcher] = {}


def _match_spec(label: str, specs: tuple[RowSpec, ...]) -> RowSpec | None:
    if not label or len(label) > MAX_LABEL:
        return None
    matcher = _MATCHERS.get(id(specs))
    if matcher is None or matcher.specs is not specs:  # a new tuple (ids are reused once freed)
        if len(_MATCHERS) > 64:
            _MATCHERS.clear()
        matcher = _MATCHERS[id(specs)] = _Matcher(specs)
    return matcher(label)


_UNIT_CELL = re.compile(r"^\s*(条|件|个|人|次|人次|篇|期|万元|元|项|家|场|份)\s*$")


def _figures_after(tokens: list[Token], i: int, stop: int) -> list[Token]:
    """The figures printed after label i in the same grid row, up to the next label."""
    row = tokens[i].cell.row
    out = []
    for j in range(i + 1, stop):
        t = tokens[j]
        if t.cell.row == row and not out and _UNIT_CELL.match(t.cell.text):
            continue  # a unit column between the label and its figures (统计指标 | 单位 | 统计数)
        if t.cell.row != row or not t.is_value:
            break
        out.append(t)
    return out


def _is_blank(t: Token) -> bool:
    return read_value(t.cell.text).kind == BLANK


def _offsets(values: list[Token], n: int) -> list[int]:
    """Where the n figures may start among more printed cells: only spacer blanks (an empty
    label column before, ragged delimiters after) may be dropped, from either end."""
    extra = len(values) - n
    lead = next((k for k, t in enumerate(values) if not _is_blank(t)), len(values))
    trail = next((k for k, t in enumerate(reversed(values)) if not _is_blank(t)), len(values))
    return [i for i in range(extra + 1) if i <= lead and extra - i <= trail]


def _trim(values: list[Token], n: int, placement: "Placement | None" = None) -> tuple[list[Token], bool, bool]:
    """The n figures of a row printed with more cells: (figures, extra non-blank cells, ambiguous).

    Ambiguous where blanks at both ends leave more than one way to place the figures and the
    placements differ; the guess then follows how the table's other rows are placed."""
    p = placement or Placement()
    if p.trailing and len(values) - p.trailing >= n:
        values = values[: len(values) - p.trailing]  # the table's ragged line ends, not figures
    if len(values) <= n:
        return list(values), False, False
    offsets = _offsets(values, n)
    if not offsets:
        # Non-blank cells beyond the template's columns: keep the first n, flag the rest.
        lead = next((k for k, t in enumerate(values) if not _is_blank(t)), 0)
        lead = min(lead, len(values) - n)
        return values[lead:lead + n], True, False
    placements = {tuple(t.cell.text for t in values[i:i + n]) for i in offsets}
    if len(placements) == 1:
        return values[offsets[0]:offsets[0] + n], False, False
    if p.column is not None:
        at = [i for i in offsets if values[i].cell.col == p.column]
        if len(at) == 1:
            return values[at[0]:at[0] + n], False, False  # figures start in the table's figure column
    if p.offset is not None and p.offset in offsets:
        return values[p.offset:p.offset + n], False, False  # the table's own consistent layout
    i = p.hint if p.hint in offsets else offsets[0]
    return values[i:i + n], False, True


def make_cell(table: str, row: str, col: int, col_key: str, text: str, layout: str,
              src: GridCell | None, money: bool = False, column_unit: str | None = None,
              span: tuple[int, int] | None = None) -> Cell:
    """A template cell read from grid cell `src`; `span`: where its text is printed, where the
    grid cell holds several (a squashed run cut apart)."""
    v = read_value(text)
    cell = Cell(table=table, row=row, col=col, col_key=col_key, text=v.text, number=v.number,
                kind=v.kind, unit=v.unit or (column_unit if money and v.number is not None else None),
                source=source_of(layout, src, v.text, span))
    if money:
        cell.amount_wan = to_wan(v.number, v.unit, column_unit)
    return cell


def source_of(layout: str, src: GridCell | None, text: str, span: tuple[int, int] | None = None) -> dict:
    """Where a cell is printed (Cell.source): its layout and grid position, and what the layout
    knows — offsets in the report's text, the source table's row and cell, the PDF page and box."""
    out = {"layout": layout, "grid_row": src.row if src else None, "grid_col": src.col if src else None}
    if src is None:
        return out
    if span is not None:
        out["start"], out["end"] = span
    elif src.start is not None and not (src.squashed and text != src.text):  # a piece not found in its run: no offsets
        start, end = src.start, src.end
        if text != src.text:  # the value's text is the grid text stripped: narrow to it
            i = src.text.find(text)
            if i >= 0:
                start, end = start + i, start + i + len(text)
        out["start"], out["end"] = start, end
    if src.table is not None:
        out["table"] = src.table
    if src.table_row is not None:
        out["table_row"], out["table_cell"] = src.table_row, src.table_cell
    if src.page is not None:
        out["page"] = src.page
        if src.box is not None:
            out["box"] = [round(x, 2) for x in src.box]
    return out


def _piece_spans(sources: list[GridCell | None], texts: list[str]) -> list[tuple[int, int] | None] | None:
    """Where each piece cut from one squashed run is printed, in the report's text; None where the
    cells are not pieces of one run (each then says where it is itself)."""
    src = sources[0] if sources else None
    if src is None or not src.squashed or src.start is None or any(s is not src for s in sources):
        return None
    at = src.start
    return [None if off is None else (at + off[0], at + off[1]) for off in squashed.piece_offsets(src.text, texts)]


@dataclass
class RowRead:
    spec: RowSpec
    texts: list[str]
    sources: list[GridCell | None]
    ambiguous: bool = False
    candidates: list[list[str]] | None = None
    inferred: bool = False
    blank_only: bool = False
    pos: int = 0  # token index of the label (or of the first figure for inferred rows)
    all_listed: bool = True  # candidates are every reading (not cut at squashed.MAX_CANDIDATES)


def _read_rows(tokens: list[Token], span: tuple[int, int], tspec: TableSpec, hints: SquashedHints,
               detached: bool, findings: list[Finding], placements: list | None = None) -> dict[str, RowRead]:
    specs, table = tspec.rows, tspec.name
    start, stop = span
    found: dict[str, RowRead] = {}
    empty_labels: dict[str, int] = {}
    used: set[int] = set()
    labelled = list(_labelled_rows(tokens, span, specs, used))
    for i, spec in _misprinted_labels(tokens, span, specs, labelled):
        labelled.append((i, spec, _figures_after(tokens, i, stop)))
        findings.append(Finding("read.label_misprinted", f"row label printed as '{tokens[i].cell.text[:40]}': read as "
                                f"'{spec.label}' (the only template row it resembles, in the template's order)",
                                table, spec.key))
    labelled.sort(key=lambda x: x[0])
    placement = _placement(labelled)
    squashed_n = _squashed_columns(tokens, stop, hints)
    if placements is not None:
        placements.append(placement)
    for i, spec, vals in labelled:
        t = tokens[i]
        n = len(spec.columns)
        if not vals:
            # A printed row with no cells at all — unless it is the last thing printed (a
            # document cut short) or a bare column header word ("总计" over the columns).
            if i + 1 < len(tokens) and t.label not in tspec.headers:
                empty_labels.setdefault(spec.key, i)
            continue
        only_blanks = all(read_value(v.cell.text).kind == BLANK for v in vals)
        if spec.key in found and not (found[spec.key].blank_only and not only_blanks):
            continue  # the first printing of a row wins (later ones are usually repeats)
        used.update(range(i + 1, i + 1 + len(vals)))
        if len(vals) == 1 and vals[0].cell.squashed and n > 1:
            rr = _split_squashed(spec, vals[0], squashed_n(spec), hints)
        else:
            kept, extra, unplaced = _trim(vals, n, placement)
            if extra:
                findings.append(Finding("read.extra_cells", f"{len(vals)} cells printed where the template has {n}",
                                        table, spec.key))
            rr = RowRead(spec, [v.cell.text for v in kept], [v.cell for v in kept])
            if unplaced:
                rr.ambiguous = True
                rr.candidates = [[v.cell.text for v in vals[o:o + n]] for o in _offsets(vals, n)]
                findings.append(Finding("read.ambiguous_alignment", "blank cells at both ends of the row: the "
                                        "figures' columns cannot be told for sure", table, spec.key))
            if len(kept) == 1 and kept[0].cell.squashed and n == 1:
                rr = _split_squashed(spec, kept[0], 1, hints)
        rr.pos = i
        rr.blank_only = only_blanks  # e.g. a 总计 column header over empty header cells
        found[spec.key] = rr
    for key, rr in found.items():
        n = len(rr.spec.columns)
        # Trailing columns the template lets go unprinted (a form without 历年累计) make no short row.
        if 0 < len(rr.texts) < n and not all(c in rr.spec.blank_ok for c in rr.spec.columns[len(rr.texts):]):
            findings.append(Finding("read.short_row", f"{len(rr.texts)} cells printed where the template has {n}: "
                                    "the missing ones are not read as anything", table, key))
    # Labels printed with no figures at all: a printed blank row, unless labels may be detached.
    for key, i in empty_labels.items():
        if key in found:
            continue
        spec = next(s for s in specs if s.key == key)
        if detached or spec.optional:
            continue  # an optional row counts only where figures are printed for it
        found[key] = RowRead(spec, [""] * len(spec.columns), [None] * len(spec.columns), pos=i)
        findings.append(Finding("read.row_without_cells", f"row '{tokens[i].cell.text[:30]}' is printed with no cells",
                                table, key, severity="info"))
    if detached:
        _fill_gaps_by_order(tokens, span, specs, found, used, findings, table)
    return found


@dataclass
class Placement:
    """How a table places its figures among spacer blanks, learnt from its rows where only one
    placement is possible.  A rule holds only where at least three such rows all agree."""

    trailing: int = 0  # empty cells every row of the table ends with (ragged delimiters: "… | ||")
    column: int | None = None  # grid column where every row's figures start (delimited dumps)
    offset: int | None = None  # blanks skipped before the figures, where the column says nothing
    hint: int = 0  # the commoner offset, for a flagged guess


MAX_PIECES = 40  # a label printed one character per line is at most this many pieces


def _wrapped_label(tokens: list[Token], i: int, stop: int, specs, own: RowSpec | None):
    """A row label printed in pieces — wrapped over lines, or one character per line ("规" / "章")
    — starting at token i: (index of its last piece, template row) where the pieces joined name
    the row and figures follow the last piece.  No later piece may name a row of its own (that is
    the next row, not a continuation) or open with an ordinal ("2."), a first piece that names a
    row must name this one, and the
    figures must fill the row (a lone figure after pieces is as likely a stray page number)."""
    joined = tokens[i].label
    if len(joined) >= MAX_LABEL:
        return None
    for k in range(i + 1, min(stop, i + MAX_PIECES)):
        t = tokens[k]
        if t.is_value or _match_spec(t.label, specs) is not None or _ORDINAL.match(t.label):
            return None  # a figure, the next row's label, or a numbered piece that opens one
        joined += t.label
        if len(joined) > MAX_LABEL:
            return None
        spec = _match_spec(joined, specs)
        if spec is not None and (own is None or spec is own):
            if len(_figures_after(tokens, k, stop)) >= len(spec.columns):
                return k, spec
            return None
    return None


def _split_over_pages(tokens: list[Token], i: int, stop: int, specs, own: RowSpec | None, figures: list[Token]):
    """A row broken over a page break: its label's first lines and its figures at the foot of one
    page ("7.属于行政 | 3 | 0 …"), the label's last lines over empty cells atop the next page
    ("执法案卷 |  |  …").  (index of the next page's piece, the row's template row, the tokens of
    the piece's grid row) where the two pieces joined name one row and at most one of them names
    it alone — two pieces each naming a row of its own are two rows — and the second piece opens
    no numbered row ("5.") and holds no figure."""
    if not figures or tokens[i].label == "":
        return None
    k = i + 1 + len(figures)
    if k >= stop or tokens[k].cell.row == tokens[i].cell.row:
        return None
    row = tokens[k].cell.row
    j = k
    while j < stop and tokens[j].cell.row == row and tokens[j].is_value and _is_blank(tokens[j]):
        j += 1  # the empty label columns before the piece
    if j >= stop or tokens[j].cell.row != row or tokens[j].is_value:
        return None
    piece = tokens[j]
    rest = j + 1
    while rest < stop and tokens[rest].cell.row == row:
        if not (tokens[rest].is_value and _is_blank(tokens[rest])):
            return None  # a figure, or another label: a row of its own
        rest += 1
    if not piece.label or _ORDINAL.match(piece.label):
        return None
    joined = tokens[i].label + piece.label
    if len(joined) > MAX_LABEL:
        return None
    spec = _match_spec(joined, specs)
    alone = _match_spec(piece.label, specs)
    if spec is None or (own is not None and alone is not None) or own not in (None, spec) or alone not in (None, spec):
        return None
    if alone is not None and not _opens_label(tokens[i].label, spec, joined):
        return None  # other words printed before a row that names itself: two rows
    return j, spec, range(k, rest)


def _opens_label(first: str, spec: RowSpec, joined: str) -> bool:
    """Is `first` the opening of this row's label: the template's printed label starts with it,
    or (a row the template names by a pattern only) the name the pattern finds begins in it?"""
    if spec.label:
        return label_text(normalise(spec.label)).startswith(label_text(normalise(first)))
    m = spec.regex.search(joined)
    return m is not None and m.start() < len(first)


def _labelled_rows(tokens: list[Token], span: tuple[int, int], specs, used: set[int] | None = None):
    """(label index, template row, figures printed after it) for every row label in the span.
    `used` collects the tokens of a row's second piece across a page break (read with the row)."""
    start, stop = span
    i = start
    while i < stop:
        t = tokens[i]
        if t.is_value:
            i += 1
            continue
        spec = _match_spec(t.label, specs)
        figures = _figures_after(tokens, i, stop)
        split = _split_over_pages(tokens, i, stop, specs, spec, figures)
        if split is not None:
            j, spec, piece_row = split
            if used is not None:
                used.update(piece_row)
            yield i, spec, figures
            i = piece_row[-1] + 1
            continue
        figures = figures if spec is not None else []
        if not figures:
            wrapped = _wrapped_label(tokens, i, stop, specs, spec)
            if wrapped is not None:
                k, spec = wrapped
                yield k, spec, _figures_after(tokens, k, stop)
                i = k + 1
                continue
        if spec is not None:
            yield i, spec, figures
        i += 1


_ORDINAL = re.compile(r"^(\(?[一二三四五六七八九十\d]{1,2}[.、)])")


def _misprinted_labels(tokens: list[Token], span: tuple[int, int], specs, labelled):
    """Row labels that match no template row but are one template row's label with a misprint
    ("5.属于三类内容事务信息"): followed by figures, printed where the template's order puts that
    row (between the rows read before and after it), resembling it and no other row."""
    start, stop = span
    order = {s.key: k for k, s in enumerate(specs)}
    matched = sorted((i, order[spec.key]) for i, spec, vals in labelled if vals)
    found_keys = {spec.key for _, spec, _ in labelled}
    out = []
    for i in range(start, stop):
        t = tokens[i]
        if t.is_value or not 6 <= len(t.label) <= MAX_LABEL or _match_spec(t.label, specs) is not None:
            continue
        if not _figures_after(tokens, i, stop):
            continue
        before = [o for j, o in matched if j < i]
        after = [o for j, o in matched if j > i]
        lo, hi = (before[-1] if before else -1), (after[0] if after else len(specs))
        scored = []
        for spec in specs:
            if spec.key in found_keys or not spec.label or not lo < order[spec.key] < hi:
                continue
            want = label_text(spec.label)
            m1, m2 = _ORDINAL.match(want), _ORDINAL.match(t.label)
            if m1 and m2 and m1.group(1) != m2.group(1):
                continue  # a different numbered row
            scored.append((difflib.SequenceMatcher(None, want, t.label).ratio(), spec))
        scored.sort(key=lambda x: -x[0])
        if scored and scored[0][0] >= 0.8 and (len(scored) == 1 or scored[1][0] < scored[0][0] - 0.15):
            out.append((i, scored[0][1]))
            found_keys.add(scored[0][1].key)
    return out


def _placement(labelled) -> Placement:
    cols: dict[int, int] = {}
    offs: dict[int, int] = {}
    trails = [next(k for k, v in enumerate(reversed(vals)) if not _is_blank(v))
              for _, _, vals in labelled if any(not _is_blank(v) for v in vals)]
    trailing = min(trails) if len(trails) >= 3 else 0
    for _, spec, vals in labelled:
        n = len(spec.columns)
        if trailing and len(vals) - trailing >= n:
            vals = vals[: len(vals) - trailing]
        if len(vals) > n:
            found = _offsets(vals, n)
            if len(found) == 1:
                offs[found[0]] = offs.get(found[0], 0) + 1
                col = vals[found[0]].cell.col
                cols[col] = cols.get(col, 0) + 1
    p = Placement(trailing=trailing, hint=max(offs, key=offs.get) if offs else 0)
    if len(cols) == 1 and sum(cols.values()) >= 3:
        p.column = next(iter(cols))
    if len(offs) == 1 and sum(offs.values()) >= 3:
        p.offset = next(iter(offs))
    return p


def _squashed_columns(tokens: list[Token], stop: int, hints: SquashedHints):
    """How many cells a squashed row of a spec prints: all its columns, less the trailing ones
    whose header (hints.column_headers) the table area does not print.  The area is what the
    squashed reader cut after the narrative (grid row 0), up to the table's end."""
    if not hints.column_headers:
        return lambda spec: len(spec.columns)
    head = "".join(t.cell.text for t in tokens[:stop] if t.cell.row > 0 and not t.cell.squashed)
    unprinted = {col for col, rx in hints.column_headers if not re.search(rx, head)}

    def count(spec: RowSpec) -> int:
        n = len(spec.columns)
        while n > 1 and spec.columns[n - 1] in unprinted and spec.columns[n - 1] in spec.blank_ok:
            n -= 1
        return n
    return count


def _split_squashed(spec: RowSpec, tok: Token, n: int, hints: SquashedHints) -> RowRead:
    cands = squashed.order_guesses(squashed.split_candidates(tok.cell.text, n, ordered=False), spec.columns, hints)
    if len(cands) == 1:
        return RowRead(spec, cands[0], [tok.cell] * n)
    if not cands:
        return RowRead(spec, [tok.cell.text] + [""] * (n - 1), [tok.cell] * n, ambiguous=True, candidates=[])
    return RowRead(spec, cands[0], [tok.cell] * n, ambiguous=True, candidates=cands,
                   all_listed=squashed.complete(cands))


def _fill_gaps_by_order(tokens, span, specs, found, used, findings, table) -> None:
    """PDF text layers print some value rows apart from their labels.  Unlabelled rows of
    figures fill the template rows left unread, in template order, between read rows; only
    where the counts agree exactly.  Such cells are marked inferred, never trusted silently."""
    start, stop = span
    orphans: list[tuple[int, list[Token]]] = []
    pieces: dict[int, str] = {}  # orphan position -> the label piece printed with its figures
    i = start
    while i < stop:
        t = tokens[i]
        if (not t.is_value and i not in used and 0 < len(t.label) <= MAX_LABEL and _match_spec(t.label, specs) is None
                and (i == start or tokens[i - 1].cell.row != t.cell.row)):
            # A label wrapped over lines whose first lines the text layer printed elsewhere:
            # its last piece stands with the figures ("行政机关不再处理其政府信息公 | 40 | 1 …").
            run = _figures_after(tokens, i, stop)
            if run and not any(j in used for j in range(i + 1, i + 1 + len(run))):
                orphans.append((i, run))
                pieces[i] = t.label
                i += 1 + len(run)
                continue
        if t.is_value and i not in used:
            row = t.cell.row
            j = i
            run = []
            while j < stop and tokens[j].cell.row == row and tokens[j].is_value and j not in used:
                run.append(tokens[j])
                j += 1
            # A run of figures that fills a whole row, alone on its grid row.
            row_start = i == start or tokens[i - 1].cell.row != row
            if row_start and run:
                orphans.append((i, run))
            i = j
        else:
            i += 1
    if not orphans:
        return
    order = [s.key for s in specs if not s.optional]
    anchors = [(found[k].pos, order.index(k)) for k in order if k in found]
    anchors.sort()
    # Gaps: template rows between consecutive read rows (by template order).
    bounds = [(-1, -1)] + anchors + [(stop, len(order))]
    for (p0, o0), (p1, o1) in zip(bounds, bounds[1:]):
        gap = [order[k] for k in range(o0 + 1, o1) if order[k] not in found]
        if not gap:
            continue
        runs = [(pos, run) for pos, run in orphans if p0 < pos < p1]
        width = {k: len(next(s for s in specs if s.key == k).columns) for k in gap}
        runs = [(pos, run) for pos, run in runs if len(run) >= min(width.values())]
        if len(runs) != len(gap):
            continue
        for key, (pos, run) in zip(gap, runs):
            spec = next(s for s in specs if s.key == key)
            kept, extra, unplaced = _trim(run, len(spec.columns))
            if extra or unplaced or len(kept) != len(spec.columns):
                break
            if pos in pieces and pieces[pos] not in label_text(spec.label or ""):
                break  # the piece printed with the figures is not part of this row's label
            found[key] = RowRead(spec, [v.cell.text for v in kept], [v.cell for v in kept], inferred=True, pos=pos)
            findings.append(Finding("read.row_by_position",
                                    "unlabelled row of figures assigned to this row by template order",
                                    table, key, severity="error"))


def _distinct(values, limit: int = 20) -> list[str]:
    out: list[str] = []
    for v in values:
        if v not in out:
            out.append(v)
            if len(out) >= limit:
                break
    return out


def _cells_from(table: str, rr: RowRead, layout: str) -> list[Cell]:
    spec = rr.spec
    cells = []
    spans = _piece_spans(rr.sources, rr.texts)
    for k, col_key in enumerate(spec.columns):
        text = rr.texts[k] if k < len(rr.texts) else ""
        src = rr.sources[k] if k < len(rr.sources) else None
        span = spans[k] if spans and k < len(spans) else None
        if span is not None and src is not None and src.start is not None:
            printed = src.text[span[0] - src.start: span[1] - src.start]
            if "," in printed:  # the piece was cut without its commas: its text is as printed, and
                text = printed  # read_value judges them ("1,234" a figure, "1,2293" no clean one)
        c = make_cell(table, spec.key, k, col_key, text, layout, src,
                      money=col_key in spec.money, column_unit=spec.unit, span=span)
        c.ambiguous = rr.ambiguous
        c.inferred = rr.inferred
        if rr.ambiguous:
            c.candidates = _distinct(cand[k] for cand in (rr.candidates or []) if k < len(cand))
        if src is not None and src.squashed:
            c.source["printed_run"] = src.text  # what was printed: the cells run together
        cells.append(c)
    # A row printed with fewer cells keeps only what was printed: the rest is absent, not blank.
    return cells[: len(rr.texts)]


def _read_block(tokens: list[Token], span: tuple[int, int], tspec: TableSpec, template: Template,
                layout: str, findings: list[Finding], trailing: int = 0):
    """A block table (table 4): its cells in printed order after the header rows, cut into the
    template's rows by their column counts.  `trailing`: the empty cells every row of the other
    tables ends with (ragged delimiters), dropped from this one's end first."""
    start, stop = span
    n = tspec.cell_count
    table = tspec.name
    end = compiled(template.tables_end) if template.tables_end else None
    vals: list[Token] = []
    for i in range(start + 1, stop):
        t = tokens[i]
        if not t.is_value:
            if vals and len(t.label) > 0 and (len(t.label) > MAX_LABEL or (end and end.search(t.label))):
                break
            if sum(1 for v in vals if read_value(v.cell.text).kind != BLANK or v.cell.squashed) >= n:
                break
            continue
        vals.append(t)
    # Skip blank cells of header rows: figures start at the first row holding a number.
    rows_with_numbers = {t.cell.row for t in vals if t.cell.squashed or read_value(t.cell.text).kind in FIGURE_KINDS}
    if rows_with_numbers:
        vals = [t for t in vals if t.cell.row in rows_with_numbers]
    else:
        # Printed all blank: the one row of the table's body holding every cell.
        by_row: dict[int, list[Token]] = {}
        for t in vals:
            by_row.setdefault(t.cell.row, []).append(t)
        full = [r for r, ts in by_row.items() if len(ts) >= n]
        vals = by_row[full[-1]] if full else []
    if not vals:
        return None
    texts: list[str]
    sources: list[GridCell | None]
    ambiguous, candidates = False, None
    if len(vals) == 1 and vals[0].cell.squashed:
        cands = squashed.split_candidates(vals[0].cell.text, n)
        listed_all = squashed.complete(cands)
        cands = squashed.filter_block(cands, tspec, template)
        texts = cands[0] if cands else [vals[0].cell.text]
        sources = [vals[0].cell] * n
        ambiguous = len(cands) != 1 or not listed_all
        candidates = cands
    else:
        if trailing and len(vals) - trailing >= n and all(_is_blank(t) for t in vals[len(vals) - trailing:]):
            vals = vals[: len(vals) - trailing]  # the document's ragged line ends
        if len(vals) > n:
            # Spacer blanks (ragged ends, a separator printed as an empty cell) may be dropped
            # from either end; where that leaves two readings the cells are flagged.
            offsets = _offsets(vals, n)
            readings = {tuple(t.cell.text for t in vals[o:o + n]) for o in offsets}
            if not offsets:
                findings.append(Finding("read.extra_cells", f"{len(vals)} cells where {table} has {n}", table))
            elif len(readings) > 1:
                ambiguous = True
                candidates = [[t.cell.text for t in vals[o:o + n]] for o in offsets]
                findings.append(Finding("read.ambiguous_alignment", "blank cells at both ends of the table: the "
                                        "figures' columns cannot be told for sure", table))
            vals = vals[offsets[0]:offsets[0] + n] if offsets else vals[:n]
        texts = [t.cell.text for t in vals[:n]]
        sources = [t.cell for t in vals[:n]]
    out: dict[str, list[Cell]] = {}
    idx = 0
    spans = _piece_spans(sources, texts)
    for spec in tspec.rows:
        cells = []
        for k, col in enumerate(spec.columns):
            if idx >= len(texts):
                break
            c = make_cell(table, spec.key, k, col, texts[idx], layout, sources[idx],
                          money=col in spec.money, column_unit=spec.unit,
                          span=spans[idx] if spans and idx < len(spans) else None)
            c.ambiguous = ambiguous
            if ambiguous and candidates:
                c.candidates = _distinct(cand[idx] for cand in candidates if idx < len(cand))
            if sources[idx] is not None and sources[idx].squashed:
                c.source["printed_run"] = sources[idx].text
            cells.append(c)
            idx += 1
        if cells:
            out[spec.key] = cells
    if len(texts) < n:
        findings.append(Finding("read.incomplete_table", f"{table} has {len(texts)} of {n} cells", table))
    return out


def map_grid(grid: Grid, template: Template, tokens: list[Token] | None = None) -> Mapped:
    tokens = tokens_of(grid) if tokens is None else tokens
    spans = regions(tokens, template)
    findings: list[Finding] = []
    tables: dict[str, dict[str, list[Cell]] | None] = {name: None for name in template.table_names}
    reads: dict[str, dict[str, RowRead]] = {}
    trailing = 0  # the ragged line ends the row tables agree on, for the block tables
    for tspec in template.tables:
        span = spans[tspec.name]
        if span is None or tspec.block:
            continue
        placements: list[Placement] = []
        found = _read_rows(tokens, span, tspec, template.squashed, grid.detached_labels, findings, placements)
        trailing = max([trailing] + [p.trailing for p in placements])
        if found:
            reads[tspec.name] = found
    for table, found in reads.items():
        squashed.resolve(found, template, table)
    for table, found in reads.items():
        order = [s.key for s in template.rows(table)]
        tables[table] = {k: _cells_from(table, found[k], grid.layout) for k in order if k in found}
        for k in order:
            rr = found.get(k)
            if rr is not None and rr.ambiguous and any(src is not None and src.squashed for src in rr.sources):
                findings.append(Finding("read.ambiguous_cell",
                                        f"cells run together ('{''.join(rr.texts)}'): {len(rr.candidates or [])} readings possible",
                                        table, k))
    for tspec in template.tables:
        span = spans[tspec.name]
        if span is None or not tspec.block:
            continue
        block = _read_block(tokens, span, tspec, template, grid.layout, findings, trailing)
        if block:
            tables[tspec.name] = block
            if any(c.ambiguous and c.source.get("printed_run") for cells in block.values() for c in cells):
                findings.append(Finding("read.ambiguous_cell", f"{tspec.name} cells run together", tspec.name))
    return Mapped(tables, findings)
