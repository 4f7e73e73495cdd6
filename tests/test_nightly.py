"""Nightly, incremental, resumable, recorded crawls (docs/operations.md) on the sample portal.

Real `govreports crawl` processes against the sample portal (a real HTTP server in this process,
which counts every request it answers), real SQLite databases. Browser sites (ptdata's JS-only
list, ruishu's 412 challenge) are part of the nightly test when Chromium is installed.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from samples.portal.server import PortalServer

from crawler.settings import CHROMIUM_PATH as CHROMIUM

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "samples" / "portal" / "sites.json"
HAVE_BROWSER = bool(shutil.which(CHROMIUM) or os.path.exists(CHROMIUM))
PLAIN_SITES = ("pingtan", "ptoffice", "shanghai", "hongze", "longgang", "weishan")  # no browser needed
# the nightly runs: the families' sites, plus a column of year sub-columns (lishui) and a jpaas list API
# (lucheng) — the other variant sites add list markups, not nightly behaviour, and four crawls of them cost
NIGHTLY_SITES = PLAIN_SITES + ("ptdata", "ruishu", "lishui", "lucheng")


def registry(tmp: Path, names=None) -> Path:
    """The sample registry, or a part of it."""
    data = json.loads(REGISTRY.read_text(encoding="utf-8"))
    if names is None:
        names = NIGHTLY_SITES if HAVE_BROWSER else PLAIN_SITES + ("lishui", "lucheng")
    data["sites"] = [s for s in data["sites"] if s["name"] in names]
    path = tmp / ("registry-" + "-".join(names) + ".json")
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def command(db: Path, srv, reg: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "govreports_cli", "--db", f"sqlite:///{db}", "crawl", "--registry", str(reg),
            "--base-url", srv.url, "--impolite", "--no-progress", "--json", "--workers", "1", *args]


def env(db: Path) -> dict:
    return dict(os.environ, GOVREPORTS_ARCHIVE=str(db.with_suffix(".archive")))


def crawl(db: Path, srv, reg: Path, *args: str) -> tuple[dict, list[dict]]:
    """Run `govreports crawl`; return its summary and the requests the portal answered meanwhile."""
    n0 = len(srv.portal.log)
    p = subprocess.run(command(db, srv, reg, *args), cwd=ROOT, env=env(db), capture_output=True, text=True,
                       timeout=240)
    assert p.returncode in (0, 1), p.stderr[-3000:]
    summary = json.loads(p.stdout[p.stdout.index("{"):])
    return summary, list(srv.portal.log[n0:])


def govreports(db: Path, *args: str) -> str:
    p = subprocess.run([sys.executable, "-m", "govreports_cli", "--db", f"sqlite:///{db}", *args], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def rows(db: Path, sql: str, *params) -> list[tuple]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def page_requests(log: list[dict]) -> list[str]:
    """Requests for pages (the browser's script/style fetches of a page it renders excluded)."""
    return [e["path"] for e in log if not (e["browser"] and e["path"].startswith(("/js/", "/css/")))]


# ------------------------------------------------------------------ nightly

@pytest.fixture(scope="module")
def nightly(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nightly")
    db = tmp / "nightly.db"
    with PortalServer() as srv:
        reg = registry(tmp)
        out = {"srv": srv, "db": db, "reg": reg}
        out["first"] = crawl(db, srv, reg, "--nightly")
        out["second"] = crawl(db, srv, reg, "--nightly")
        out["versions_before"] = rows(db, "SELECT id, report_key, version, document_id FROM report_versions")
        # the portal republishes pingtan's 2021 report, corrected, at the same URL, with a new list date
        revised = next(r for r in srv.portal.reports if r["file"] == "pingtan-2021.html")
        out["old_sha"] = revised["sha256"]
        srv.portal.revise(revised["url"], "（2022年3月1日更正：第五部分表述）", list_date="2022-03-01")
        out["revised"] = dict(revised)
        out["third"] = crawl(db, srv, reg, "--nightly")
        # a full (not nightly) re-crawl: every document asked for conditionally; one changed in
        # place without any sign in its list (only its bytes, ETag and Last-Modified differ)
        quiet = next(r for r in srv.portal.reports if r["file"] == "weishan-liangcheng-2020-partial.txt")
        srv.portal.revise(quiet["url"], "（更正）")
        out["quiet"] = dict(quiet)
        out["full"] = crawl(db, srv, reg)
        out["runs_text"] = govreports(db, "runs")
        out["runs_json"] = json.loads(govreports(db, "runs", "--json"))
        yield out


def test_second_nightly_sends_only_first_list_pages_and_robots(nightly):
    srv, reg = nightly["srv"], nightly["reg"]
    first, log1 = nightly["first"]
    second, log2 = nightly["second"]
    sites = json.loads(Path(reg).read_text(encoding="utf-8"))["sites"]
    names = {s["name"] for s in sites}
    first_pages = {urlsplit(u).path for s in sites for u in s["start_urls"]}
    # the first page of every sub-column of a column that lists only its sub-columns (year columns): a
    # column page holding entries, all known, stops there (its sub-columns too)
    info = srv.portal.list_info
    bare = {s["name"] for s in sites if (i := info.get(urlsplit(s["start_urls"][0]).path)) and not i["reports"] + i["others"]}
    first_pages |= {path for path, i in info.items() if i["n"] == 0 and i["site"] in bare}
    # columns whose list is behind an API (gkmlpt, jpaas, IGS): their first list page is the API's page 1
    api_first = ("/api/all/2155?page=1&", "paramJson=%7B%22pageNo%22%3A1%2C", "&pageNumber=1")
    first_pages |= {p for p in page_requests(log1) if any(a in p for a in api_first)}
    paths = page_requests(log2)
    assert set(paths) <= first_pages | {"/robots.txt"}, sorted(set(paths) - first_pages)
    assert sum(p != "/robots.txt" for p in paths) == len(first_pages)
    assert paths.count("/robots.txt") <= len(sites)  # one per site's crawler
    print(f"\nrequests at the portal: first nightly {len(log1)}, second nightly {len(log2)} "
          f"({len(first_pages)} first list pages, {paths.count('/robots.txt')} robots.txt, "
          f"{len(log2) - len(paths)} browser script fetches)")
    assert len(log2) < len(log1) / 3
    run1, run2 = first["run"], second["run"]
    assert run1["mode"] == run2["mode"] == "nightly" and run1["status"] == run2["status"] == "finished"
    assert run1["new"] == first["reports"] == len([r for r in srv.portal.reports
                                                   if r["site"] in {s["name"] for s in sites}])
    assert run2["new"] == run2["changed"] == run2["failed"] == 0
    assert second["reports"] == 0  # nothing parsed, nothing stored
    assert run2["stopped_lists"] >= 1 and run2["known_entries"] >= len(sites)


def test_changed_report_is_a_new_version_and_the_old_one_stays(nightly):
    db, (third, _) = nightly["db"], nightly["third"]
    run3 = third["run"]
    assert run3["changed"] == 1 and run3["new"] == 0 and run3["failed"] == 0, run3
    url = nightly["srv"].url + nightly["revised"]["url"]
    got = rows(db, "SELECT v.report_key, v.version, v.is_latest, d.sha256 FROM report_versions v "
                   "JOIN documents d ON d.id = v.document_id WHERE d.url = ? ORDER BY v.version", url)
    assert len(got) == 2, got
    (key1, v1, latest1, sha1), (key2, v2, latest2, sha2) = got
    # the same report (body and year), a newer version, the latest; the old one kept, not latest
    # (pingtan's 2021 report has another version already: ptdata's text edition of it)
    assert key1 == key2 and v2 > v1 and not latest1 and latest2
    assert rows(db, "SELECT MAX(version) FROM report_versions WHERE report_key = ?", key1) == [(v2,)]
    assert sha1 == nightly["old_sha"] and sha2 == nightly["revised"]["sha256"]
    # the old version is still queryable with its figures; the reports view shows the new one
    figs = ("SELECT f.table_name, f.row_key, f.col, f.text FROM figures f JOIN report_versions v ON v.id = f.report_id "
            "JOIN documents d ON d.id = v.document_id WHERE d.sha256 = ? ORDER BY 1, 2, 3")
    old_figs, new_figs = rows(db, figs, sha1), rows(db, figs, sha2)
    assert len(old_figs) > 50 and old_figs == new_figs  # the correction touched the text, not the tables
    assert rows(db, "SELECT version, sha256 FROM reports WHERE url = ?", url) == [(v2, sha2)]
    # nothing else moved
    before = {r[1:] for r in nightly["versions_before"]}
    assert before <= {r[1:] for r in rows(db, "SELECT id, report_key, version, document_id FROM report_versions")}


def test_full_recrawl_asks_conditionally_and_stores_only_the_changed_document(nightly):
    full, log = nightly["full"]
    run = full["run"]
    assert run["mode"] == "full" and run["status"] == "finished"
    assert run["changed"] == 1 and run["new"] == 0 and run["failed"] == 0, run
    assert run["not_modified"] >= 10 and run["unchanged"] >= run["not_modified"]
    not_modified = [e for e in log if e["status"] == 304]
    assert len(not_modified) == run["not_modified"]
    print(f"\nfull re-crawl: {len(log)} requests, {len(not_modified)} answered 304, "
          f"{run['unchanged']} documents unchanged (neither parsed nor stored), {run['changed']} changed")
    assert full["reports"] == 1  # only the changed document was parsed and stored
    db, url = nightly["db"], nightly["srv"].url + nightly["quiet"]["url"]
    assert rows(db, "SELECT COUNT(*) FROM documents WHERE url = ?", url) == [(2,)]


def test_runs_lists_every_run_with_its_counts(nightly):
    runs = nightly["runs_json"]
    assert [r["mode"] for r in runs] == ["full", "nightly", "nightly", "nightly"]
    assert all(r["status"] == "finished" and r["ended_at"] and r["started_at"] for r in runs)
    first = runs[-1]
    assert first["new"] == nightly["first"][0]["run"]["new"] > 0 and first["requests"] > 0
    assert [r["changed"] for r in runs] == [1, 1, 0, 0]
    text = nightly["runs_text"].splitlines()
    assert text[0].split()[:12] == ["id", "mode", "status", "started", "seconds", "requests", "new", "changed",
                                    "unchanged", "failed", "flagged", "skipped"]
    assert len(text) == 5
    second = nightly["second"][0]["run"]
    line = next(t for t in text if t.split()[0] == str(runs[-2]["id"]))
    assert f" {second['requests']} " in line and "nightly" in line and "finished" in line


# ------------------------------------------------------------------ backfill

def test_backfill_of_one_region_and_year(tmp_path):
    db = tmp_path / "backfill.db"
    with PortalServer() as srv:
        names = ("pingtan", "ptoffice", "ptdata") if HAVE_BROWSER else ("pingtan", "ptoffice")
        reg = registry(tmp_path, names + ("shanghai", "hongze", "weishan"))
        summary, log = crawl(db, srv, reg, "--region", "3590", "--year", "2019")
        truth = [r for r in srv.portal.reports if r["region_code"].startswith("3590") and r["year"] == 2019
                 and r["site"] in names]
    assert summary["run"]["mode"] == "backfill" and summary["sites"] == len(names)
    paths = page_requests(log)
    assert all(p == "/robots.txt" or p.split("/")[1] in names for p in paths), paths
    assert not any(p.startswith(("/shanghai/", "/hongze/", "/weishan/")) for p in paths)
    stored = rows(db, "SELECT v.year, v.region_code, d.url FROM report_versions v JOIN documents d "
                      "ON d.id = v.document_id")
    assert stored and all(y == 2019 and r.startswith("3590") for y, r, _ in stored), stored
    assert sorted(u for *_, u in stored) == sorted(srv.url + t["url"] for t in truth)
    assert summary["run"]["new"] == len(truth)


# ------------------------------------------------------------------ SIGKILL and resume

KILL_SITES = ("shanghai", "hongze", "longgang", "weishan")


def snapshot(db: Path) -> dict:
    """The database's content, independent of row ids and fetch times."""
    return {
        "documents": sorted(rows(db, "SELECT sha256, url, http_status, content_type, size FROM documents")),
        "versions": sorted(rows(db, "SELECT v.report_key, v.version, v.is_latest, d.sha256, v.year, v.region_code, "
                                    "v.status, v.agency, v.template FROM report_versions v "
                                    "JOIN documents d ON d.id = v.document_id")),
        "figures": sorted(rows(db, "SELECT d.sha256, f.table_name, f.row_key, f.col, f.text, f.number, f.kind "
                                   "FROM figures f JOIN report_versions v ON v.id = f.report_id "
                                   "JOIN documents d ON d.id = v.document_id")),
        "findings": sorted(rows(db, "SELECT d.sha256, x.rule, x.message FROM findings x JOIN report_versions v "
                                    "ON v.id = x.report_id JOIN documents d ON d.id = v.document_id")),
        "totals": sorted(rows(db, "SELECT d.sha256, a.new_received, a.total FROM application_totals a "
                                  "JOIN report_versions v ON v.id = a.report_id JOIN documents d "
                                  "ON d.id = v.document_id")),
    }


def test_crawl_killed_with_sigkill_resumes_to_the_same_database(tmp_path):
    reg = registry(tmp_path, KILL_SITES)
    with PortalServer(delay=0.25) as srv:
        # weishan's report pages answer last: the kill falls after the first entries are settled and
        # before every report is stored, however fast or loaded the machine (the spider asks for a
        # column's list pages at once; without this the window was a fraction of a second)
        srv.portal.slow = {"/weishan/zwgk/zfxxgknb/gknb": 4.0}
        total = len([r for r in srv.portal.reports if r["site"] in KILL_SITES])
        ref_db = tmp_path / "reference.db"
        ref, ref_log = crawl(ref_db, srv, reg)
        assert ref["run"]["new"] == total

        db = tmp_path / "killed.db"
        n0 = len(srv.portal.log)
        proc = subprocess.Popen(command(db, srv, reg), cwd=ROOT, env=env(db), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        stored_at_kill = 0
        try:
            deadline = time.time() + 120
            while time.time() < deadline and proc.poll() is None:
                if db.exists():
                    try:
                        stored_at_kill = rows(db, "SELECT COUNT(*) FROM report_versions")[0][0]
                        # the ledger follows the database in batches (at most a second behind)
                        settled_now = rows(db, "SELECT COUNT(*) FROM crawl_urls WHERE entry_run_id IS NOT NULL")[0][0]
                    except sqlite3.OperationalError:  # schema not there yet
                        stored_at_kill = settled_now = 0
                    if stored_at_kill >= 2 and settled_now >= 1:
                        break
                time.sleep(0.05)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)  # the crawler, its parse workers: the whole job
            proc.wait()
        killed_log = list(srv.portal.log[n0:])
        stored_at_kill = rows(db, "SELECT COUNT(*) FROM report_versions")[0][0]
        assert 0 < stored_at_kill < total, f"{stored_at_kill} of {total} stored when killed"
        settled = {u for (u,) in rows(db, "SELECT url FROM crawl_urls WHERE entry_run_id IS NOT NULL")}

        resumed, log = crawl(db, srv, reg)
        again, log_again = crawl(db, srv, reg)

    run = resumed["run"]
    print(f"\nkilled with {stored_at_kill}/{total} reports stored after {len(killed_log)} requests; "
          f"resumed run: {len(log)} requests, {run['resumed_entries']} settled entries skipped, "
          f"{run['new']} new; uninterrupted reference crawl: {len(ref_log)} requests")
    assert run["resumed_from"] is not None and run["status"] == "finished"
    runs = {r["id"]: r for r in json.loads(govreports(db, "runs", "--json"))}
    assert runs[run["resumed_from"]]["status"] == "interrupted"
    # it continued where it stopped: entries settled before the kill were not fetched again
    assert settled and run["resumed_entries"] == len(settled)
    refetched = {srv.url + e["path"] for e in log} & settled
    assert not refetched, refetched
    # ... and ends with the same database as the uninterrupted crawl
    assert snapshot(db) == snapshot(ref_db)
    assert len(snapshot(db)["versions"]) == total
    # rerunning never duplicates anything
    assert again["run"]["resumed_from"] is None
    assert again["run"]["new"] == again["run"]["changed"] == 0
    assert snapshot(db) == snapshot(ref_db)
