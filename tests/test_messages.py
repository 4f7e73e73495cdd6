"""Database URLs are printed with the password masked, and a database that cannot be reached gives
one line that says what to check — from every command that opens one."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("GOVREPORTS_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
SECRET = "s3cr3t-Pa55"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(db, *args, timeout=120):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, str(ROOT / "govreports_cli.py"), "--db", db, *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)


COMMANDS = [("query", "SELECT 1"), ("db", "upgrade"), ("db", "current"), ("runs",), ("reparse",),
            ("export", "OUT"), ("ingest", "--no-progress", str(ROOT / "samples" / "reports"))]


@pytest.mark.parametrize("what", ["no server", "no such database"])
def test_unreachable_database_gives_one_line_with_the_password_masked(what, tmp_path):
    if what == "no server":
        db, hint = f"postgresql://postgres:{SECRET}@127.0.0.1:{_closed_port()}/x", "server runs"
    else:
        from sqlalchemy.engine import make_url

        base = make_url(PG_URL)
        db = (f"postgresql://{base.username or 'postgres'}:{SECRET}@{base.host}:{base.port or 5432}/"
              f"no_such_db_{os.getpid()}")
        hint = "database name"
    for cmd in COMMANDS:
        args = [str(tmp_path / "out") if a == "OUT" else a for a in cmd]
        r = _run(db, *args, "--archive", str(tmp_path / "a")) if cmd[0] in ("ingest", "reparse") else _run(db, *args)
        if what == "no such database" and "Connection refused" in r.stderr:
            pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
        assert r.returncode == 1, (cmd, r.stdout, r.stderr)
        assert SECRET not in r.stdout + r.stderr and "***" in r.stderr, (cmd, r.stderr)
        assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1, (cmd, r.stderr)
        assert hint in r.stderr and "cannot connect to" in r.stderr, (cmd, r.stderr)


def test_demo_prints_the_database_url_masked():
    db = f"postgresql://postgres:{SECRET}@127.0.0.1:{_closed_port()}/x"
    r = _run(db, "demo", "--no-progress", timeout=180)
    assert SECRET not in r.stdout + r.stderr, r.stdout + r.stderr
    assert "postgres:***@" in r.stdout and "cannot connect to" in r.stderr and "Traceback" not in r.stderr
    assert r.returncode != 0


@pytest.mark.parametrize("registry,says", [
    (None, "cannot read the registry {path}: No such file or directory; give --registry PATH"),
    ('{"sites": [{"name": "x"}]}', "registry entry 'x' lacks region_code, start_urls: every site needs a name"),
    ('{"sites": [{"name": "x", "region_code": "3501", "start_urls": ["http://a/"]}]}',
     "site x: region_code must be the body's 6-digit GB/T 2260 code, got '3501'"),
    ('{"sites": [', "the registry {path} is not JSON in UTF-8"),
    ('{"sites": {"x": 1}}', "the registry {path} must be {\"sites\": [entries]} or a list of entries"),
])
@pytest.mark.parametrize("command", ["crawl", "seed"])
def test_a_bad_registry_gives_one_line_that_says_what_to_fix(registry, says, command, tmp_path):
    """A registry that is missing, not JSON or incomplete: one line naming the file or entry and
    what to fix (crawler.errors.RegistryError), exit status 2, no traceback, no run recorded."""
    path = tmp_path / "sites.json"
    if registry is not None:
        path.write_text(registry, encoding="utf-8")
    db = tmp_path / "r.db"
    p = _run(f"sqlite:///{db}", command, "--registry", str(path),
             *(["--no-progress"] if command == "crawl" else ["--redis", "redis://127.0.0.1:1/0"]))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    (line,) = p.stderr.strip().splitlines()
    assert line.startswith(f"govreports {command}: " + says.replace("{path}", str(path))), line
    assert not db.exists()


def test_an_unknown_site_name_says_so():
    p = _run("sqlite:///:memory:", "crawl", "--site", "no-such-site", "--no-progress")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip() == ("govreports crawl: unknown site(s): no-such-site: not the name of an entry of the "
                                "registry (--registry for another)")


def test_a_damaged_archive_file_is_named_with_what_to_do(tmp_path):
    """reparse of a document whose archived bytes changed on disk: that document fails with a
    message naming the file and what to do (storage.errors.ArchiveDamaged), the others are read."""
    docs = tmp_path / "docs"
    docs.mkdir()
    names = sorted(p.name for p in (ROOT / "samples/reports").glob("*.txt"))[:2]
    for name in names:
        (docs / name).write_bytes((ROOT / "samples/reports" / name).read_bytes())
    db = f"sqlite:///{tmp_path / 'a.db'}"
    assert _run(db, "ingest", "--no-progress", str(docs)).returncode == 0
    damaged = sorted(f for f in (tmp_path / "archive").rglob("*") if f.is_file())[0]
    damaged.write_bytes(damaged.read_bytes() + b" ")
    p = _run(db, "reparse", "--no-progress")
    assert p.returncode == 1 and "Traceback" not in p.stderr
    (failed,) = [line for line in p.stderr.splitlines() if line.startswith("failed:")]
    assert f"ArchiveDamaged: archive file {damaged} does not match its hash: the archive is damaged; restore" in failed
    assert p.stdout.strip().endswith("1 unchanged, 0 not reports, 1 failed"), p.stdout  # the other one read
