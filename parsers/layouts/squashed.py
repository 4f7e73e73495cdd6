"""Squashed text: table cells run together with no separator ("规范性文件898989").

Reading: the table area is cut into label runs and figure runs; each figure run becomes one
squashed cell after its label.  Splitting: every way of cutting a figure run into the row's
number of cells that prints valid numbers (no leading zeros, spaces are boundaries) is a
candidate.  Only the template's own arithmetic may choose among candidates; where it cannot,
the cells stay ambiguous and the report is flagged.
"""
from __future__ import annotations

import functools
import itertools
import re
from typing import TYPE_CHECKING

from ..grid import Grid, locate
from ..limits import check_time

if TYPE_CHECKING:  # pragma: no cover
    from ..templates import TableSpec, Template
    from ..templates.base import SquashedHints

# Readings listed at most: a run with more is damaged, and a list cut short never lets the
# arithmetic settle it (the reading that adds up may be among those not listed).  Real runs have
# a few dozen readings.
MAX_CANDIDATES = 5_000
# The longest figure these tables print, in characters with its decimals and unit
# ("75394432.52元" is 12): a cut giving a longer cell is no reading, so a damaged run of
# thousands of digits has none, found at once instead of after a search through its cuts.
MAX_FIGURE_CHARS = 18

# Digits with inner spaces, thousands commas and decimal points; a money unit may close it.
_FIGURE_RUN = re.compile(r"-?\d(?:[\d ,]|\.(?=\d))*(?:万元|元)?")
_HEADING = re.compile(r"[一二三四五六七八九十]、")
_NUMBER_PART = re.compile(r"^(?:0|[1-9]\d*)(?:\.\d+)?(?:万元|元)?$")


@functools.lru_cache(maxsize=8)
def _row_keywords(templates) -> re.Pattern:
    """Row labels of every template, unanchored, to find where a row label begins in a run."""
    alts = set()
    for t in templates:
        for table in t.tables:
            if table.block:
                continue  # read by position: its rows have no labels
            for spec in table.rows:
                alts.add("(?:" + spec.pattern.replace("^", "").replace("$", "") + ")")
    return re.compile("|".join(sorted(alts, key=len, reverse=True)))


@functools.lru_cache(maxsize=8)
def _squashed_label(templates) -> re.Pattern | None:
    alts = []
    for t in templates:
        if not t.squashed.labels:
            continue
        labels = "|".join(sorted((re.escape(x) for x in t.squashed.labels), key=len, reverse=True))
        # A form with a unit column prints it between label and figures ("当面申请数件0"); a sentence
        # prints the unit after the figure ("主动公开政府信息数135条"): that is no squashed table.
        units = "|".join(sorted((re.escape(x) for x in t.squashed.units), key=len, reverse=True))
        alts.append(f"(?:{labels})" + (f"(?:{units})" if units else ""))
    return re.compile("(?:" + "|".join(alts) + ")[ \u00a0]?\\d") if alts else None


@functools.lru_cache(maxsize=8)
def _table_start(templates) -> re.Pattern | None:
    starts = sorted({t.squashed.start for t in templates if t.squashed.start})
    return re.compile("|".join(f"(?:{x})" for x in starts)) if starts else None


def looks_squashed(text: str, templates) -> bool:
    """Template row labels followed directly by figures, with no delimiter: a squashed dump."""
    rx = _squashed_label(tuple(templates))
    if rx is None:
        return False
    hits = len(rx.findall(text))
    delimited = sum(1 for line in text.split("\n") if line.count("|") >= 2 or line.count("\t") >= 2)
    return hits >= 3 and delimited < 5


def _split_label_run(run: str, keywords: re.Pattern) -> list[str]:
    """Cut a run of label text where its last row label begins; what precedes is header text."""
    last = None
    for m in keywords.finditer(run):
        if not _in_note(run[: m.start()]):  # a row's word inside a label's note is its wording
            last = m
    if last is None or last.start() == 0:
        return [run]
    return [run[: last.start()], run[last.start():]]


def _split_headings(run: str) -> list[str]:
    """Section headings ("四、政府信息公开行政复议…") start a cell of their own."""
    starts = [m.start() for m in _HEADING.finditer(run) if m.start() > 0] 
    pieces, prev = [], 0
    for s in starts:
        pieces.append(run[prev:s])
        prev = s
    pieces.append(run[prev:])
    out = []
    for p in pieces:
        # "四、…行政诉讼情况" ends at its 情况; the table's header words follow.
        m = re.match(r"[一二三四五六七八九十]、.{2,38}?情况", p) if _HEADING.match(p) else None
        if m and m.end() < len(p):
            out += [p[: m.end()], p[m.end():]]
        elif p:
            out.append(p)
    return out


