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

from ..grid import Grid

if TYPE_CHECKING:  # pragma: no cover
    from ..templates import Template

MAX_CANDIDATES = 50_000

# Digits with inner spaces, thousands commas and decimal points; a money unit may close it.
_FIGURE_RUN = re.compile(r"-?\d(?:[\d ,]|\.(?=\d))*(?:万元|元)?")
_TABLE_START = re.compile(r"第二十条第|信息内容\s*(本年|上一年)")
_HEADING = re.compile(r"[一二三四五六七八九十]、")
_NUMBER_PART = re.compile(r"^(?:0|[1-9]\d*)(?:\.\d+)?(?:万元|元)?$")


def _row_keywords(templates) -> re.Pattern:
    """Row labels of every template, unanchored, to find where a row label begins in a run."""
    alts = set()
    for t in templates:
        for spec in t.table2 + t.table3:
            alts.add("(?:" + spec.pattern.replace("^", "").replace("$", "") + ")")
    return re.compile("|".join(sorted(alts, key=len, reverse=True)))


def looks_squashed(text: str) -> bool:
    """Template row labels followed directly by figures, with no delimiter: a squashed dump."""
    hits = len(re.findall(r"(?:规章|规范性文件|行政许可|行政处罚|本年新收政府信息公开申请数量|国家秘密|重复申请)[ \u00a0]?\d", text))
    delimited = sum(1 for line in text.split("\n") if line.count("|") >= 2 or line.count("\t") >= 2)
    return hits >= 3 and delimited < 5


def _split_label_run(run: str, keywords: re.Pattern) -> list[str]:
    """Cut a run of label text where its last row label begins; what precedes is header text."""
    last = None
    for m in keywords.finditer(run):
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


def read_squashed(text: str, templates) -> Grid:
    grid = Grid(layout="squashed-text")
    keywords = _row_keywords(templates)
    m = _TABLE_START.search(text)
    if not m:
        grid.add_row([text])
        return grid
    grid.add_row([text[: m.start()]])  # narrative before the tables: one long cell, never a label
    area = text[m.start():]
    pos = 0
    label = ""
    for fm in _FIGURE_RUN.finditer(area):
        start, end = fm.span()
        figs = fm.group()
        # Trailing ordinal of the next label: "…0000000" + "2.其他…"
        tail = re.search(r"\s*\d$", figs)
        if end < len(area) and area[end:end + 1] == "." and end + 1 < len(area) and not area[end + 1].isdigit() and tail:
            figs, end = figs[: tail.start()], start + tail.start()
        label += area[pos:start]
        pos = end if figs.strip() else start
        if not figs.strip():
            continue
        if not re.search(r"[\u4e00-\u9fff]", label) and grid.rows and len(grid.rows[-1]) > 1:
            # figures interrupted by punctuation only: the same squashed cell continues
            prev = grid.rows[-1][-1]
            prev.text = prev.text + label + figs
            label = ""
            continue
        cells = []
        for piece in _split_headings(label.strip()):
            cells += _split_label_run(piece, keywords)
        row = grid.add_row(cells + [figs.strip()])
        row[-1].squashed = True
        label = ""
    rest = label + area[pos:]
    if rest.strip():
        grid.add_row([rest.strip()])
    return grid


@functools.lru_cache(maxsize=4096)
def _splits_of_chunk(chunk: str, k: int) -> tuple[tuple[str, ...], ...]:
    """Ways to cut one space-free chunk into k valid printed numbers (memoised: a DP)."""
    if k == 1:
        return ((chunk,),) if _NUMBER_PART.match(chunk) else ()
    out = []
    for i in range(1, len(chunk) - k + 2):
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
    out: list[list[str]] = []
    if sum(maxs) < n:
        return out
    for counts in _compositions(n, len(chunks), [1] * len(chunks), maxs):
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
    mean = sum(lens) / len(lens)
    return sum((x - mean) ** 2 for x in lens)


