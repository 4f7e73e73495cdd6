"""Fuzz parse_document and the ingest path with mutated real documents.

    .venv/bin/python tests/fuzz_parse.py --inputs 100000 --jobs 2 --seed 1 --out /tmp/fuzz

Seeds: the repository's sample reports and the shared corpus (HTML pages, text dumps, PDFs, DOCX
made from them). Each input is one seed put through one to three mutations (byte flips, cuts,
splices of two documents, damaged figures — stray marks, hedges, lost characters, re-encoding
debris, huge digit strings —, markup noise, deep nesting, re-encodings, wrong content types,
damaged DOCX members and PDF streams). Every input is checked for:
- an exception out of parse_document (it must never raise);
- a parse over its time bound (parsers.limits, plus slack for the cooperative checks) or a worker
  whose resident memory grew past --max-rss-mb;
- a figure (number, zero, annotated) whose number is not a figure printed in its cell, or whose
  cell text is not in the document (HTML and text inputs);
- `ok` over a report with an unreadable or text cell where a figure belongs;
- every --ingest-every'th input: stored through storage's ingest path into SQLite without error.
Inputs that fail are written to --out with what failed. Deterministic for a --seed.
"""
from __future__ import annotations

import argparse
import hashlib
import html
import io
import json
import os
import random
import re
import sys
import time
import traceback
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("GOVREPORTS_SHARED") or (ROOT.parent / "shared")).resolve()

TYPES = {".html": "text/html", ".htm": "text/html", ".txt": "text/plain", ".pdf": "application/pdf",
         ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
DAMAGE = ["?", "？", "2*", "约2", "N/A", "\u00a0", "—", "〇", "1,", ".", "-", "Ⅱ", "",
          "9" * 25, "9" * 5000, "1.5万", "(含2件)", "\ufffd", "Ã©", "锟斤拷", "1e308", "0x1F"]
MARKUP = ["<div>", "</div>", "<table>", "</table>", "<tr>", "</td>", "<td colspan=99999>", "<!--",
          "<script>", "<![CDATA[", "<td rowspan=0>", "&#0;", "&#x110000;", "&nbsp;", "<br>", "<p>" * 50,
          "<div>" * 400, "<table><tr><td>" * 30]
ENCODINGS = ["utf-8", "gb18030", "utf-16-le", "utf-16-be", "big5", "utf-8-sig", "latin-1"]
CONTENT_TYPES = [None, "text/html", "text/plain", "application/pdf", "text/html; charset=gbk",
                 "text/html; charset=utf-8", "application/octet-stream", "image/gif"]


def load_seeds() -> list[tuple[str, bytes, str | None]]:
    dirs = [ROOT / "samples" / "reports", SHARED / "corpus", SHARED / "corpus-office", SHARED / "seeds"]
    seeds, seen = [], set()
    for d in dirs:
        if not d.is_dir():
            continue
        for p in sorted(d.iterdir()):
            if p.suffix.lower() in TYPES and p.is_file():
                data = p.read_bytes()
                digest = hashlib.sha1(data).digest()
                if digest not in seen:
                    seen.add(digest)
                    seeds.append((p.name, data, TYPES[p.suffix.lower()]))
    seeds += [(f"{n}.docx", _docx_of(d), TYPES[".docx"]) for n, d, t in seeds[:6] if t == "text/plain"]
    return seeds


def _docx_of(text_bytes: bytes) -> bytes:
    """A DOCX of a text seed (tab-separated lines become table rows), made with python-docx."""
    import docx

    doc = docx.Document()
    rows = []
    for line in text_bytes.decode("utf-8", "replace").splitlines():
        if "\t" in line:
            rows.append(line.split("\t"))
        else:
            if rows:
                _table(doc, rows)
                rows = []
            doc.add_paragraph(line)
    if rows:
        _table(doc, rows)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _table(doc, rows):
    width = max(len(r) for r in rows)
    t = doc.add_table(rows=len(rows), cols=width)
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            t.cell(i, j).text = v


# ------------------------------------------------------------------ mutations

def _text_of(data: bytes) -> tuple[str, str]:
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            pass
    return data.decode("utf-8", "replace"), "utf-8"


def m_flip(rng, data, _):
    b = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        if b:
            b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b), "flip"


