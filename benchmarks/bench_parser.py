"""Parser speed benchmark (not a test).

    .venv/bin/python benchmarks/bench_parser.py [--seconds 5] [--shared ../shared]

On one core it measures
  1. text reports per second: the seeds (samples/reports/*.txt) and the corpus .txt files,
     parsed round-robin for at least --seconds;
  2. HTML reports per second: the corpus .html pages;
  3. the cost of a full HTML parse relative to `trafilatura.extract` alone on the same decoded
     pages, measured side by side, interleaved (parse, extract, parse, extract…) in one run so
     that machine noise hits both equally.
Targets: >= 300 text reports/s; full HTML parse <= 1.3 x trafilatura.extract.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from parsers import parse_document  # noqa: E402
from parsers.decoding import decode  # noqa: E402
from parsers.normalize import normalise  # noqa: E402

TEXT_TARGET = 300.0
RATIO_TARGET = 1.3


def pin_one_core() -> str:
    try:
        cpu = sorted(os.sched_getaffinity(0))[-1]
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned (sched_setaffinity unavailable)"


# Rates use the process's CPU time: other jobs on a shared machine steal wall-clock time, not
# CPU time.  Wall-clock figures are printed beside them.
clock = time.process_time


def run_for(docs, seconds: float, fn) -> tuple[int, float, float]:
    """Call fn on docs round-robin for at least `seconds` of CPU (whole rounds): (count, cpu s, wall s)."""
    n = 0
    t0, w0 = clock(), time.perf_counter()
    while True:
        for d in docs:
            fn(d)
            n += 1
        elapsed = clock() - t0
        if elapsed >= seconds:
            return n, elapsed, time.perf_counter() - w0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=5.0, help="minimum seconds per measurement (default 5)")
    ap.add_argument("--shared", type=Path, default=Path(os.environ.get("GOVREPORTS_SHARED", REPO.parent / "shared")))
    args = ap.parse_args()
    pin = pin_one_core()

    seeds = sorted((REPO / "samples" / "reports").glob("*.txt"))
    corpus = args.shared / "corpus"
    corpus_txt = sorted(corpus.glob("*.txt")) if corpus.is_dir() else []
    corpus_html = sorted(corpus.glob("*.html")) if corpus.is_dir() else []
    text_docs = [(p.name, p.read_bytes(), "text/plain") for p in seeds + corpus_txt]
    html_docs = [(p.name, p.read_bytes(), "text/html") for p in corpus_html]
    print(f"govreports parser benchmark · Python {sys.version.split()[0]} · {pin}")
    print(f"documents: {len(seeds)} seeds + {len(corpus_txt)} corpus .txt ({sum(len(d[1]) for d in text_docs) / 1e3:.0f} kB), "
          f"{len(html_docs)} corpus .html ({sum(len(d[1]) for d in html_docs) / 1e6:.2f} MB)"
          + ("" if corpus.is_dir() else f"  [no corpus at {corpus}]"))

    def parse(doc):
        parse_document(doc[1], doc[2], doc[0])

    # Warm-up: imports, OpenCC dictionaries, lxml, trafilatura's first call.
    for d in text_docs + html_docs:
        parse(d)
    gc.collect()

    rows = []
    n, el, wall = run_for(text_docs, args.seconds, parse)
    text_rate = n / el
    rows.append(("text reports/s", f"{text_rate:,.0f}", f"{n} parses in {el:.1f} s CPU ({n / wall:,.0f}/s wall-clock)",
                 f">= {TEXT_TARGET:.0f}",
                 text_rate >= TEXT_TARGET))

    html_rate = ratio = None
    if html_docs:
        n, el, wall = run_for(html_docs, args.seconds, parse)
        html_rate = n / el
        rows.append(("HTML reports/s", f"{html_rate:,.1f}", f"{n} parses in {el:.1f} s CPU ({n / wall:,.1f}/s wall-clock)",
                     "(no target)", None))

        import trafilatura
        from lxml import html as lxml_html

        # trafilatura alone on the same decoded, normalised pages (what the parser hands it).
        decoded = [normalise(decode(d[1], d[2])[0]) for d in html_docs]

        def extract(i):
            # "trafilatura.extract alone": the library's own call on the decoded page.
            trafilatura.extract(decoded[i])

        def extract_lean(i):
            # A stricter baseline for information: the options the parser uses, on a parsed tree.
            trafilatura.extract(lxml_html.document_fromstring(decoded[i]), include_tables=False,
                                include_comments=False, include_images=False, include_links=False,
                                favor_recall=True, deduplicate=False)

        t_parse = t_extract = t_lean = 0.0
        rounds = 0
        t_start = clock()
        while clock() - t_start < 2 * args.seconds or rounds < 3:
            for i, d in enumerate(html_docs):
                t0 = clock()
                parse(d)
                t1 = clock()
                extract(i)
                t2 = clock()
                extract_lean(i)
                t3 = clock()
                t_parse += t1 - t0
                t_extract += t2 - t1
                t_lean += t3 - t2
            rounds += 1
        ratio = t_parse / t_extract
        per = rounds * len(html_docs)
        rows.append(("full parse / trafilatura.extract", f"{ratio:.2f}",
                     f"{1e3 * t_parse / per:.1f} ms vs {1e3 * t_extract / per:.1f} ms CPU per page, {rounds} interleaved rounds",
                     f"<= {RATIO_TARGET}", ratio <= RATIO_TARGET))
        rows.append(("full parse / lean extract (info)", f"{t_parse / t_lean:.2f}",
                     f"vs {1e3 * t_lean / per:.1f} ms: trafilatura on a parsed tree, tables and links off",
                     "(no target)", None))
    else:
        rows.append(("HTML reports/s", "-", "no corpus .html pages", "(no target)", None))
        rows.append(("full parse / trafilatura.extract", "-", "no corpus .html pages", f"<= {RATIO_TARGET}", None))

    w = [max(len(str(r[i])) for r in rows + [("measure", "value", "detail", "target")]) for i in range(4)]
    header = ("measure", "value", "detail", "target", "result")
    print()
    print(f"{header[0]:<{w[0]}}  {header[1]:>{w[1]}}  {header[3]:<{w[3]}}  {header[4]:<6}  {header[2]}")
    print("-" * (sum(w) + 18))
    failed = False
    for name, value, detail, target, ok in rows:
        verdict = "PASS" if ok else ("-" if ok is None else "FAIL")
        failed |= ok is False
        print(f"{name:<{w[0]}}  {value:>{w[1]}}  {target:<{w[3]}}  {verdict:<6}  {detail}")
    print()
    print("targets: text >= 300 reports/s on one core; full HTML parse <= 1.3 x trafilatura.extract alone")
    print("overall:", "FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