# A label's note in parentheses is short ("（不同渠道和方式公开相同信息计1条）"): a bracket opened further
# back than this is stray, not a note the figure belongs to (and the scan stays linear in the text).
MAX_NOTE_CHARS = 60


def _in_note(label: str) -> bool:
    """Does a label end inside a short parenthesis it opened (its note)?"""
    depth = 0
    for ch in label[-MAX_NOTE_CHARS:]:
        if ch in "（(":
            depth += 1
        elif ch in "）)" and depth:
            depth -= 1
    return depth > 0


def read_squashed(text: str, templates) -> Grid:
    grid = Grid(layout="squashed-text")
    keywords = _row_keywords(tuple(templates))
    start = _table_start(tuple(templates))
    m = start.search(text) if start is not None else None
    if not m:
        grid.add_row([text], [(0, len(text))])
        return grid
    grid.add_row([text[: m.start()]], [(0, m.start())])  # narrative before the tables: one long cell, never a label
    base = m.start()  # offsets in the area are offsets in the text less this
    area = text[m.start():]
    pos = 0
    label = ""
    label_at = 0  # where the label being gathered starts in the area
    for fm in _FIGURE_RUN.finditer(area):
        start, end = fm.span()
        figs = fm.group()
        # Trailing ordinal of the next label: "…0000000" + "2.其他…", "…00" + "2、网上申请数"
        tail = re.search(r"\s*\d$", figs)
        if end < len(area) and area[end:end + 1] in (".", "、") and end + 1 < len(area) and not area[end + 1].isdigit() and tail:
            figs, end = figs[: tail.start()], start + tail.start()
        if not label:
            label_at = pos
        label += area[pos:start]
        if figs.strip() and _in_note(label):
            # a figure inside the label's own parenthesis is its wording: "（不同渠道和方式公开相同信息计1条）"
            label += area[start:end]
            pos = end
            continue
        pos = end if figs.strip() else start
        if not figs.strip():
            continue
        if not re.search(r"[\u4e00-\u9fff]", label) and grid.rows and len(grid.rows[-1]) > 1:
            # figures interrupted by punctuation only: the same squashed cell continues
            prev = grid.rows[-1][-1]
            # as printed, the spaces that ended its first run included (they are cell boundaries)
            prev.text = text[prev.start:base + start] + figs
            prev.end = base + start + len(figs.rstrip())
            label = ""
            continue
        cells = []
        for piece in _split_headings(label.strip()):
            cells += _split_label_run(piece, keywords)
        at = base + start + len(figs) - len(figs.lstrip())
        row = grid.add_row(cells + [figs.strip()],
                           locate(label, base + label_at, cells) + [(at, at + len(figs.strip()))])
        row[-1].squashed = True
        label = ""
    rest = label + area[pos:]
    if rest.strip():
        rest_at = base + (label_at if label else pos)
        grid.add_row([rest.strip()], locate(rest, rest_at, [rest.strip()]))
    return grid


@functools.lru_cache(maxsize=4096)
def _splits_of_chunk(chunk: str, k: int) -> tuple[tuple[str, ...], ...]:
    """Ways to cut one space-free chunk into k valid printed numbers (memoised: a DP)."""
    check_time("cutting squashed figures apart")
    if len(chunk) > k * MAX_FIGURE_CHARS:
        return ()  # some cell would be longer than any printed figure
    if k == 1:
        return ((chunk,),) if _NUMBER_PART.match(chunk) else ()
    out = []
    for i in range(max(1, len(chunk) - (k - 1) * MAX_FIGURE_CHARS), min(len(chunk) - k + 2, MAX_FIGURE_CHARS + 1)):
        head = chunk[:i]
        if not _NUMBER_PART.match(head) or head.endswith("元"):
            continue
        for rest in _splits_of_chunk(chunk[i:], k - 1):
            out.append((head,) + rest)
            if len(out) >= MAX_CANDIDATES:
                return tuple(out)
    return tuple(out)


def _compositions(total: int, parts: int, mins: list[int], maxs: list[int]):
    if parts == 0:
        if total == 0:
            yield []
        return
    lo, hi = mins[0], min(maxs[0], total - sum(mins[1:]))
    for k in range(lo, hi + 1):
        for rest in _compositions(total - k, parts - 1, mins[1:], maxs[1:]):
            yield [k] + rest


