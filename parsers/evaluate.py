"""Score parses against gold files (../shared/format/GOLD.md): cells, exact reports, silent errors."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .record import BLANK, Report
from .templates import by_name

DOC_SUFFIXES = (".txt", ".html", ".htm", ".pdf", ".docx", ".shtml")
_WS = re.compile(r"\s+")


@dataclass
class DocScore:
    name: str
    cells: int = 0
    correct: int = 0
    wrong: list[str] = field(default_factory=list)
    year_ok: bool = True
    template_ok: bool = True
    flagged: bool = False

    @property
    def exact(self) -> bool:
        return self.cells == self.correct and self.year_ok and self.template_ok

    @property
    def silent_error(self) -> bool:
        return bool(self.wrong) and not self.flagged


def named_document(gold: Path) -> Path | None:
    """The document a gold file names in its "document" field (a path relative to the gold's
    folder: a document kept elsewhere, e.g. in ../shared, scored against a gold of this folder's
    own), or None where it names none."""
    try:
        name = json.loads(gold.read_text(encoding="utf-8")).get("document")
    except (OSError, ValueError, AttributeError):
        return None  # not a gold file: scored (and reported) by nothing here
    return (gold.parent / name) if isinstance(name, str) and name else None


def pairs(folder: Path) -> list[tuple[Path, Path]]:
    """(document, gold) of a folder: the document named by a gold's "document" field where it
    has one and that file exists, else the file of the gold's stem beside it."""
    out = []
    for gold in sorted(folder.glob("*.json")):
        named = named_document(gold)
        if named is not None:
            if named.is_file():
                out.append((named, gold))
            continue
        for suffix in DOC_SUFFIXES:
            doc = gold.with_suffix(suffix)
            if doc.exists():
                out.append((doc, gold))
                break
    return out


def missing_documents(folder: Path) -> list[tuple[Path, Path]]:
    """(gold, document) of every gold that names a document which is not there."""
    out = []
    for gold in sorted(folder.glob("*.json")):
        named = named_document(gold)
        if named is not None and not named.is_file():
            out.append((gold, named))
    return out


def _cell_ok(gold, cell) -> bool:
    if cell is None:
        return False
    if gold is None:
        return cell.kind == BLANK
    if isinstance(gold, bool):
        return False
    if isinstance(gold, (int, float)):
        return cell.number is not None and abs(float(cell.number) - float(gold)) < 1e-9 and cell.kind != "text"
    g = _WS.sub("", str(gold))
    return _WS.sub("", cell.text) == g


def score(report: Report, gold: dict, name: str) -> DocScore:
    s = DocScore(name)
    s.flagged = report.flagged
    s.year_ok = gold.get("year") is None or report.year == gold.get("year")
    gt = gold.get("template")
    if gt == "unknown":  # neither national template (a report of 2018 or before, GOLD.md)
        t = by_name(report.template)
        s.template_ok = t is None or not t.national
    else:
        s.template_ok = report.template == gt
    truth = gold.get("truth", {})
    for table, gtab in truth.items():
        parsed = report.tables.get(table)
        if gtab is None:
            # The document lacks this table: any figure reported for it is an invented one.
            if parsed:
                for cells in parsed.values():
                    for c in cells:
                        s.cells += 1
                        s.wrong.append(f"{table}.{c.row}[{c.col}] invented '{c.text}'")
            continue
        if isinstance(gtab, list):  # a table the gold lists as one block of cells (table 4)
            flat = [c for cells in (parsed or {}).values() for c in cells]
            items = [(table, i, g, flat[i] if i < len(flat) else None) for i, g in enumerate(gtab)]
        else:
            items = []
            for row, gvals in gtab.items():
                pcells = (parsed or {}).get(row) or []
                for i, g in enumerate(gvals):
                    items.append((f"{table}.{row}", i, g, pcells[i] if i < len(pcells) else None))
        for where, i, g, cell in items:
            s.cells += 1
            if _cell_ok(g, cell):
                s.correct += 1
            else:
                got = "nothing" if cell is None else repr(cell.text)
                s.wrong.append(f"{where}[{i}] gold {g!r} got {got}")
    return s


def summary_line(scores: list[DocScore]) -> str:
    cells = sum(s.cells for s in scores)
    correct = sum(s.correct for s in scores)
    pct = 100.0 * correct / cells if cells else 100.0
    exact = sum(1 for s in scores if s.exact)
    silent = sum(1 for s in scores if s.silent_error)
    flagged = sum(1 for s in scores if s.flagged)
    return (f"cells {correct}/{cells} ({pct:.2f}%) · reports exact {exact}/{len(scores)} · "
            f"silent errors {silent} · flagged {flagged}")
