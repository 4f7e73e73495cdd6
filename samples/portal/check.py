"""Compare a crawl of the sample portal with the portal's truth and the gold files.

Used by the end-to-end tests and the benchmark:  ``check(results, truth)`` where ``results`` are
the crawl's per-document outcomes (``govreports crawl --results``) and ``truth`` is
``samples.portal.server.truth(...)``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DOCS = Path(__file__).resolve().parent / "docs"
_WS = re.compile(r"\s+")


def cell_ok(gold, cell) -> bool:
    """A gold-file value against a parsed cell [table, row, col, text, number, kind] (GOLD.md rules)."""
    if cell is None:
        return False
    _t, _r, _c, text, number, kind = cell
    if gold is None:
        return kind == "blank"
    if isinstance(gold, bool):
        return False
    if isinstance(gold, (int, float)):
        return number is not None and abs(float(number) - float(gold)) < 1e-9 and kind != "text"
    return _WS.sub("", text or "") == _WS.sub("", str(gold))


def gold_mismatches(cells: list | None, gold: dict) -> list[str]:
    """Gold cells the parsed cells do not reproduce ([] = the figures equal the gold file)."""
    out = []
    tables: dict[str, dict[str, list]] = {}
    for c in cells or []:
        tables.setdefault(c[0], {}).setdefault(c[1], []).append(c)
    for table, gtab in (gold.get("truth") or {}).items():
        ptab = tables.get(table)
        if gtab is None:
            if ptab:
                out.append(f"{table}: figures for a table the document lacks")
            continue
        if table == "table4":
            flat = [c for row in (ptab or {}).values() for c in row]
            items = [(f"table4[{i}]", g, flat[i] if i < len(flat) else None) for i, g in enumerate(gtab)]
        else:
            items = []
            for row, gvals in gtab.items():
                pc = (ptab or {}).get(row) or []
                items += [(f"{table}.{row}[{i}]", g, pc[i] if i < len(pc) else None) for i, g in enumerate(gvals)]
        for where, g, cell in items:
            if not cell_ok(g, cell):
                out.append(f"{where} gold {g!r} got {cell[3] if cell else 'nothing'!r}")
    return out


def report_cells(report) -> list:
    return [[c.table, c.row, c.col, c.text, c.number, c.kind] for c in report.cells()]


def _path(url: str) -> str:
    p = urlsplit(url)
    return p.path + ("?" + p.query if p.query else "")


@dataclass
class CheckResult:
    expected: int = 0
    found: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)  # stored as reports but not reports of the portal
    wrong_year: list[str] = field(default_factory=list)
    wrong_region: list[str] = field(default_factory=list)
    figure_mismatches: dict[str, list[str]] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.wrong_year or self.wrong_region or self.duplicates)

    def summary(self) -> str:
        return (f"found {self.found}/{self.expected} reports · missing {len(self.missing)} · extra {len(self.extra)}"
                f" · wrong year {len(self.wrong_year)} · wrong region {len(self.wrong_region)}"
                f" · figures differing from gold {len(self.figure_mismatches)}")


def check(results: list[dict], truth: list[dict]) -> CheckResult:
    stored = [r for r in results if r.get("outcome") in ("stored", "downloaded")]
    by_path = {}
    res = CheckResult(expected=len(truth))
    for r in stored:
        p = _path(r["url"])
        if p in by_path:
            res.duplicates.append(p)
        by_path[p] = r
    want = {_path(t["url"]): t for t in truth}
    res.missing = sorted(set(want) - set(by_path))
    res.extra = sorted(set(by_path) - set(want))
    for p, t in want.items():
        r = by_path.get(p)
        if r is None:
            continue
        res.found += 1
        if r.get("outcome") == "downloaded":
            continue
        if r.get("year") != t["year"]:
            res.wrong_year.append(f"{p}: {r.get('year')} != {t['year']}")
        if r.get("region_code") != t["region_code"]:
            res.wrong_region.append(f"{p}: {r.get('region_code')} != {t['region_code']}")
        gold = json.loads((DOCS / t["gold"]).read_text(encoding="utf-8"))
        mm = gold_mismatches(r.get("cells"), gold)
        if mm:
            res.figure_mismatches[t["file"] + " @ " + t["site"]] = mm
    return res


def load_results(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
