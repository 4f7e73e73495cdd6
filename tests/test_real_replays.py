"""The crawler on replays of real report columns (../shared/portals/real), registered as a user
would (registry.json: name, body, region code, column URL, no family), served by the replay's own
serve.py on its fixed ports 18710-18712 (serialised between engineers by a file lock)."""
from __future__ import annotations

import fcntl
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import SHARED

ROOT = Path(__file__).resolve().parent.parent
REAL = SHARED / "portals" / "real"
LOCK = "/tmp/govreports-real-replay.lock"
PORT = 18710
# List pages a column declares that its site.json truth cannot name (no link of the replay is on
# them): ordos-egb's pager says `var countPage = 2`; its page 2 (index_1.html) was not archived.
DECLARED_ONLY = {"ordos-egb": ["/xxgk/xxgknb/index_1.html"]}


def _wait_for_ports(ports, timeout=15.0):
    end = time.monotonic() + timeout
    for port in ports:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > end:
                    raise RuntimeError(f"the replay server did not listen on {port}")
                time.sleep(0.1)


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    if not (REAL / "serve.py").is_file():
        pytest.skip(f"real replays not found at {REAL} (shared/ must sit beside the repository)")
    tmp = tmp_path_factory.mktemp("replay")
    registry = json.loads((REAL / "registry.json").read_text(encoding="utf-8"))
    sites = {s["name"]: s for s in registry["sites"]}
    truth = {n: json.loads((REAL / n / "site.json").read_text(encoding="utf-8")) for n in sites}
    log = tmp / "replay.log"
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # other engineers' runs of this test use the same ports
        server = subprocess.Popen([sys.executable, str(REAL / "serve.py"), str(PORT), "--log", str(log)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_for_ports(range(PORT, PORT + len(sites)))
            db = tmp / "replay.db"
            cmd = [sys.executable, "-m", "govreports_cli", "--db", f"sqlite:///{db}", "crawl",
                   "--registry", str(REAL / "registry.json"), "--impolite", "--no-progress", "--json",
                   "--results", str(tmp / "results.jsonl"), "--links", str(tmp / "links.jsonl")]
            env = dict(os.environ, GOVREPORTS_ARCHIVE=str(tmp / "archive"))
            p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        finally:
            server.terminate()
            server.wait(timeout=10)
    assert p.returncode in (0, 1), p.stderr[-3000:]
    summary = json.loads(p.stdout[p.stdout.index("{"):])
    requests = [line.split("\t") for line in log.read_text(encoding="utf-8").splitlines()]
    yield {"sites": sites, "truth": truth, "summary": summary, "stderr": p.stderr, "db": db, "requests": requests,
           "results": [json.loads(x) for x in (tmp / "results.jsonl").read_text(encoding="utf-8").splitlines()],
           "links": [json.loads(x) for x in (tmp / "links.jsonl").read_text(encoding="utf-8").splitlines()]}


def _base(replay, name):
    return replay["sites"][name]["start_urls"][0]


def _absolute(replay, name, item):
    """A truth item's link as the crawler meets it: relative hrefs against their list page here."""
    start = _base(replay, name)
    page = urljoin(start, item.get("list_page") or urlsplit(start).path)
    return urljoin(page, item["href"])


def test_every_report_link_discovered(replay):
    met = {(link["site"], link["url"]): link for link in replay["links"]}
    for name, site in replay["truth"].items():
        for item in site["truth"]:
            url = _absolute(replay, name, item)
            link = met.get((name, url))
            if item["is_report"]:
                assert link is not None, (name, item["title"], url)
                assert link["role"] in ("entry", "offsite"), (name, item["title"], link)
            elif link is not None:  # a non-report line is recorded, never followed
                assert link.get("followed") != "yes", (name, item["title"], link)


def test_each_list_page_requested_exactly_once(replay):
    by_site: dict[str, list[str]] = {}
    for site, _method, path, _status in replay["requests"]:
        by_site.setdefault(site, []).append(path)
    for name, site in replay["truth"].items():
        paths = by_site.get(name, [])
        lists = {urlsplit(_base(replay, name)).path} | {t["list_page"] for t in site["truth"] if t.get("list_page")}
        lists |= set(DECLARED_ONLY.get(name, []))
        for page in lists:
            assert paths.count(page) == 1, (name, page, paths.count(page))
        twice = {p for p in paths if paths.count(p) > 1}
        assert not twice, (name, twice)  # nothing is asked for twice, list page or not


def test_every_archived_report_stored_with_year_and_region_and_nothing_else(replay):
    want = {}
    for name, site in replay["truth"].items():
        for item in site["truth"]:
            if item["is_report"] and item["available"]:
                want[_absolute(replay, name, item)] = (name, item["year"], replay["sites"][name]["region_code"])
    stored = {r["url"]: r for r in replay["results"] if r["outcome"] == "stored"}
    assert set(stored) == set(want), (sorted(set(stored) - set(want)), sorted(set(want) - set(stored)))
    for url, (name, year, region) in want.items():
        assert stored[url]["year"] == year and stored[url]["region_code"] == region, (url, stored[url])
    con = sqlite3.connect(replay["db"])
    try:
        rows = con.execute("SELECT d.url, v.year, v.region_code FROM report_versions v "
                           "JOIN documents d ON d.id = v.document_id").fetchall()
    finally:
        con.close()
    assert {(u, y, r) for u, y, r in rows} == {(u, y, r) for u, (_n, y, r) in want.items()}


def test_links_to_other_hosts_recorded_not_followed(replay):
    requested = {(site, path) for site, _m, path, _s in replay["requests"]}
    offsite = [(name, item) for name, site in replay["truth"].items() for item in site["truth"]
               if item["href"].startswith("http") and urlsplit(item["href"]).hostname != "127.0.0.1"]
    assert offsite, "the replays carry links to their original hosts"
    recorded = {link["url"]: link for link in replay["links"] if link["role"] == "offsite"}
    for name, item in offsite:
        assert item["href"] in recorded, item
        assert recorded[item["href"]]["followed"].startswith("no")
        assert (name, urlsplit(item["href"]).path) not in requested  # not fetched from the replay either
    per_site = replay["summary"]["per_site"]
    assert per_site["zhecheng"]["offsite_links"] >= len([1 for n, i in offsite if n == "zhecheng" and i["is_report"]])


def test_incomplete_replays_are_named_and_fail_the_crawl(replay):
    """The replays miss pages (ordos-egb's page 2, most detail pages): every site says so."""
    per_site = replay["summary"]["per_site"]
    assert per_site["ordos-egb"]["verdict"] == "incomplete"
    assert any("declares 2 list pages, 1 answered" in r for r in per_site["ordos-egb"]["reasons"])
    assert any(r.startswith("no report") for r in per_site["ordos-egb"]["reasons"])
    assert "ordos-egb" in replay["stderr"] and "incomplete" in replay["stderr"]
    assert replay["summary"]["run"]["status"] == "incomplete"
    assert {per_site[n]["family"] for n in per_site} == {"empirecms", "trs"}  # recognised from the pages
