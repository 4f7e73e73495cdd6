"""Errors are typed under one root per package (crawler.errors, storage.errors, parsers.errors),
with messages that say what to do: no package raises a bare ValueError, RuntimeError or
LookupError that a caller could only catch together with every other bug's."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from crawler import errors as crawler_errors
from parsers import errors as parser_errors
from storage import errors as storage_errors

ROOT = Path(__file__).resolve().parents[1]
# what a caller must be able to tell apart from a bug; TypeError (a caller's programming error),
# KeyError of a mapping's own lookup and OSError's family keep their built-in meaning
UNTYPED = {"Exception", "ValueError", "RuntimeError", "LookupError"}


def _raised_builtins(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id in UNTYPED:
                found.append(f"{path.relative_to(root)}:{node.lineno} {exc.id}")
    return found


def test_no_package_raises_an_untyped_error():
    found = [hit for package in ("crawler", "parsers", "storage")
             for path in sorted((ROOT / package).rglob("*.py")) for hit in _raised_builtins(path)]
    assert found == []


def test_the_checker_sees_an_untyped_raise(tmp_path):
    """The scan above is not vacuous: a module raising ValueError is found."""
    (tmp_path / "m.py").write_text("def f():\n    raise ValueError('x')\n")
    assert _raised_builtins(tmp_path / "m.py", tmp_path) == ["m.py:2 ValueError"]


@pytest.mark.parametrize("module, root", [(crawler_errors, crawler_errors.CrawlerError),
                                          (storage_errors, storage_errors.StorageError),
                                          (parser_errors, parser_errors.ParserError)])
def test_every_error_of_a_package_is_under_its_root(module, root):
    classes = [v for v in vars(module).values()
               if isinstance(v, type) and issubclass(v, BaseException) and v.__module__ == module.__name__]
    assert len(classes) > 3
    assert all(issubclass(c, root) for c in classes), [c.__name__ for c in classes if not issubclass(c, root)]


def test_a_spider_without_its_site_says_which_arguments_to_give():
    from crawler.spiders.column import ColumnSpider

    with pytest.raises(crawler_errors.SpiderArguments, match="-a site=NAME"):
        ColumnSpider()


def test_a_spider_of_an_unknown_site_names_it():
    from crawler.spiders.column import ColumnSpider

    with pytest.raises(crawler_errors.RegistryError, match="unknown site.*nosuchsite"):
        ColumnSpider(site="nosuchsite", base_url="http://127.0.0.1:9")


def test_an_unknown_family_is_a_registry_error():
    from crawler.families import family_named

    with pytest.raises(crawler_errors.RegistryError, match="unknown family 'nope'.*known: "):
        family_named("nope")


def test_caps_below_one_name_the_settings():
    from scrapy.settings import Settings

    from crawler.caps import Caps

    with pytest.raises(crawler_errors.BadSetting, match="GOVREPORTS_MAX_LIST_PAGES"):
        Caps.from_settings(Settings({"GOVREPORTS_MAX_LIST_PAGES": 0}))


def test_a_parse_queue_of_another_database_names_the_document(tmp_path):
    from storage.ingest import Store

    store = Store.open(f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "archive")
    with pytest.raises(storage_errors.DocumentNotFound, match="no document 12345 .*--db"):
        store.parse_recorded(12345)


def test_a_bad_role_name_says_what_a_name_may_hold():
    from storage.reader import check_role_name

    with pytest.raises(storage_errors.BadRoleName, match="lower-case letters"):
        check_role_name("Robert'); DROP")


def test_an_unknown_pdf_engine_lists_the_engines():
    from parsers.layouts.pdf_objects import read_pages

    with pytest.raises(parser_errors.UnknownPdfEngine, match="pdfium"):
        read_pages(b"%PDF-1.4", engine="nope")