def _candidates(chunks: list[str], n: int) -> list[list[str]]:
    maxs = [len(c.replace(".", "").replace("万元", "").replace("元", "")) for c in chunks]
    # Each chunk needs at least as many cells as its length takes at the longest figure.
    mins = [max(1, -(-len(c) // MAX_FIGURE_CHARS)) for c in chunks]
    out: list[list[str]] = []
    if sum(maxs) < n or sum(mins) > n or any(lo > hi for lo, hi in zip(mins, maxs)):
        return out
    for counts in _compositions(n, len(chunks), mins, maxs):
        per_chunk = [_splits_of_chunk(c, k) for c, k in zip(chunks, counts)]
        if any(not p for p in per_chunk):
            continue
        for combo in itertools.product(*per_chunk):
            out.append([x for part in combo for x in part])
            if len(out) >= MAX_CANDIDATES:
                return out
    return out


def _zeros_alone(cand: list[str]) -> int:
    return sum(1 for x in cand if x == "0")


def _spread(cand: list[str]) -> float:
    lens = [len(x) for x in cand]
    n = len(lens)
    total = sum(lens)
    return n * sum(x * x for x in lens) - total * total  # n² x the variance of the cells' lengths, exact


def plausible(columns: tuple[str, ...], cand: list[str], hints: "SquashedHints | None" = None) -> bool:
    """Soft sense of a row, as the template states it (e.g. what is in force is not fewer than
    what was issued this year).  Used only to order guesses, never to trust one."""
    if hints is None:
        return True
    nums = dict(zip(columns, (_num(x) for x in cand)))
    for items, change in hints.change_within:
        prev, delta = nums.get(items), nums.get(change)
        if prev is not None and delta is not None and abs(delta) > prev:
            return False  # a year's change in the number of items rarely exceeds the items themselves
    for big, small in hints.at_least:
        if big in nums and small in nums and None not in (nums[big], nums[small]) and nums[big] < nums[small]:
            return False
    return True


def order_guesses(cands: list[list[str]], columns: tuple[str, ...] = (),
                  hints: "SquashedHints | None" = None) -> list[list[str]]:
    """Most plausible reading first: sensible figures, then a lone 0 kept as its own
    cell (zeros fill most cells of these tables), then cells of similar length."""
    return sorted(cands, key=lambda c: (not plausible(columns, c, hints), -_zeros_alone(c), _spread(c)))


def complete(cands: list) -> bool:
    """Are these all the readings (not a list cut at MAX_CANDIDATES)?"""
    return len(cands) < MAX_CANDIDATES


def split_candidates(text: str, n: int, ordered: bool = True) -> list[list[str]]:
    """Every reading of a squashed figure run as n printed cells, most plausible first.

    Spaces are taken as cell boundaries first; only where that yields nothing are they
    ignored (stray spaces inside a number).  Plausibility only orders the list; it never
    turns an ambiguous run into a trusted one.
    """
    text = text.replace(",", "")
    chunks = text.split()
    cands = _candidates(chunks, n)
    if not cands and len(chunks) > 1:
        cands = _candidates(["".join(chunks)], n)
    return order_guesses(cands) if ordered else cands  # a caller with the row's hints orders them itself


def piece_offsets(run: str, pieces: list[str]) -> list[tuple[int, int] | None]:
    """Where each piece of a reading is printed in its run, in order: (start, end) in the run,
    over the thousands commas and spaces the pieces were read without; None for a piece that is
    not there (an empty cell of a reading that found too few)."""
    printed = [i for i, ch in enumerate(run) if ch != "," and not ch.isspace()]
    if "".join(pieces) == "".join(run[i] for i in printed):  # the usual case: the pieces are the run, cut
        out: list[tuple[int, int] | None] = []
        k = 0
        for piece in pieces:
            out.append((printed[k], printed[k + len(piece) - 1] + 1) if piece else None)
            k += len(piece)
        return out
    out = []
    i = 0
    for piece in pieces:
        while i < len(run) and (run[i] in ", " or run[i].isspace()) and (not piece or run[i] != piece[0]):
            i += 1
        if not piece:
            out.append(None)
            continue
        start, k = i, 0
        while i < len(run) and k < len(piece):
            if run[i] == piece[k]:
                k += 1
            elif not (run[i] == "," or run[i].isspace()):
                break
            i += 1
        out.append((start, i) if k == len(piece) else None)
        if k < len(piece):
            i = start
    return out


@functools.lru_cache(maxsize=65536)
def _num(s: str) -> float | None:
    s = s.replace("万元", "").replace("元", "")
    try:
        return float(s)
    except ValueError:
        return None


def _holds(eq, value) -> bool | None:
    """Does an equation hold, given value(row, col) -> number or None; None when it cannot be told."""
    check_time("weighing the readings of squashed figures")  # their number can explode on damaged text
    left = [value(r, c) for r, c in eq.left]
    right = [value(r, c) for r, c in eq.right]
    if None in left or None in right:
        return None
    return abs(sum(left) - sum(right)) < 1e-9


def filter_block(cands: list[list[str]], tspec: "TableSpec", template: "Template") -> list[list[str]]:
    """A block table's readings whose every row adds up as the template says (table 4: each block
    of five ends with its total)."""
    n = tspec.cell_count
    layout, at = {}, 0
    for spec in tspec.rows:
        layout[spec.key] = at
        at += len(spec.columns)
    eqs = template.equations(tspec.name, {s.key: len(s.columns) for s in tspec.rows})
    if not eqs:
        return cands

    def fits(c):
        if len(c) != n:
            return False
        return all(_holds(eq, lambda r, k: _num(c[layout[r] + k])) for eq in eqs)

    ok = [c for c in cands if fits(c)]
    return ok or cands


def resolve(found: dict, template: "Template", table: str) -> None:
    """Choose among squashed readings of a table's rows with the template's arithmetic only:
    first the rules within a row (table 3: the six applicant columns sum to 总计), then the rules
    across rows (table 3's column identities) where every other row involved is already certain."""
    present = {k: len(rr.texts) for k, rr in found.items()}
    eqs = template.equations(table, present)
    if not eqs or not any(rr.ambiguous and rr.candidates for rr in found.values()):
        return
    within: dict[str, list] = {k: [] for k in found}
    across: dict[str, list] = {k: [] for k in found}
    for e in eqs:
        rows = {r for r, _ in e.left + e.right}
        if len(rows) == 1:
            within.setdefault(next(iter(rows)), []).append(e)
        else:
            for r in rows:
                across.setdefault(r, []).append(e)
    for key, rr in found.items():
        if rr.ambiguous and rr.candidates and within[key]:
            # Within a row every rule must hold: a reading whose rule cannot be told is no answer.
            ok = _fitting(rr.candidates, _terms(found, key, within[key]), undecided_fits=False)
            _settle(rr, ok)
    for _ in range(3):
        changed = False
        for key, rr in found.items():
            if not (rr.ambiguous and rr.candidates) or not across[key]:
                continue
            # Across rows a rule that cannot be told (a row in doubt) rules nothing out.
            ok = _fitting(rr.candidates, _terms(found, key, across[key]), undecided_fits=True)
            if len(ok) < len(rr.candidates):
                changed = True
            _settle(rr, ok)
        if not changed:
            break


def _settle(rr, ok: list[list[str]]) -> None:
    if not ok:
        return  # nothing fits the arithmetic: keep every reading, stay ambiguous
    rr.candidates = ok
    rr.texts = ok[0]
    if len(ok) == 1 and rr.all_listed:
        rr.ambiguous = False  # only one reading adds up: the template's arithmetic decided


def _cell_number(texts, k: int) -> float | None:
    return _num(texts[k]) if k < len(texts) and texts[k] else None


def _terms(found: dict, key: str, eqs) -> list[tuple[float | None, tuple[tuple[int, int], ...]]]:
    """Each rule as what row `key`'s readings must make of it: (the sum the other rows' certain
    cells contribute, right side negative, or None where one of them is in doubt or not a
    figure; (column of `key`, sign) for this row's own cells).  Worked out once per row, not once
    per reading: a damaged run has thousands of readings."""
    out = []
    for eq in eqs:
        const: float | None = 0.0
        mine = []
        for side, sign in ((eq.left, 1), (eq.right, -1)):
            for r, k in side:
                if r == key:
                    mine.append((k, sign))
                    continue
                rr = found.get(r)
                v = None if rr is None or rr.ambiguous else _cell_number(rr.texts, k)
                if v is None or const is None:
                    const = None
                else:
                    const += sign * v
        out.append((const, tuple(mine)))
    return out


def _fitting(cands: list[list[str]], terms, undecided_fits: bool) -> list[list[str]]:
    """The readings every rule holds for (a rule that cannot be told counts as `undecided_fits`)."""
    out = []
    for i, c in enumerate(cands):
        if i % 500 == 0:
            check_time("weighing the readings of squashed figures")  # their number can explode on damaged text
        fits = True
        for const, mine in terms:
            total = const
            if total is not None:
                for k, sign in mine:
                    v = _cell_number(c, k)
                    if v is None:
                        total = None
                        break
                    total += sign * v
            if total is None:
                if not undecided_fits:
                    fits = False
                    break
            elif abs(total) >= 1e-9:
                fits = False
                break
        if fits:
            out.append(c)
    return out