def m_cut(rng, data, _):
    if len(data) < 2:
        return data, "cut"
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.choice([1, 10, 100, 1000, 10000]))
    return data[:i] + data[j:], "cut"


def m_truncate(rng, data, _):
    return data[: rng.randrange(len(data) + 1)], "truncate"


def m_duplicate(rng, data, _):
    if not data:
        return data, "duplicate"
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.choice([10, 100, 1000, 5000]))
    return data[:j] + data[i:j] * rng.randint(1, 5) + data[j:], "duplicate"


def m_splice(rng, data, seeds):
    other = rng.choice(seeds)[1]
    return data[: rng.randrange(len(data) + 1)] + other[rng.randrange(len(other) + 1):], "splice"


def m_damage_figure(rng, data, _):
    text, enc = _text_of(data)
    digits = [m.start() for m in re.finditer(r"\d+", text)]
    if not digits:
        return data, "damage(no digit)"
    out = text
    marks = []
    for _ in range(rng.randint(1, 3)):
        i = rng.choice(digits)
        if i >= len(out):
            continue
        mark = rng.choice(DAMAGE)
        how = rng.choice(["replace", "before", "after"])
        m = re.match(r"\d+", out[i:])
        if not m:
            continue
        end = i + m.end()
        if how == "replace":
            out = out[:i] + mark + out[end:]
        elif how == "before":
            out = out[:i] + mark + out[i:]
        else:
            out = out[:end] + mark + out[end:]
        marks.append(f"{how}:{mark[:8]!r}")
    return out.encode(enc, "replace"), "damage(" + ",".join(marks) + ")"


def m_change_figure(rng, data, _):
    text, enc = _text_of(data)
    spans = [m.span() for m in re.finditer(r"\d+", text)]
    if not spans:
        return data, "change(no digit)"
    i, j = rng.choice(spans)
    return (text[:i] + str(rng.randrange(10 ** rng.randint(1, 4))) + text[j:]).encode(enc, "replace"), "change"


def m_lose_chars(rng, data, _):
    text, enc = _text_of(data)
    if not text:
        return data, "lose"
    chars = list(text)
    for _ in range(rng.randint(1, 20)):
        if chars:
            del chars[rng.randrange(len(chars))]
    return "".join(chars).encode(enc, "replace"), "lose"


def m_markup(rng, data, _):
    text, enc = _text_of(data)
    i = rng.randrange(len(text) + 1)
    tag = rng.choice(MARKUP)
    return (text[:i] + tag + text[i:]).encode(enc, "replace"), f"markup({tag[:16]})"


def m_reencode(rng, data, _):
    text, _enc = _text_of(data)
    enc = rng.choice(ENCODINGS)
    out = text.encode(enc, "replace")
    if rng.random() < 0.3:  # re-encoding debris: what a wrong round trip leaves
        out = text.encode("utf-8").decode("latin-1").encode("utf-8")
        enc = "mojibake"
    elif rng.random() < 0.3:
        out = text.replace("\u00a0", "?").replace("\u3000", "?").encode("utf-8")
        enc = "nbsp->?"
    return out, f"reencode({enc})"


def m_deep(rng, data, _):
    text, enc = _text_of(data)
    m = re.search(r"<body[^>]*>", text, re.I)
    i = m.end() if m else 0
    depth = rng.choice([250, 300, 1000, 5000])
    tag = rng.choice(["div", "span", "font", "table"])
    return (text[:i] + f"<{tag}>" * depth + text[i:]).encode(enc, "replace"), f"deep({tag}x{depth})"


def m_zip_member(rng, data, seeds):
    try:
        src = zipfile.ZipFile(io.BytesIO(data))
        names = src.namelist()
        bodies = {n: src.read(n) for n in names}
    except Exception:  # noqa: BLE001 - an archive damaged by an earlier mutation
        return m_flip(rng, data, seeds)
    buf = io.BytesIO()
    victim = "word/document.xml" if "word/document.xml" in names and rng.random() < 0.8 else rng.choice(names)
    how = "?"
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for n in names:
            body = bodies[n]
            if n == victim:
                body, how = rng.choice([m_damage_figure, m_flip, m_cut, m_truncate, m_markup])(rng, body, seeds)
            out.writestr(n, body)
    return buf.getvalue(), f"zip({victim}:{how})"


