"""`govreports parse` and `govreports eval`: the parser from the command line."""
from __future__ import annotations

import json
import mimetypes
import sys
from pathlib import Path

from . import parse_document
from .evaluate import missing_documents, pairs, score, summary_line


def register(sub) -> None:
    p = sub.add_parser("parse", help="parse report files and print each as JSON",
                       description="Parse annual-report documents (HTML, text, PDF, DOCX) and print one JSON "
                       "record per file: metadata, the three tables cell by cell, findings and status.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files to parse")
    p.add_argument("--figures", action="store_true", help="print only the gold-shaped figures, not every cell")
    p.add_argument("--source", action="store_true",
                   help="print each cell with where it is printed instead of JSON: its text in the document's "
                   "text between ⟦ ⟧ with what surrounds it (text layouts, sentences), the page and box "
                   "(PDF), the table, row and cell (HTML, DOCX)")
    p.add_argument("--context", type=int, default=20, metavar="N",
                   help="characters shown either side of a cell with --source (default 20)")
    p.set_defaults(func=cmd_parse)
    e = sub.add_parser("eval", help="score the parser on a folder of document/gold pairs",
                       description="Parse every document in DIR that has a gold file beside it (NAME.json) "
                       "and score cells, exact reports and silent errors (see GOLD.md). The last line is "
                       "'cells A/B (P%) · reports exact X/Y · silent errors S · flagged F'.")
    e.add_argument("dir", metavar="DIR")
    e.add_argument("-v", "--verbose", action="store_true", help="list every wrong cell")
    e.set_defaults(func=cmd_eval)


def content_type_for(path: Path) -> str | None:
    ctype, _ = mimetypes.guess_type(path.name)
    return ctype


def cmd_parse(args) -> int:
    rc = 0
    for name in args.paths:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"govreports parse: cannot read {name}: {exc.strerror}", file=sys.stderr)
            rc = 1
            continue
        report = parse_document(data, content_type_for(path), path.resolve().as_uri(), keep_text=args.source,
                                **args.config.parse_options())
        if args.source:
            print_sources(name, report, args.context)
            continue
        out = {"path": name, **(report.to_dict() if not args.figures else
                                {"status": report.status, "reasons": report.reasons, "year": report.year,
                                 "template": report.template, "figures": report.figures()})}
        print(json.dumps(out, ensure_ascii=False, indent=1))
    return rc


def print_sources(name: str, report, context: int = 20) -> None:
    """One line per cell: its place, its printed text, and where it is printed."""
    print(f"{name}: {report.status} · layout {report.layout} · template {report.template}")
    for c in report.cells():
        print(f"  {c.table}.{c.row}[{c.col}] {c.col_key} = {c.text!r}  {where(c.source, report.source_text, context)}")


def where(source: dict, text: str | None, context: int = 20) -> str:
    """A cell's source as one line: offsets with the text around them, page and box, table cell."""
    parts = []
    if source.get("page") is not None:
        box = source.get("box")
        parts.append(f"page {source['page']}" + (" box (" + ", ".join(f"{v:g}" for v in box) + ")" if box else ""))
    if source.get("table_row") is not None:
        parts.append(f"table {source.get('table')} row {source['table_row']} cell {source['table_cell']}")
    start, end = source.get("start"), source.get("end")
    if start is not None and text is not None:
        before = text[max(0, start - context):start]
        after = text[end:end + context]
        shown = (before + "⟦" + text[start:end] + "⟧" + after).replace("\n", "⏎").replace("\t", "⇥")
        parts.append(f"chars {start}-{end} …{shown}…")
    if source.get("printed_run"):
        parts.append(f"cut from {source['printed_run']!r}")
    if not parts:
        parts.append(f"{source.get('layout')} grid row {source.get('grid_row')} col {source.get('grid_col')}")
    return " · ".join(parts)


def cmd_eval(args) -> int:
    folder = Path(args.dir)
    if not folder.is_dir():
        print(f"govreports eval: {folder} is not a folder", file=sys.stderr)
        return 2
    found = pairs(folder)
    missing = missing_documents(folder)
    for gold_path, doc in missing:
        print(f"govreports eval: {gold_path.name} names the document {doc}, which is not there: not scored",
              file=sys.stderr)
    if not found:
        print(f"govreports eval: no document/gold pairs (NAME.json beside NAME.txt/.html/.pdf/.docx) in {folder}",
              file=sys.stderr)
        return 2
    scores = []
    for doc, gold_path in found:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        report = parse_document(doc.read_bytes(), content_type_for(doc), doc.name, **args.config.parse_options())
        s = score(report, gold, doc.name)
        scores.append(s)
        name = doc.name if doc.parent == gold_path.parent else f"{gold_path.stem} = {doc}"  # kept elsewhere
        mark = "exact" if s.exact else ("SILENT" if s.silent_error else "flagged" if s.flagged else "wrong")
        print(f"{name}: {s.correct}/{s.cells} cells · year {report.year} · template {report.template} · "
              f"{report.status} · {mark}" + (f" · {'; '.join(report.reasons)[:160]}" if report.reasons else ""))
        limit = None if args.verbose else 5
        for w in s.wrong[:limit]:
            print(f"    {w}")
        if limit and len(s.wrong) > limit:
            print(f"    … {len(s.wrong) - limit} more (-v lists all)")
    print(summary_line(scores))
    return 1 if missing else 0
