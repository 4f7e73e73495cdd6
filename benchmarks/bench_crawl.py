"""Crawl benchmark: does parsing stall the downloader?

Measures, side by side in one run, with politeness switched off (no AutoThrottle, no delay):

  (a) a download-only crawl of the sample portal (fetch every page, keep the documents);
  (b) parsing the same documents offline, one after another (parsers.parse_document);
  (c) the full crawl: fetch, archive, parse (process pool) and store (SQLite).

Each runs in a fresh interpreter (same start-up costs for all three); wall times are measured
around the subprocess. Target: (c) <= 1.2 x max((a), (b)).

    .venv/bin/python benchmarks/bench_crawl.py [--repeat 3] [--json] [--nice -10]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARSE_OFFLINE = r"""
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
import parsers
t1 = time.perf_counter()
d = Path(sys.argv[1])
n = 0
for line in (d / "index.jsonl").read_text(encoding="utf-8").splitlines():
    m = json.loads(line)
    rep = parsers.parse_document((d / m["file"]).read_bytes(), m["content_type"], m["url"])
    n += 1
t2 = time.perf_counter()
print(json.dumps({"documents": n, "import_s": t1 - t0, "parse_s": t2 - t1}))
"""


CPU: dict[int, float] = {}


def _run(cmd: list[str], env: dict) -> tuple[float, str]:
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[id(cmd)] = CPU["last"] = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if p.returncode not in (0, 1) or "{" not in p.stdout:
        raise RuntimeError(f"{' '.join(cmd[:6])}… failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return wall, p.stdout


def _summary(stdout: str) -> dict:
    return json.loads(stdout[stdout.index("{"):])


def _span(log: list, start: int) -> float:
    """First to last request the portal saw since log index `start`: how long the downloader ran."""
    ts = [e["t"] for e in log[start:]]
    return max(ts) - min(ts) if ts else 0.0


def once(url: str, tmp: Path, i: int, log: list) -> dict:
    env = dict(os.environ, GOVREPORTS_ARCHIVE=str(tmp / f"archive{i}"))
    crawl = [sys.executable, "-m", "govreports_cli", "--db", f"sqlite:///{tmp / f'bench{i}.db'}", "crawl",
             "--registry", str(ROOT / "samples/portal/sites.json"), "--base-url", url, "--impolite",
             "--no-progress", "--json"]
    dump = tmp / f"dump{i}"
    n = len(log)
    a_wall, a_out = _run(crawl + ["--download-only", "--dump", str(dump)], env)
    a_cpu, a_span = CPU["last"], _span(log, n)
    b_wall, b_out = _run([sys.executable, "-c", PARSE_OFFLINE, str(dump)], env)
    b_cpu = CPU["last"]
    n = len(log)
    c_wall, c_out = _run(crawl, env)
    c_cpu, c_span = CPU["last"], _span(log, n)
    a, b, c = _summary(a_out), json.loads(b_out), _summary(c_out)
    return {"a_download_s": a_wall, "b_parse_s": b_wall, "c_full_s": c_wall,
            "a_documents": a["documents"], "b_documents": b["documents"], "c_reports": c["reports"],
            "b_parse_only_s": b["parse_s"], "b_import_s": b["import_s"],
            "a_inner_s": a["wall_s"], "c_inner_s": c["wall_s"], "requests": a["requests"],
            "c_parse_cpu_s": c.get("cpu_parse_s", 0.0),
            # CPU of every process of each run: crawler, browser (its children), parse workers
            "a_cpu_all_s": a["cpu_crawler_s"] + a["cpu_children_s"],
            "c_cpu_all_s": c["cpu_crawler_s"] + c["cpu_children_s"] + c.get("cpu_workers_s", 0.0),
            "a_download_span_s": a_span, "c_download_span_s": c_span, "a_cpu_s": a_cpu, "b_cpu_s": b_cpu,
            "c_cpu_s": c_cpu, "load1": os.getloadavg()[0]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=1, help="runs; the median of each figure is reported")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--nice", type=int, default=0, metavar="N",
                    help="renice the benchmark (and its crawls) by N, e.g. -10 on a busy shared machine (needs root)")
    args = ap.parse_args(argv)
    if args.nice:
        try:
            os.nice(args.nice)
        except OSError as exc:
            print(f"cannot renice: {exc}", file=sys.stderr)
    from samples.portal.server import PortalServer

    runs = []
    with PortalServer() as srv, tempfile.TemporaryDirectory(prefix="govreports-bench-") as tmp:
        for i in range(args.repeat):
            runs.append(once(srv.url, Path(tmp), i, srv.portal.log))
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    ratio = med["c_full_s"] / max(med["a_download_s"], med["b_parse_s"])
    med["ratio_c_over_max_ab"] = ratio
    med["target_met"] = ratio <= 1.2
    # the ratio of each run too: how far the noise of this machine carries it
    per_run = sorted(r["c_full_s"] / max(r["a_download_s"], r["b_parse_s"]) for r in runs)
    med["ratio_per_run"] = [round(x, 3) for x in per_run]
    if args.json:
        print(json.dumps(med, indent=1))
    else:
        print(f"sample portal: {med['requests']:.0f} requests, {med['a_documents']:.0f} documents, "
              f"{os.cpu_count()} cores, {args.repeat} run(s), median wall times")
        print(f"(a) download-only crawl   {med['a_download_s']:6.2f} s   (crawl itself {med['a_inner_s']:.2f} s; "
              f"CPU {med['a_cpu_s']:.2f} s)")
        print(f"(b) offline parsing       {med['b_parse_s']:6.2f} s   (parsing itself {med['b_parse_only_s']:.2f} s, "
              f"imports {med['b_import_s']:.2f} s; CPU {med['b_cpu_s']:.2f} s)")
        print(f"(c) full crawl            {med['c_full_s']:6.2f} s   (crawl itself {med['c_inner_s']:.2f} s, "
              f"{med['c_reports']:.0f} reports; CPU {med['c_cpu_s']:.2f} s + parsing in workers "
              f"{med['c_parse_cpu_s']:.2f} s)")
        print(f"downloader busy (first to last request): (a) {med['a_download_span_s']:.2f} s, "
              f"(c) {med['c_download_span_s']:.2f} s")
        cores = os.cpu_count() or 1
        print(f"CPU of all processes: (a) {med['a_cpu_all_s']:.2f} s, (c) {med['c_cpu_all_s']:.2f} s; on {cores} "
              f"cores (c) needs at least {med['c_cpu_all_s'] / cores:.2f} s of wall time for that alone")
        print(f"machine load (1 min) during the runs: {med['load1']:.1f} on {cores} cores")
        print(f"(c) / max((a), (b)) of each run: {per_run[0]:.2f}–{per_run[-1]:.2f}, "
              f"{sum(x <= 1.2 for x in per_run)} of {len(per_run)} within 1.20")
        print(f"(c) / max((a), (b)) = {ratio:.2f}  (target <= 1.20: {'PASS' if ratio <= 1.2 else 'FAIL'})")
    return 0 if ratio <= 1.2 else 1


if __name__ == "__main__":
    sys.exit(main())