def m_pdf_stream(rng, data, seeds):
    starts = [m.end() for m in re.finditer(rb"stream\r?\n", data)]
    if not starts:
        return m_flip(rng, data, seeds)
    i = rng.choice(starts)
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        k = i + rng.randrange(200)
        if k < len(b):
            b[k] = rng.randrange(256)
    return bytes(b), "pdf-stream"


TEXT_MUTATORS = [m_flip, m_cut, m_truncate, m_duplicate, m_splice, m_damage_figure, m_damage_figure,
                 m_damage_figure, m_change_figure, m_lose_chars, m_markup, m_reencode, m_deep]
BINARY_MUTATORS = [m_flip, m_cut, m_truncate, m_duplicate, m_splice]


def _weight(seed) -> float:
    # PDFs cost ~20 times a text document to parse: drawn less often, still a few in a hundred
    return 0.1 if seed[1][:4] == b"%PDF" else 1.0


def make_input(rng: random.Random, seeds) -> tuple[bytes, str | None, str]:
    name, data, ctype = rng.choices(seeds, weights=[_weight(s) for s in seeds])[0]
    steps = [name]
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        if data[:4] == b"PK\x03\x04":
            mut = rng.choice([m_zip_member] * 4 + BINARY_MUTATORS)
        elif data[:4] == b"%PDF":
            mut = rng.choice([m_pdf_stream] * 3 + BINARY_MUTATORS)
        else:
            mut = rng.choice(TEXT_MUTATORS)
        data, what = mut(rng, data, seeds)
        steps.append(what)
    if rng.random() < 0.15:
        ctype = rng.choice(CONTENT_TYPES)
        steps.append(f"type={ctype}")
    return data, ctype, " > ".join(steps)


# ------------------------------------------------------------------ checks

_NUMBER = re.compile(r"[-−]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)")


def _squash(text: str) -> str:
    from parsers.normalize import normalise

    return re.sub(r"\s+", "", normalise(text))


def document_text(data: bytes, ctype: str | None, layout: str | None = "html") -> str | None:
    """The document's characters for the containment check (an HTML reading: tags dropped, entities
    read; a text reading: every character, markup included, or those between the tags); None for
    PDF/DOCX."""
    from parsers.decoding import decode

    if data[:4] in (b"%PDF", b"PK\x03\x04") or (ctype or "").endswith(("pdf", "document")) or \
            layout in ("pdf", "docx"):
        return None
    try:
        text, _ = decode(data, ctype)
    except Exception:  # noqa: BLE001 - undecodable: nothing to compare with
        return None
    dropped = html.unescape(re.sub(r"<[^>]*>", " ", text))
    if layout is None or layout.startswith("html"):
        return _squash(dropped)
    # A text reading of markup (HTML read as text after its tables failed, or served as text/plain)
    # prints either the markup or the text between the tags: the check accepts both.
    return _squash(text) + "\x00" + _squash(dropped)


