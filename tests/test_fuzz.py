"""The fuzz entry point (tests/fuzz_parse.py) in small: mutated real documents through
parse_document and the ingest path, every invariant checked; and hypothesis over raw bytes.
The large run (100,000 inputs) is `python tests/fuzz_parse.py --inputs 100000 --jobs 2`."""
from __future__ import annotations

import fuzz_parse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import STATUSES, parse_document


def test_a_small_fuzz_run_breaks_no_invariant(tmp_path):
    result = fuzz_parse.run(inputs=60, jobs=1, seed=20261202, ingest_every=10, out_dir=str(tmp_path),
                            chunk_size=60, time_slack=60.0)
    assert result["inputs"] == 60 and result["ingested"] == 6
    assert len(result["statuses"]) >= 3  # the mutations reach several outcomes, not one error path
    assert not result["failures"], result["failures"][:3]


def test_the_oracle_catches_a_figure_that_is_not_printed():
    from parsers.record import Cell, Report

    data = "新收政府信息公开申请数量 5 其他 12".encode()
    def report(number, text):
        cell = Cell("table3", "new_received", 6, "total", text, number, "number")
        return Report("needs_review", tables={"table3": {"new_received": [cell]}})

    assert not fuzz_parse.problems_of(report(5, "5"), data, "text/plain", fuzz_parse.document_text(data, None, "text"))
    wrong = fuzz_parse.problems_of(report(7, "5"), data, "text/plain", None)
    assert any("not printed" in p for p in wrong)
    absent = fuzz_parse.problems_of(report(40, "40"), data, "text/plain", fuzz_parse.document_text(data, None, "text"))
    assert any("not in the document" in p for p in absent)
    damaged = Report("ok", tables={"table3": {"new_received": [Cell("table3", "new_received", 6, "total", "2*", None,
                                                                    "unreadable")]}})
    assert any("ok over" in p for p in fuzz_parse.problems_of(damaged, data, "text/plain", None))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000), st.sampled_from([None, "text/html", "text/plain", "application/pdf"]))
def test_random_bytes_never_raise_and_are_never_ok(data, ctype):
    report = parse_document(data, ctype)
    assert report.status in STATUSES and report.status != "ok"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("<>/tdrable 0123456789,.?约—年报告表\n\t&;#x")), max_size=2000))
def test_markup_soup_never_raises(text):
    report = parse_document(text.encode("utf-8"), "text/html")
    assert report.status in STATUSES
    assert not fuzz_parse.problems_of(report, text.encode(), "text/html", None)
