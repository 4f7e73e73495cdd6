"""The configuration (govreports_config): read once from the environment into one object, every
variable documented, a bad value one clear line, and each setting reaching the code it sets."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import govreports_config
from govreports_config import Config, ConfigError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples/reports/000_e865654a7cdf3aef.txt"  # a real report as text


def _run(*args, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GOVREPORTS_")}
    return subprocess.run([sys.executable, "-m", "govreports_cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={**clean, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=120)


def test_only_the_config_module_reads_the_environment():
    """crawler/, parsers/, storage/, samples/ and the command line take their settings from the
    one object; a second reader of a variable could disagree with it."""
    readers = []
    files = [ROOT / "govreports_cli.py"] + [p for d in ("crawler", "parsers", "storage", "samples", "migrations")
                                              for p in (ROOT / d).rglob("*.py")]
    for path in files:
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bos\.environ\b|\bgetenv\(|\bfrom os import .*environ", text):
            readers.append(str(path.relative_to(ROOT)))
    assert readers == []


def test_the_documented_table_is_the_dataclass():
    """docs/architecture.md's Configuration table is generated from the fields
    (govreports_config.markdown_table): every field documented, every documented variable a field."""
    doc = (ROOT / "docs/architecture.md").read_text(encoding="utf-8")
    section = doc.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    assert govreports_config.markdown_table() in section
    documented = set(re.findall(r"^\| `(\w+)` \|", section, re.M))
    fields = {f.metadata["variable"] for f in dataclasses.fields(Config)}
    assert documented == fields and len(fields) == len(dataclasses.fields(Config))
    assert all(f.metadata["meaning"] for f in dataclasses.fields(Config))


def test_defaults_are_what_the_code_used_before():
    c = Config.from_environment({})
    assert (c.db, c.archive, c.redis, c.download_timeout, c.log_level, c.max_links_per_page, c.max_list_pages,
            c.parse_workers, c.parse_nice, c.start_method, c.parse_in_thread, c.pdf_engine, c.debug) == \
        ("sqlite:///govreports.db", None, None, 60.0, "INFO", 5000, 200, 0, 10, None, False, "pdfium", False)
    from parsers import Limits

    assert c.limits() == Limits()
    empty = Config.from_environment({"GOVREPORTS_DB": "", "GOVREPORTS_LIMIT_PAGES": ""})  # empty: unset
    assert empty == c


def test_the_choices_are_the_codes():
    from parsers.layouts.pdf_objects import ENGINES

    assert govreports_config.PDF_ENGINES == ENGINES


def test_values_are_read_and_typed():
    c = Config.from_environment({"GOVREPORTS_DOWNLOAD_TIMEOUT": "3", "GOVREPORTS_PARSE_IN_THREAD": "1",
                                 "GOVREPORTS_PDF_ENGINE": "pdfplumber", "GOVREPORTS_START_METHOD": "spawn",
                                 "GOVREPORTS_LIMIT_DOCUMENT_MB": "0.5", "GOVREPORTS_LOG_LEVEL": "debug",
                                 "GOVREPORTS_ARCHIVE": "/srv/archive"})
    assert c.download_timeout == 3.0 and c.parse_in_thread is True and c.log_level == "DEBUG"
    assert c.parse_options()["pdf_engine"] == "pdfplumber" and c.limits().document_bytes == 2**19
    assert c.processor_options() | {"parse_options": None} == {
        "nice": 10, "start_method": "spawn", "in_thread": True, "archive": "/srv/archive", "parse_options": None}
    s = c.scrapy_settings()
    assert s["DOWNLOAD_TIMEOUT"] == 3.0 and s["GOVREPORTS_ARCHIVE"] == "/srv/archive"


@pytest.mark.parametrize("variable,value,allowed", [
    ("GOVREPORTS_LIMIT_PAGES", "many", "a whole number of at least 0"),
    ("GOVREPORTS_PARSE_NICE", "-3", "a whole number of at least 0"),
    ("GOVREPORTS_DOWNLOAD_TIMEOUT", "0", "a number above 0"),
    ("GOVREPORTS_LIMIT_SECONDS", "nan", "a number above 0"),
    ("GOVREPORTS_PDF_ENGINE", "mupdf", "one of pdfium, pdfplumber"),
    ("GOVREPORTS_START_METHOD", "thread", "one of forkserver, spawn, fork"),
    ("GOVREPORTS_DEBUG", "maybe", "1, true, yes or on"),
])
def test_a_bad_value_names_its_variable_and_what_is_allowed(variable, value, allowed):
    with pytest.raises(ConfigError) as exc:
        Config.from_environment({variable: value})
    assert str(exc.value).startswith(f"{variable}={value!r} is not allowed: it must be {allowed}")
    assert "unset it for the default" in str(exc.value)


def test_a_bad_value_stops_every_command_with_one_line_and_status_2(tmp_path):
    p = _run("parse", str(SAMPLE), env={"GOVREPORTS_PDF_ENGINE": "mupdf"})
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.strip().splitlines() == [
        "govreports: GOVREPORTS_PDF_ENGINE='mupdf' is not allowed: it must be one of pdfium, pdfplumber; "
        "fix it, or unset it for the default (pdfium)"]
    # a plain `scrapy crawl` reads it in the crawler's add-on (crawler.environment): the same line,
    # no traceback
    q = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "column", "-a", "site=ptoffice", "-a",
                        "registry=samples/portal/sites.json", "-a", "base_url=http://127.0.0.1:9"], cwd=ROOT,
                       capture_output=True, text=True, env={**os.environ, "GOVREPORTS_MAX_LIST_PAGES": "lots"},
                       timeout=120)
    assert q.returncode == 2 and "Traceback" not in q.stderr
    assert q.stderr.strip().splitlines()[-1] == (
        "scrapy: GOVREPORTS_MAX_LIST_PAGES='lots' is not allowed: it must be a whole number of at least 1; fix it, "
        "or unset it for the default (200)")


def test_the_settings_module_reads_no_environment_and_the_command_lines_config_is_read_once(monkeypatch):
    """crawler/settings.py holds the defaults; a plain `scrapy crawl` gets the environment from the
    add-on; where `govreports` applied its own configuration the add-on reads nothing, so a value
    changed since (here: made invalid) is never seen."""
    from crawler.environment import EnvironmentConfig
    from crawler.run import base_settings

    monkeypatch.setenv("GOVREPORTS_MAX_LIST_PAGES", "7")
    assert base_settings().getint("GOVREPORTS_MAX_LIST_PAGES") == 200  # the module: defaults only
    plain = base_settings()
    EnvironmentConfig().update_settings(plain)
    assert plain.getint("GOVREPORTS_MAX_LIST_PAGES") == 7
    ours = base_settings(config=Config.from_environment({"GOVREPORTS_MAX_LIST_PAGES": "9"}))
    monkeypatch.setenv("GOVREPORTS_MAX_LIST_PAGES", "lots")
    EnvironmentConfig().update_settings(ours)  # would exit 2 if it read the environment
    assert ours.getint("GOVREPORTS_MAX_LIST_PAGES") == 9


def test_govreports_config_shows_what_applies_with_passwords_masked(tmp_path):
    env = {"GOVREPORTS_DB": "postgresql://loader:s3cret@db.example/reports", "GOVREPORTS_QUERY_PASSWORD": "hunter2",
           "GOVREPORTS_REDIS": "redis://:r3dis@cache.example:6379/1", "GOVREPORTS_LIMIT_PAGES": "50"}
    p = _run("config", env=env)
    assert p.returncode == 0, p.stderr
    assert "s3cret" not in p.stdout and "hunter2" not in p.stdout and "r3dis" not in p.stdout
    lines = {line.split()[0]: line for line in p.stdout.splitlines()}
    assert set(lines) == {f.metadata["variable"] for f in dataclasses.fields(Config)}
    assert lines["GOVREPORTS_DB"].split()[1:] == ["postgresql://loader:***@db.example/reports", "(environment)"]
    assert lines["GOVREPORTS_REDIS"].split()[1:] == ["redis://:***@cache.example:6379/1", "(environment)"]
    assert lines["GOVREPORTS_QUERY_PASSWORD"].split()[1:] == ["***", "(environment)"]
    assert lines["GOVREPORTS_LIMIT_PAGES"].split()[1:] == ["50", "(environment)"]
    assert lines["GOVREPORTS_PDF_ENGINE"].split()[1:] == ["pdfium", "(default)"]
    # --db comes first; the archive shown is the one that applies to it
    db = tmp_path / "x.db"
    q = _run("--db", f"sqlite:///{db}", "config", "--json")
    rows = {r["variable"]: r for r in json.loads(q.stdout)}
    assert rows["GOVREPORTS_DB"]["source"] == "--db" and rows["GOVREPORTS_ARCHIVE"]["value"] == str(tmp_path / "archive")
    assert rows["GOVREPORTS_QUERY_PASSWORD"]["value"] == "unset" and rows["GOVREPORTS_LIMIT_SECONDS"]["meaning"]
    assert "govreports config" in _run("--help").stdout


def test_the_parser_options_reach_the_parser_from_the_command_line(tmp_path):
    """GOVREPORTS_LIMIT_TEXT_MB is read by the command line and passed in: the parser obeys it."""
    normal = json.loads(_run("parse", "--figures", str(SAMPLE)).stdout)
    small = json.loads(_run("parse", "--figures", str(SAMPLE), env={"GOVREPORTS_LIMIT_TEXT_MB": "0.001"}).stdout)
    assert normal["status"] != "over_limit"
    assert small["status"] == "over_limit" and "GOVREPORTS_LIMIT_TEXT_MB" in small["reasons"][0]


def test_the_pdf_engine_reaches_the_pdf_reader():
    """parse_document(pdf_engine=...) is what chooses the engine (an engine that does not exist
    makes the PDF unreadable, with the reason)."""
    from parsers import parse_document

    pdf = next((ROOT / "samples/office").glob("*.pdf"))
    r = parse_document(pdf.read_bytes(), "application/pdf", pdf_engine="no-such-engine")
    assert r.status == "unreadable" and "no PDF engine 'no-such-engine'" in r.reasons[0]


def test_ingest_stores_into_the_configured_archive_with_the_configured_limits(tmp_path):
    """`govreports ingest` takes GOVREPORTS_ARCHIVE and the limits from the configuration, also in
    its worker processes (--workers 2)."""
    from sqlalchemy import text

    from storage.db import make_engine

    docs = tmp_path / "docs"
    docs.mkdir()
    for name in sorted(p.name for p in (ROOT / "samples/reports").glob("*.txt"))[:3]:
        (docs / name).write_bytes((ROOT / "samples/reports" / name).read_bytes())
    db, archive = tmp_path / "i.db", tmp_path / "elsewhere"
    p = _run("--db", f"sqlite:///{db}", "ingest", "--no-progress", "--workers", "2", str(docs),
             env={"GOVREPORTS_ARCHIVE": str(archive), "GOVREPORTS_LIMIT_TEXT_MB": "0.001"})
    assert p.returncode == 0, p.stderr
    assert len([f for f in archive.rglob("*") if f.is_file()]) == 3 and not (tmp_path / "archive").exists()
    with make_engine(f"sqlite:///{db}").connect() as conn:
        statuses = conn.execute(text("SELECT status FROM documents")).scalars().all()
    assert statuses == ["over_limit"] * 3


def test_a_crawls_parse_workers_get_the_options_and_the_archive(tmp_path):
    """The processor hands the configuration's parser options and archive to its worker
    processes (crawler.worker.init): a bound set there is the bound a worker parses with."""
    from crawler.processor import make_processor
    from parsers import Limits

    db = f"sqlite:///{tmp_path / 'w.db'}"
    item = {"body": SAMPLE.read_bytes(), "url": "http://127.0.0.1:9/a.txt", "content_type": "text/plain"}
    processor = make_processor(db=db, workers=1, archive=str(tmp_path / "worker-archive"),
                               parse_options={"limits": Limits(text_bytes=1000), "pdf_engine": "pdfium"})
    try:
        res = asyncio.run(processor.process(item))
    finally:
        processor.shutdown()
    assert res["status"] == "over_limit"
    assert [f.name for f in (tmp_path / "worker-archive").rglob("*") if f.is_file()] != []
    assert not (tmp_path / "archive").exists()