def problems_of(report, data: bytes, ctype: str | None, doc_text: str | None) -> list[str]:
    from parsers.record import FIGURE_KINDS, OK, STATUSES

    out = []
    if report.status not in STATUSES:
        out.append(f"unknown status {report.status!r}")
    damaged = False
    for cell in report.cells() if hasattr(report, "cells") else _cells(report):
        if cell.kind not in FIGURE_KINDS:
            if cell.number is not None:
                out.append(f"{cell.table}.{cell.row}[{cell.col}] kind {cell.kind} carries number {cell.number}")
            if cell.kind in ("unreadable", "text"):
                damaged = True
            continue
        if cell.number is None:
            out.append(f"{cell.table}.{cell.row}[{cell.col}] figure kind {cell.kind} without a number")
            continue
        if cell.kind == "zero" and cell.source.get("stated_in_words") and report.status != OK \
                and _squash(cell.text) in (doc_text or _squash(cell.text)):
            continue  # "无行政复议…发生": a zero the sentence states in words, flagged as such
        printed = [float(m.group().replace(",", "").replace("−", "-")) for m in _NUMBER.finditer(_squash(cell.text))]
        if not any(abs(p - float(cell.number)) <= 1e-9 * max(1.0, abs(p)) for p in printed):
            out.append(f"{cell.table}.{cell.row}[{cell.col}] number {cell.number} not printed in {cell.text!r}")
        if doc_text is not None and _squash(cell.text) not in doc_text:
            out.append(f"{cell.table}.{cell.row}[{cell.col}] text {cell.text!r} not in the document")
    if report.status == OK and damaged:
        out.append("ok over a report with an unreadable or text cell")
    return out


def _cells(report):
    for rows in (report.tables or {}).values():
        for cells in (rows or {}).values():
            yield from cells


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return 0.0


# ------------------------------------------------------------------ a worker's share

def run_chunk(seed: int, chunk: int, size: int, ingest_every: int, max_rss_mb: float, out_dir: str | None,
              time_slack: float) -> dict:
    import logging

    from parsers import parse_document
    from parsers.limits import DEFAULT

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # damaged streams are the point: no log noise
    seeds = load_seeds()
    rng = random.Random(f"{seed}:{chunk}")
    stats = {"inputs": 0, "statuses": {}, "failures": [], "max_seconds": 0.0, "max_rss_mb": 0.0,
             "ingested": 0, "mutations": {}}
    store = _Store(out_dir, chunk) if ingest_every else None
    for k in range(size):
        data, ctype, how = make_input(rng, seeds)
        ident = f"{seed}-{chunk}-{k}"
        t0 = time.monotonic()
        problems = []
        try:
            report = parse_document(data, ctype, f"https://fuzz.example/{ident}")
        except BaseException as exc:  # noqa: BLE001 - the point is to catch everything
            report = None
            problems.append(f"parse_document raised {type(exc).__name__}: {exc}\n{traceback.format_exc()[-1500:]}")
        secs = time.monotonic() - t0
        stats["inputs"] += 1
        stats["max_seconds"] = max(stats["max_seconds"], secs)
        rss = _rss_mb()
        stats["max_rss_mb"] = max(stats["max_rss_mb"], rss)
        kind = how.split(" > ")[1].split("(")[0] if " > " in how else "none"
        stats["mutations"][kind] = stats["mutations"].get(kind, 0) + 1
        if secs > DEFAULT.seconds + time_slack:
            problems.append(f"took {secs:.1f} s, over the {DEFAULT.seconds:g} s bound")
        if rss > max_rss_mb:
            problems.append(f"worker resident memory {rss:.0f} MB, over {max_rss_mb:g} MB")
        if report is not None:
            stats["statuses"][report.status] = stats["statuses"].get(report.status, 0) + 1
            try:
                problems += problems_of(report, data, ctype, document_text(data, ctype, report.layout))
            except Exception as exc:  # noqa: BLE001
                problems.append(f"record could not be checked: {type(exc).__name__}: {exc}")
            if store is not None and k % ingest_every == 0:
                try:
                    store.put(data, ctype, ident, report)
                    stats["ingested"] += 1
                except Exception as exc:  # noqa: BLE001
                    problems.append(f"ingest raised {type(exc).__name__}: {exc}")
        if problems:
            failure = {"id": ident, "how": how, "content_type": ctype, "status": getattr(report, "status", None),
                       "seconds": round(secs, 1), "problems": problems[:5]}
            stats["failures"].append(failure)
            if out_dir:  # written as found: a run stopped early keeps them
                Path(out_dir, f"fail-{ident}.bin").write_bytes(data)
                Path(out_dir, f"fail-{ident}.json").write_text(json.dumps(failure, ensure_ascii=False, indent=1),
                                                             encoding="utf-8")
    if store is not None:
        store.close()
    return stats


def _chunk(args) -> dict:
    return run_chunk(*args)