def plausible(columns: tuple[str, ...], cand: list[str]) -> bool:
    """Soft sense of a table 2 row: what is in force (or public in all) is not fewer than what
    was issued this year.  Used only to order guesses, never to trust one."""
    nums = dict(zip(columns, (_num(x) for x in cand)))
    prev, change = nums.get("previous_items"), nums.get("change")
    if prev is not None and change is not None and abs(change) > prev:
        return False  # a year's change in the number of items rarely exceeds the items themselves
    for big, small in (("in_force", "issued"), ("total_public", "made"), ("total_public", "published")):
        if big in nums and small in nums and None not in (nums[big], nums[small]) and nums[big] < nums[small]:
            return False
    return True


def order_guesses(cands: list[list[str]], columns: tuple[str, ...] = ()) -> list[list[str]]:
    """Most plausible reading first: sensible table 2 figures, then a lone 0 kept as its own
    cell (zeros fill most cells of these tables), then cells of similar length."""
    return sorted(cands, key=lambda c: (not plausible(columns, c), -_zeros_alone(c), _spread(c)))


def split_candidates(text: str, n: int) -> list[list[str]]:
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
    return order_guesses(cands)


def _num(s: str) -> float | None:
    s = s.replace("万元", "").replace("元", "")
    try:
        return float(s)
    except ValueError:
        return None


def _row_sum_ok(c: list[str]) -> bool:
    nums = [_num(x) for x in c]
    if any(v is None for v in nums) or len(nums) < 2:
        return False
    return abs(sum(nums[:-1]) - nums[-1]) < 1e-9


def filter_table4(cands: list[list[str]]) -> list[list[str]]:
    """Table 4: each block of five ends with its total (rule 4)."""
    ok = [c for c in cands if len(c) == 15 and all(_row_sum_ok(c[b * 5:(b + 1) * 5]) for b in range(3))]
    return ok or cands


def resolve_table3(found: dict, template: "Template") -> None:
    """Choose among squashed readings of table 3 rows with the template's arithmetic only:
    each row's six applicant columns sum to its 总计 (rule 3); then the column identities
    (rules 1 and 2) where every other row involved is already certain."""
    for rr in found.values():
        if rr.ambiguous and rr.candidates:
            ok = [c for c in rr.candidates if _row_sum_ok(c)]
            _settle(rr, ok)
    for _ in range(3):
        changed = False
        for key, rr in found.items():
            if not (rr.ambiguous and rr.candidates):
                continue
            ok = [c for c in rr.candidates if _columns_ok(found, template, key, c)]
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
    if len(ok) == 1:
        rr.ambiguous = False  # only one reading adds up: the template's arithmetic decided


def _columns_ok(found: dict, template: "Template", key: str, cand: list[str]) -> bool:
    def values(k):
        if k == key:
            return [_num(x) for x in cand]
        rr = found.get(k)
        if rr is None or rr.ambiguous:
            return None
        return [_num(x) if x else None for x in rr.texts]

    for col in range(7):
        # Rule 1: new + carried over = total + carried forward.
        rows = [values(k) for k in ("new_received", "carried_over", "total", "carried_forward")]
        if key in ("new_received", "carried_over", "total", "carried_forward") and all(r is not None for r in rows):
            a, b, t, f = (r[col] for r in rows)
            if None not in (a, b, t, f) and abs(a + b - t - f) > 1e-9:
                return False
        # Rule 2: total = sum of the result rows.
        result_rows = template.results_of(found)
        if key == "total" or key in result_rows:
            parts = [values(k) for k in result_rows if k in found]
            tot = values("total")
            if tot is not None and all(p is not None for p in parts) and len(parts) == len(result_rows):
                vals = [p[col] for p in parts]
                if None not in vals and tot[col] is not None and abs(sum(vals) - tot[col]) > 1e-9:
                    return False
    return True
