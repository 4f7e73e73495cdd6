"""Scale benchmark: the crawl and parse stages on a generated portal of hundreds of sites.

The portal (samples/scale.py) runs in a process of its own on loopback: every host an address of
its own, a token-bucket rate limit per host (--rate requests a second, burst 3, 429 + Retry-After
beyond it), HTML detail pages of 35-60 KB and real report PDFs of 240-290 KB as attachments.

Side by side in one run:

  crawl   for each --sites size: `govreports crawl --no-parse` (politeness on: the crawler's own
          settings, one request a second per host) into a fresh SQLite database. Wall time against
          the politeness floor (the busiest host's requests / --rate; target <= 1.1 x), documents a
          second, requests the server refused (429), documents fetched twice (counted at the server),
          peak memory (VmHWM) of every process by role, and per-page costs (CPU, bytes). With
          --full SITES also `govreports crawl` with every stage in one command (parse workers
          parsing and storing as documents arrive) at those sizes.
  parse   `govreports parse-worker --workers 1` and `--workers 2`, each on its own copy of the
          largest crawl's database, parsing the same first --parse-docs documents: documents a
          second, CPU a document, peak memory, database bytes a parsed document.

    .venv/bin/python benchmarks/bench_scale.py                       # 100 and 500 sites, ~20 min
    .venv/bin/python benchmarks/bench_scale.py --sites 50 --parse-docs 100   # a quick look

Exits 1 when a target fails: wall > 1.1 x floor, a document missing or fetched twice, or the
crawler's peak memory at the largest size above 1.5 x its peak at the smallest.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.pool import default_workers  # noqa: E402
from samples.scale import ScalePortal, Spec  # noqa: E402

GOVREPORTS = [sys.executable, "-m", "govreports_cli"]


# ---------------------------------------------------------------- peak memory of a process tree

def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(d))
    return kids


def _hwm_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of `pid` so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, ValueError, IndexError):
        return None


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class PeakMemory:
    """Samples VmHWM (the kernel's own peak resident size) and CPU time of a process and its
    descendants every `every` seconds; a process's last sample before it ends is its figure, give
    or take its last interval. (Rusage of children misses the pool's workers: they are the
    forkserver's children, and it is not waited for.)"""

    def __init__(self, root: int, every: float = 0.5) -> None:
        self.root, self.every = root, every
        self.peak: dict[int, int] = {}
        self.cpu: dict[int, float] = {}
        self.parent: dict[int, int] = {}
        self.cmd: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.every):
                return

    def sample(self) -> None:
        kids = _children()
        todo = [self.root]
        while todo:
            pid = todo.pop()
            hwm, cpu = _hwm_kb(pid), _cpu_s(pid)
            if cpu is not None:
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu)
            if hwm is not None:
                self.peak[pid] = max(self.peak.get(pid, 0), hwm)
                if pid not in self.cmd:
                    self.cmd[pid] = _cmdline(pid)
            for k in kids.get(pid, []):
                self.parent.setdefault(k, pid)
                todo.append(k)

    def role(self, pid: int) -> str:
        """main (the command), forkserver, worker, tracker or other."""
        servers = {p for p, c in self.cmd.items() if "forkserver" in c and self.parent.get(p) == self.root}
        cmd = self.cmd.get(pid, "")
        if pid == self.root:
            return "main"
        if pid in servers:
            return "forkserver"
        if self.parent.get(pid) in servers or "spawn_main" in cmd:
            return "worker"
        return "tracker" if "resource_tracker" in cmd else "other"

    def cpu_by_role(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for pid, secs in self.cpu.items():
            out[self.role(pid)] = out.get(self.role(pid), 0.0) + secs
        return out

    def by_role(self) -> dict[str, list[float]]:
        """MB peaks by role."""
        roles: dict[str, list[float]] = {}
        for pid, kb in self.peak.items():
            roles.setdefault(self.role(pid), []).append(round(kb / 1024, 1))
        return {k: sorted(v, reverse=True) for k, v in roles.items()}


# ---------------------------------------------------------------- runs

def _timed(cmd: list[str], env: dict, cwd: Path, log: Path) -> dict:
    """Run `cmd`, sampling its processes' memory; wall, CPU of it and its children, stdout."""
    t0 = time.perf_counter()
    with open(log, "w") as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        with PeakMemory(proc.pid) as mem:
            out, _ = proc.communicate()
    wall = time.perf_counter() - t0
    cpu = mem.cpu_by_role()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd[2:6])}... exited {proc.returncode}; see {log}")
    return {"wall_s": wall, "cpu_s": sum(cpu.values()), "cpu": cpu, "stdout": out, "rc": proc.returncode, "memory": mem.by_role()}


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def _db_bytes(db: Path) -> int:
    """Bytes the database's pages in use take (the WAL included; free pages not counted)."""
    with sqlite3.connect(db) as c:
        size, pages, free = (c.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_size", "page_count", "freelist_count"))
    return size * (pages - free)


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def crawler_rate() -> float:
    """Requests a second per host the crawler's settings allow (1 / DOWNLOAD_DELAY)."""
    from crawler import settings

    return 1.0 / settings.DOWNLOAD_DELAY if settings.DOWNLOAD_DELAY else float("inf")


def crawl_stage(sites: int, per_site: int, rate: float, pdf_share: float, work: Path, env: dict,
                full: bool = False, nice: int | None = None) -> dict:
    """One crawl of a fresh portal of `sites` sites: the crawl stage alone (--no-parse), or with
    `full` every stage in one command (parse workers parsing and storing as documents arrive)."""
    d = work / f"{'full' if full else 'sites'}-{sites}{'' if nice is None else f'-nice{nice}'}"
    d.mkdir(parents=True)
    spec = Spec(sites=sites, documents=sites * per_site, rate=rate, pdf_share=pdf_share)
    portal = ScalePortal(spec, d)
    with portal:
        reg = portal.registry_file()
        db = d / "crawl.db"
        cmd = GOVREPORTS + ["--db", f"sqlite:///{db}", "crawl", "--registry", str(reg), "--json", "--no-resume",
                            "--log-level", "ERROR"] + ([] if full else ["--no-parse"])
        load0 = _loadavg()
        with PeakMemory(portal.proc.pid) as portal_mem:
            run = _timed(cmd, env, ROOT, d / "crawl.log")
        stats = portal.stats()
        needed = portal.requests_needed()
    summary = json.loads(run["stdout"][run["stdout"].index("{"):])
    busiest = max(stats["per_host"].values())
    floor = busiest / min(rate, crawler_rate())  # the slower of what the host allows and the crawler asks
    with sqlite3.connect(db) as c:
        recorded = c.execute("SELECT count(*) FROM documents").fetchone()[0]
        parsed = c.execute("SELECT count(*) FROM documents WHERE parser_version IS NOT NULL").fetchone()[0]
    archive = d / "archive"
    return {
        "mode": ("full" if full else "record") + ("" if nice is None else f" nice {nice}"), "parsed": parsed, "sites": sites, "hosts": spec.host_count(), "documents": spec.documents,
        "pdfs": sum(1 for s in portal.sites for doc in s.docs if doc.pdf),
        "list_pages": sum(max(1, -(-len(s.docs) // 20)) for s in portal.sites),
        "requests": stats["requests"], "requests_needed": sum(needed.values()),
        "rate_limited": stats["rate_limited"], "fetched_twice": len(stats["fetched_twice"]),
        "busiest_host_requests": busiest, "floor_s": floor, "wall_s": run["wall_s"],
        "ratio": run["wall_s"] / floor, "recorded": recorded, "exit": run["rc"],
        "docs_per_s": recorded / run["wall_s"], "cpu_s": run["cpu_s"],
        "cpu_crawler_s": run["cpu"].get("main", 0.0), "cpu_workers_s": run["cpu"].get("worker", 0.0),
        "cpu_portal_s": portal_mem.cpu_by_role().get("main", 0.0),
        "memory": run["memory"], "portal_mb": max(portal_mem.by_role().get("main", [0])),
        "archive_bytes": _du(archive), "db_bytes": _db_bytes(db), "db": str(db), "archive": str(archive),
        "load": f"{load0} -> {_loadavg()}",
    }


def parse_stage(crawl: dict, workers: int, docs: int, work: Path, env: dict) -> dict:
    d = work / f"parse-{workers}"
    d.mkdir()
    db = d / "parse.db"
    with sqlite3.connect(crawl["db"]) as src, sqlite3.connect(db) as dst:  # what is in the WAL too
        src.backup(dst)
    before = _db_bytes(db)
    cmd = GOVREPORTS + ["--db", f"sqlite:///{db}", "parse-worker", "--workers", str(workers), "--limit", str(docs)]
    load0 = _loadavg()
    run = _timed(cmd, dict(env, GOVREPORTS_ARCHIVE=crawl["archive"]), ROOT, d / "parse.log")
    with sqlite3.connect(db) as c:
        reports = c.execute("SELECT count(*) FROM report_versions").fetchone()[0]
        cells = c.execute("SELECT count(*) FROM figures").fetchone()[0]
    line = run["stdout"].strip().splitlines()[-1] if run["stdout"].strip() else ""
    parsed = int(line.split()[1]) if line.startswith("parsed ") else 0
    return {"workers": workers, "parsed": parsed, "line": line, "wall_s": run["wall_s"],
            "docs_per_s": parsed / run["wall_s"] if run["wall_s"] else 0.0,
            "cpu_per_doc_s": run["cpu"].get("worker", 0.0) / parsed if parsed else 0.0, "cpu": run["cpu"], "memory": run["memory"],
            "reports": reports, "cells": cells, "db_growth_bytes": _db_bytes(db) - before,
            "load": f"{load0} -> {_loadavg()}"}


# ---------------------------------------------------------------- report

def _mb(memory: dict, role: str) -> str:
    v = memory.get(role) or []
    return "-" if not v else "/".join(f"{x:.0f}" for x in v[:3])


def print_report(crawls: list[dict], parses: list[dict], rate: float) -> list[str]:
    fails = []
    print(f"\ncrawl stage (govreports crawl --no-parse, politeness on: the crawler asks {crawler_rate():g} request/s "
          f"per host, the portal allows {rate:g}, burst 3; floor = busiest host's requests / the slower)")
    cols = ("mode", "sites", "hosts", "documents", "pdfs", "list_pages", "requests", "busiest", "floor_s", "wall_s",
            "wall/floor", "docs/s", "429s", "twice", "recorded", "parsed", "crawler_MB", "workers_MB", "forkserver_MB", "portal_MB")
    rows = [[c["mode"], c["sites"], c["hosts"], c["documents"], c["pdfs"], c["list_pages"], c["requests"],
             c["busiest_host_requests"], f"{c['floor_s']:.0f}", f"{c['wall_s']:.0f}", f"{c['ratio']:.3f}",
             f"{c['docs_per_s']:.1f}", c["rate_limited"], c["fetched_twice"], c["recorded"], c["parsed"],
             _mb(c["memory"], "main"), _mb(c["memory"], "worker"), _mb(c["memory"], "forkserver"),
             f"{c['portal_mb']:.0f}"] for c in crawls]
    _table(cols, rows)
    for c in crawls:
        print(f"  {c['mode']} {c['sites']} sites: CPU {c['cpu_s']:.0f} s in all ({c['cpu_crawler_s']:.0f} s the crawler process, {c['cpu_workers_s']:.0f} s its "
              f"workers) = {1000 * c['cpu_s'] / c['requests']:.1f} ms a request ({1000 * c['cpu_crawler_s'] / c['requests']:.1f} "
              f"ms in the crawler); the portal {c['cpu_portal_s']:.0f} s; archive {c['archive_bytes'] / 2**20:.0f} MB "
              f"({c['archive_bytes'] / c['recorded'] / 1024:.0f} KB a document), database "
              f"{c['db_bytes'] / 2**20:.1f} MB ({c['db_bytes'] / c['recorded']:.0f} B a recorded document); "
              f"load {c['load']}")
        ok = c["ratio"] <= 1.1
        # all stages in one command: where the parse workers' CPU alone exceeds the floor, parsing,
        # not politeness, sets the wall (the stages scale apart: --no-parse and parse-worker)
        workers = default_workers()  # the crawl's own count of parse workers
        parse_bound = c["mode"] != "record" and c["cpu_workers_s"] / workers > c["floor_s"]
        verdict = "PASS" if ok else "PARSE-BOUND" if parse_bound else "FAIL"
        print(f"  {verdict} {c['mode']} {c['sites']} sites: wall {c['ratio']:.3f} x the politeness floor (target <= 1.1"
              + (f"; its {workers} parse worker(s) used {c['cpu_workers_s']:.0f} s of CPU, more than the floor)"
                 if verdict == "PARSE-BOUND" else ")"))
        fails += [] if ok or parse_bound else [f"{c['mode']} {c['sites']} sites: wall/floor {c['ratio']:.3f}"]
        ok = c["recorded"] == c["documents"] and not c["fetched_twice"] and (c["mode"] == "record" or c["parsed"] == c["recorded"])
        print(f"  {'PASS' if ok else 'FAIL'} {c['mode']} {c['sites']} sites: {c['recorded']} of {c['documents']} documents recorded, "
              f"{c['parsed']} parsed, {c['fetched_twice']} URLs fetched twice")
        fails += [] if ok else [f"{c['sites']} sites: documents"]
    record = [c for c in crawls if c["mode"] == "record"]
    if len(record) > 1:
        small, large = max(record[0]["memory"]["main"]), max(record[-1]["memory"]["main"])
        ok = large <= 1.5 * small
        print(f"  {'PASS' if ok else 'FAIL'} crawler peak memory {small:.0f} MB at {record[0]['sites']} sites, "
              f"{large:.0f} MB at {record[-1]['sites']} ({large / small:.2f} x; target <= 1.5 x)")
        fails += [] if ok else ["crawler memory"]
    if parses:
        print("\nparse stage (govreports parse-worker --limit N on a copy of the largest crawl's database)")
        cols = ("workers", "parsed", "wall_s", "docs/s", "worker_cpu/doc_ms", "reports", "figures", "db_B/doc",
                "stage_MB", "workers_MB", "load")
        rows = [[p["workers"], p["parsed"], f"{p['wall_s']:.1f}", f"{p['docs_per_s']:.2f}",
                 f"{1000 * p['cpu_per_doc_s']:.0f}", p["reports"], p["cells"],
                 f"{p['db_growth_bytes'] / max(1, p['parsed']):.0f}", _mb(p["memory"], "main"),
                 _mb(p["memory"], "worker"), p["load"]] for p in parses]
        _table(cols, rows)
        if len(parses) == 2 and parses[0]["docs_per_s"]:
            print(f"  2 workers / 1 worker: {parses[1]['docs_per_s'] / parses[0]['docs_per_s']:.2f} x")
    return fails


def _table(cols, rows) -> None:
    widths = [max(len(str(c)), *(len(str(r[i])) for r in rows)) for i, c in enumerate(cols)]
    print("  ".join(str(c).rjust(w) for c, w in zip(cols, widths)))
    for r in rows:
        print("  ".join(str(v).rjust(w) for v, w in zip(r, widths)))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sites", default="100,500", help="portal sizes to crawl, comma-separated (default 100,500)")
    p.add_argument("--docs-per-site", type=int, default=40, help="documents per site on average (default 40: "
                   "20,000 at 500 sites)")
    p.add_argument("--rate", type=float, default=1.0, help="requests a second each host allows (default 1, the "
                   "crawler's own DOWNLOAD_DELAY)")
    p.add_argument("--pdf-share", type=float, default=0.25)
    p.add_argument("--full", metavar="SITES", help="also crawl with every stage in one command (`govreports crawl`, "
                   "parse workers as documents arrive) at these sizes, comma-separated")
    p.add_argument("--parse-nice", metavar="LEVELS", help="with --full: crawl once with the parse workers at each "
                   "of these nice levels, comma-separated, side by side (default: GOVREPORTS_PARSE_NICE as set)")
    p.add_argument("--parse-docs", type=int, default=400, help="documents each parse run parses (0: no parse runs)")
    p.add_argument("--keep", metavar="DIR", help="work here and keep it (default: a temporary directory, removed)")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = p.parse_args(argv)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("GOVREPORTS_ARCHIVE", None)
    print(f"cores {os.cpu_count()}, load {_loadavg()} at start; work in {work}")
    try:
        crawls = [crawl_stage(int(n), args.docs_per_site, args.rate, args.pdf_share, work, env)
                  for n in args.sites.split(",") if n]
        nice = [int(x) for x in args.parse_nice.split(",") if x] if args.parse_nice else [None]
        crawls += [crawl_stage(int(n), args.docs_per_site, args.rate, args.pdf_share, work,
                               env if level is None else dict(env, GOVREPORTS_PARSE_NICE=str(level)), full=True,
                               nice=level)
                   for n in (args.full or "").split(",") if n for level in nice]
        record = [c for c in crawls if c["mode"] == "record"]
        parses = ([parse_stage(record[-1], w, args.parse_docs, work, env) for w in (1, 2)]
                  if args.parse_docs and record else [])
        fails = print_report(crawls, parses, args.rate)
        if args.json:
            Path(args.json).write_text(json.dumps({"crawl": crawls, "parse": parses}, indent=1, default=str))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"load {_loadavg()} at end")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
