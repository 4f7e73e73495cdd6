"""Processes: pool workers die with their parent (SIGKILL of `ingest --workers N` and of `crawl`
leaves no process behind, nor the caller's stdout held open); five first ingests at once into
one empty PostgreSQL database all succeed; a document past the time bound ends its worker and
fails alone. Real processes, a real HTTP server, a real PostgreSQL."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from samples.portal.server import PortalServer

from crawler.settings import CHROMIUM_PATH as CHROMIUM

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "samples" / "reports"
REGISTRY = ROOT / "samples" / "portal" / "sites.json"
HAVE_BROWSER = bool(shutil.which(CHROMIUM) or os.path.exists(CHROMIUM))


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, start time) of every process alive now (zombies left out)."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z":
            out[int(entry)] = (int(fields[1]), fields[19])
    return out


def _descendants(root: int) -> dict[int, str]:
    procs = _processes()
    found, todo = {}, [root]
    while todo:
        parent = todo.pop()
        for pid, (ppid, start) in procs.items():
            if ppid == parent and pid not in found:
                found[pid] = start
                todo.append(pid)
    return found


def _alive(pids: dict[int, str]) -> dict[int, str]:
    procs = _processes()
    return {pid: start for pid, start in pids.items() if pid in procs and procs[pid][1] == start}


def _kill_and_check(proc: subprocess.Popen, ready, what: str) -> dict[int, str]:
    """Wait until `ready(descendants)`, SIGKILL `proc` alone, then expect every process it had
    started to end, and its stdout to be closed by all of them."""
    deadline = time.monotonic() + 120
    kids: dict[int, str] = {}
    while time.monotonic() < deadline and proc.poll() is None:
        kids = _descendants(proc.pid)
        if ready(kids):
            break
        time.sleep(0.05)
    assert proc.poll() is None and ready(kids), f"{what} ended (or never got going) before it could be killed"
    time.sleep(0.3)
    kids.update(_descendants(proc.pid))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    left = kids
    for _ in range(100):  # up to 10 s
        left = _alive(kids)
        if not left:
            break
        time.sleep(0.1)
    leftover = {pid: Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:120] for pid in left
                if Path(f"/proc/{pid}").exists()}
    for pid in left:  # do not leave them to the next test
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    assert not left, f"{what}: left behind {leftover}"
    assert proc.stdout.read() is not None  # EOF: nobody holds the caller's stdout any more
    return kids


def test_sigkill_of_ingest_with_workers_leaves_no_process(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    for i in range(300):  # distinct bytes, so every file is parsed
        src = seeds[i % len(seeds)]
        (folder / f"{i:03d}.txt").write_bytes(src.read_bytes() + f"\n（{i}）\n".encode())
    cmd = [sys.executable, "-m", "govreports_cli", "--db", f"sqlite:///{tmp_path / 'i.db'}", "ingest",
           "--no-progress", "--workers", "2", "--archive", str(tmp_path / "archive"), str(folder)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    kids = _kill_and_check(proc, lambda k: len(k) >= 3, "ingest --workers 2")  # forkserver + 2 workers
    assert len(kids) >= 3


def test_sigkill_of_crawl_leaves_no_process(tmp_path):
    data = json.loads(REGISTRY.read_text(encoding="utf-8"))
    names = {"pingtan", "hongze", "longgang"} | ({"ptdata"} if HAVE_BROWSER else set())
    data["sites"] = [s for s in data["sites"] if s["name"] in names]
    reg = tmp_path / "registry.json"
    reg.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with PortalServer(delay=0.3) as srv:
        cmd = [sys.executable, "-m", "govreports_cli", "--db", f"sqlite:///{tmp_path / 'c.db'}", "crawl",
               "--registry", str(reg), "--base-url", srv.url, "--impolite", "--no-progress", "--workers", "2"]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=dict(os.environ, GOVREPORTS_ARCHIVE=str(tmp_path / "archive")))

        def ready(kids):  # parse workers at work, and the browser where a site needs one
            if len(kids) < 3:
                return False
            if not HAVE_BROWSER:
                return True
            return any(b"chrom" in Path(f"/proc/{pid}/cmdline").read_bytes() for pid in kids
                       if Path(f"/proc/{pid}/cmdline").exists())

        kids = _kill_and_check(proc, ready, "govreports crawl")
    assert len(kids) >= 3


def test_five_first_ingests_at_once_into_one_empty_postgresql_database(pg_empty_database, tmp_path):
    cmd = [sys.executable, "-m", "govreports_cli", "--db", pg_empty_database, "ingest", "--no-progress",
           "--archive", str(tmp_path / "archive"), str(SEEDS)]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(5)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 5, [err[-1500:] for _, err in outs]
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_empty_database)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM alembic_version")).scalar() == 1
            assert conn.execute(text("SELECT COUNT(*) FROM documents")).scalar() == 5
            assert conn.execute(text("SELECT COUNT(*) FROM report_versions")).scalar() == 5
    finally:
        engine.dispose()
    inserted = sum(int(out.split("reports: ")[1].split()[0]) for out, _ in outs)
    assert inserted == 5  # each report inserted by exactly one of them


def test_a_document_past_the_time_bound_ends_its_worker_and_fails_alone():
    from crawler.errors import DocumentTooSlow
    from crawler.pool import WorkerPool

    pool = WorkerPool(None, workers=2, time_limit=1.5)

    async def scenario():
        slow = asyncio.ensure_future(pool.run(time.sleep, 30))
        quick = [pool.run(os.getpid) for _ in range(3)]
        done = await asyncio.gather(*quick)
        t0 = time.monotonic()
        with pytest.raises(DocumentTooSlow, match="longer than 1.5 s"):
            await slow
        return done, time.monotonic() - t0

    try:
        done, waited = asyncio.run(scenario())
        assert len(done) == 3 and waited < 10  # twice the bound (with it, and again alone), not 30 s
        assert pool.submit(os.getpid).result(timeout=30)  # the pool works on
    finally:
        pool.shutdown()
