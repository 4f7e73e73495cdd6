"""Gold tests: the parser against documents whose figures were checked by hand (GOLD.md).

Seeds (samples/reports) must be perfect.  The shared corpus must reach 99% of cells with no
silent error: a wrong number nobody is warned about is the worst outcome.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from parsers import parse_document
from parsers.cli import content_type_for
from parsers.evaluate import pairs, score, summary_line
from parsers.metadata import same_body
from parsers.record import NEEDS_REVIEW, STATUSES, TABLES

SEED_NAMES = ["000_e865654a7cdf3aef", "001_4b9b066e761ef3f1", "002_1470c6164cb70c53",
              "003_1ccb1d8209286b28", "004_b949586da4e36afb"]
SUMMARY = re.compile(r"^cells (\d+)/(\d+) \((\d+\.\d{2})%\) · reports exact (\d+)/(\d+) · "
                     r"silent errors (\d+) · flagged (\d+)$")


def _run(folder: Path):
    """Parse every document/gold pair of a folder, as `govreports eval` does."""
    out = []
    for doc, gold_path in pairs(folder):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        report = parse_document(doc.read_bytes(), content_type_for(doc), doc.name)
        out.append((doc, gold, report, score(report, gold, doc.name)))
    return out


@pytest.fixture(scope="module")
def seed_results(samples_dir):
    return _run(samples_dir)


@pytest.fixture(scope="module")
def corpus_results(corpus_dir):
    return _run(corpus_dir)


# ----------------------------------------------------------------------------- seeds

def test_seed_pairs_are_all_found(seed_results):
    assert sorted(doc.stem for doc, *_ in seed_results) == SEED_NAMES


@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_every_cell_correct(seed_results, name):
    doc, gold, report, s = next(r for r in seed_results if r[0].stem == name)
    assert report.status in STATUSES
    assert not s.wrong, f"{name}: wrong cells:\n" + "\n".join(s.wrong)
    assert s.correct == s.cells
    assert s.year_ok, f"{name}: year {report.year}, gold {gold['year']}"
    assert s.template_ok, f"{name}: template {report.template}, gold {gold['template']}"
    assert s.exact
    assert not s.silent_error


BLANK_ZEROS_SEED = "000_e865654a7cdf3aef"  # prints table 3's zeros as blank cells


@pytest.mark.parametrize("name", [n for n in SEED_NAMES if not n.startswith("003") and n != BLANK_ZEROS_SEED])
def test_seed_with_tables_is_ok_and_complete(seed_results, name):
    """Complete seeds with consistent tables: every gold cell counted, status ok, no error finding."""
    doc, gold, report, s = next(r for r in seed_results if r[0].stem == name)
    gold_cells = sum(len(v) for t in ("table2", "table3") for v in gold["truth"][t].values())
    gold_cells += len(gold["truth"]["table4"])
    assert s.cells == gold_cells
    errors = [f for f in report.findings if f.severity == "error"]
    assert report.status == "ok", (report.status, report.reasons, errors)
    # The figures the report gives are the gold's, row for row (no extra rows invented).
    figs = report.figures()
    for table in ("table2", "table3"):
        assert set(figs[table]) == set(gold["truth"][table]), table
    assert len(figs["table4"]) == 15


def test_seed_with_blank_cells_in_its_arithmetic_needs_review(seed_results):
    """Seed 000 prints table 3's zeros as blanks: its arithmetic cannot be checked (blank is not zero),
    so the report needs review — with every figure right, and the findings saying the rules would
    hold if the blanks were zeros, and nothing else wrong."""
    doc, gold, report, s = next(r for r in seed_results if r[0].stem == BLANK_ZEROS_SEED)
    assert s.exact and report.status == NEEDS_REVIEW
    errors = [f for f in report.findings if f.severity == "error"]
    assert errors and {f.rule for f in errors} == {"check.unverifiable"}
    assert all("they hold if the blank cells are zeros" in f.message for f in errors), errors[0].message
    assert {f.table for f in errors} == {"table3"}


def test_seed_003_reported_as_missing_its_tables(seed_results):
    doc, gold, report, s = next(r for r in seed_results if r[0].stem.startswith("003"))
    assert all(gold["truth"][t] is None for t in TABLES)  # the gold says so too
    assert report.status == NEEDS_REVIEW
    assert all(report.tables[t] is None for t in TABLES), report.tables
    assert report.figures() == {"table2": None, "table3": None, "table4": None}
    assert any("missing" in r for r in report.reasons), report.reasons
    assert report.year == gold["year"]


def test_seeds_summary(seed_results):
    scores = [s for *_, s in seed_results]
    line = summary_line(scores)
    m = SUMMARY.match(line)
    assert m, line
    correct, cells, pct, exact, n, silent, flagged = m.groups()
    assert int(cells) > 700 and correct == cells and pct == "100.00"
    assert exact == n == "5"
    assert silent == "0"
    assert flagged == "2"  # seed 003 has no tables; seed 000's arithmetic cannot be checked (blanks)


# ----------------------------------------------------------------------------- corpus

def test_corpus_at_least_99_percent_cells_and_no_silent_error(corpus_results):
    scores = [s for *_, s in corpus_results]
    assert len(scores) >= 16
    cells = sum(s.cells for s in scores)
    correct = sum(s.correct for s in scores)
    silent = [s.name for s in scores if s.silent_error]
    detail = "\n".join(f"{s.name}: {s.correct}/{s.cells}" + ("  SILENT" if s.silent_error else "")
                       for s in scores if s.wrong)
    assert not silent, f"silent errors in {silent}\n{detail}"
    assert correct >= 0.99 * cells, f"{summary_line(scores)}\n{detail}"


@pytest.mark.parametrize("stem", [
    "longgang-dept-2024-partial", "pingtan-2018", "pingtan-2019-textdump", "pingtan-2019",
    "pingtan-2021-textdump", "pingtan-2021", "pingtan-2023-textdump", "pingtan-2023",
    "pingtan-2025-textdump", "pingtan-2025", "shanghai-office-2019", "shanghai-stc-2024-pdftext",
    "township-2023-partial", "weishan-liangcheng-2020-partial", "wuhan-eeb-2020-traditional-partial",
    "xixian-taiping-2022-partial",
])
def test_corpus_document_never_silently_wrong(corpus_results, stem):
    """Per document: a wrong or invented cell is only acceptable when the report is flagged."""
    doc, gold, report, s = next(r for r in corpus_results if r[0].stem == stem)
    assert report.status in STATUSES
    if s.wrong:
        assert report.status != "ok", f"{stem}: wrong cells in an 'ok' report:\n" + "\n".join(s.wrong[:20])
    if not gold.get("complete", True):
        # A partial excerpt lacks rows or tables: it may never pass as a complete, checked report.
        assert report.status != "ok", f"{stem}: a partial page reported ok"
    assert s.year_ok, f"{stem}: year {report.year}, gold {gold['year']}"
    assert s.template_ok, f"{stem}: template {report.template}, gold {gold['template']}"


def test_corpus_pre_template_report_gives_no_figures(corpus_results):
    doc, gold, report, s = next(r for r in corpus_results if r[0].stem == "pingtan-2018")
    assert report.template in (None, "2016")  # its statistics table, on the older form, is read as such
    assert report.status != "ok"
    assert all(not report.tables.get(t) for t in TABLES)


@pytest.mark.parametrize("stem", ["pingtan-2019", "pingtan-2021", "pingtan-2023", "pingtan-2025",
                                  "shanghai-office-2019"])
def test_corpus_html_pages_exact(corpus_results, stem):
    """The full HTML pages (chrome, Word-pasted tables) are read exactly."""
    doc, gold, report, s = next(r for r in corpus_results if r[0].stem == stem)
    assert not s.wrong, "\n".join(s.wrong[:20])
    assert s.exact
    # The agency is read from the page (title or metadata) and names the gold's body (平潭综合实验区
    # 党工委管委会 and 平潭综合实验区管委会 are one body).
    assert report.agency, f"agency not read from title {report.title!r}"
    assert same_body(report.agency, gold["agency"]), (report.agency, gold["agency"])


# ----------------------------------------------------------------------------- the command

def _govreports_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "govreports"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("govreports")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys, govreports_cli; sys.exit(govreports_cli.main())"]


def test_govreports_eval_command_last_line(samples_dir, seed_results, tmp_path):
    proc = subprocess.run(_govreports_cmd() + ["eval", str(samples_dir)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    last = lines[-1]
    m = SUMMARY.match(last)
    assert m, f"last line has not the documented shape: {last!r}"
    # The command's numbers are those the evaluation functions compute.
    assert last == summary_line([s for *_, s in seed_results])
    correct, cells, pct, exact, n, silent, flagged = m.groups()
    assert correct == cells and exact == n == "5" and silent == "0"
    # One line per document before the summary.
    for name in SEED_NAMES:
        assert any(ln.startswith(name) for ln in lines[:-1]), name


def test_govreports_eval_command_rejects_a_folder_without_pairs(tmp_path):
    (tmp_path / "lonely.txt").write_text("no gold beside me", encoding="utf-8")
    proc = subprocess.run(_govreports_cmd() + ["eval", str(tmp_path)], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert proc.returncode != 0
    assert "no document/gold pairs" in proc.stderr


def test_a_gold_may_name_its_document_kept_elsewhere(tmp_path):
    """A gold file of one folder scores a document kept in another (its "document" field, relative
    to the gold's folder); one naming a document that is not there is said so, never skipped quietly."""
    here, there = tmp_path / "golds", tmp_path / "elsewhere"
    here.mkdir(), there.mkdir()
    seed = sorted((Path(__file__).resolve().parents[1] / "samples" / "reports").glob("*.json"))[0]
    (there / "page.txt").write_bytes(seed.with_suffix(".txt").read_bytes())
    gold = json.loads(seed.read_text(encoding="utf-8"))
    (here / "kept-elsewhere.json").write_text(json.dumps(gold | {"document": "../elsewhere/page.txt"}), encoding="utf-8")
    assert pairs(here) == [(here / "../elsewhere/page.txt", here / "kept-elsewhere.json")]
    proc = subprocess.run(_govreports_cmd() + ["eval", str(here)], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("kept-elsewhere = ") and "silent errors 0" in proc.stdout
    (here / "gone.json").write_text(json.dumps(gold | {"document": "../elsewhere/gone.txt"}), encoding="utf-8")
    proc = subprocess.run(_govreports_cmd() + ["eval", str(here)], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 1 and "gone.json names the document" in proc.stderr and "not scored" in proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith("cells ")  # the others are still scored


# ----------------------------------------------------------------------------- held out

HELDOUT = Path(__file__).resolve().parent / "data" / "heldout"


def test_held_out_real_excerpts_meet_the_target():
    """Real report excerpts not in shared/ (gold by reading the printed text; sources in each
    gold's note): >= 99.5 % of cells and not one silent error, as the issue's unseen sets ask."""
    results = _run(HELDOUT)
    assert len(results) >= 21
    scores = [s for *_, s in results]
    cells, correct = sum(s.cells for s in scores), sum(s.correct for s in scores)
    assert not [s.name for s in scores if s.silent_error], summary_line(scores)
    assert correct >= 0.995 * cells, summary_line(scores)
    for doc, gold, report, s in results:
        if s.wrong:
            assert report.status == NEEDS_REVIEW, (doc.name, s.wrong)