class _Store:
    """The ingest path into a SQLite database of this chunk (removed afterwards)."""

    def __init__(self, out_dir: str | None, chunk: int):
        import tempfile

        from storage import migrate
        from storage.db import make_engine

        self.tmp = tempfile.TemporaryDirectory(dir=out_dir)
        self.url = f"sqlite:///{self.tmp.name}/fuzz.db"
        migrate.upgrade(self.url)
        self.engine = make_engine(self.url)

    def put(self, data, ctype, ident, report):
        from storage.store import RawDocument, store

        store(self.engine, RawDocument(data, f"https://fuzz.example/{ident}", ctype), report)

    def close(self):
        self.engine.dispose()
        self.tmp.cleanup()


def run(inputs: int, jobs: int, seed: int, ingest_every: int = 50, max_rss_mb: float = 1024,
        out_dir: str | None = None, chunk_size: int = 250, time_slack: float = 15.0, progress=None) -> dict:
    chunks = [(i, min(chunk_size, inputs - i * chunk_size)) for i in range((inputs + chunk_size - 1) // chunk_size)]
    total = {"inputs": 0, "statuses": {}, "failures": [], "max_seconds": 0.0, "max_rss_mb": 0.0, "ingested": 0,
             "mutations": {}, "seeds": len(load_seeds()), "seed": seed}
    t0 = time.monotonic()

    def merge(s):
        total["inputs"] += s["inputs"]
        total["ingested"] += s["ingested"]
        total["failures"] += s["failures"]
        total["max_seconds"] = max(total["max_seconds"], s["max_seconds"])
        total["max_rss_mb"] = max(total["max_rss_mb"], s["max_rss_mb"])
        for key in ("statuses", "mutations"):
            for k, v in s[key].items():
                total[key][k] = total[key].get(k, 0) + v
        if progress:
            progress(total, time.monotonic() - t0)

    if jobs <= 1:
        for c, n in chunks:
            merge(run_chunk(seed, c, n, ingest_every, max_rss_mb, out_dir, time_slack))
    else:
        # a fresh process per chunk: memory is measured per chunk and a leak cannot hide
        # (multiprocessing's Pool: concurrent.futures with max_tasks_per_child stopped handing results
        # back after a few thousand inputs on Python 3.11)
        import multiprocessing

        args = [(seed, c, n, ingest_every, max_rss_mb, out_dir, time_slack) for c, n in chunks]
        with multiprocessing.get_context("spawn").Pool(jobs, maxtasksperchild=1) as pool:
            for s in pool.imap_unordered(_chunk, args):
                merge(s)
    total["seconds"] = round(time.monotonic() - t0, 1)
    return total


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=2000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ingest-every", type=int, default=50, help="store every Nth input (0: none)")
    ap.add_argument("--max-rss-mb", type=float, default=1024)
    ap.add_argument("--out", help="folder for failing inputs and the summary (summary.json)")
    args = ap.parse_args(argv)
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)

    last = [0.0]

    def progress(total, secs):
        print(f"\r{total['inputs']}/{args.inputs} inputs, {len(total['failures'])} failing, {secs:.0f} s",
              end="", file=sys.stderr, flush=True)
        if args.out and secs - last[0] > 60:  # a run stopped early still leaves its figures
            last[0] = secs
            Path(args.out, "progress.json").write_text(json.dumps(
                {**{k: v for k, v in total.items() if k != "failures"}, "failing": len(total["failures"]),
                 "seconds": round(secs)}, ensure_ascii=False, indent=1), encoding="utf-8")

    result = run(args.inputs, args.jobs, args.seed, args.ingest_every, args.max_rss_mb, args.out,
                 progress=progress)
    print(file=sys.stderr)
    summary = {k: v for k, v in result.items() if k != "failures"}
    summary["failing"] = len(result["failures"])
    summary["failures_sample"] = result["failures"][:50]
    text = json.dumps(summary, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        Path(args.out, "summary.json").write_text(text, encoding="utf-8")
        Path(args.out, "failures.json").write_text(json.dumps(result["failures"], ensure_ascii=False, indent=1),
                                                    encoding="utf-8")
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
