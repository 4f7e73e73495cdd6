"""Save the sample portal's static list pages (every list markup and every pager form, on sites of
different families) as files with what a reader must find on each, for the saved-page unit tests
(tests/test_list_readers.py, tests/data/lists/variants).

    python -m samples.portal.saved tests/data/lists/variants

A test checks that the committed files are what the portal serves (regenerate after changing it).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .server import Portal

BASE = "http://127.0.0.1:8800"


def saved_pages(portal: Portal | None = None) -> tuple[dict[str, bytes], dict]:
    """(file name -> bytes, truth) of the first page of every static column, and of the second
    page where only a 下一页 link leads on."""
    portal = portal or Portal()
    files, truth = {}, {}
    for path, info in portal.list_info.items():
        if info["n"] != 0 and info["pager"] != "next_only":
            continue
        name = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-")
        name = name if name.endswith((".html", ".htm")) else name + ".html"
        files[name] = portal.pages[path].body
        absolute = [BASE + p for p in info["reports"]]
        truth[name] = {
            "url": BASE + path, "column": BASE + info["column"], "family": info["family"], "site": info["site"],
            "markup": info["markup"], "pager": info["pager"], "entries": absolute, "offsite_reports": [],
            "skipped": [BASE + p for p in info["others"]], "subcolumns": [BASE + p for p in info["subcolumns"]],
            "pages": [BASE + p for p in info["pages"]], "declared_records": info["declared_records"],
            "declared_pages": info["declared_pages"]}
    return files, truth


def write(folder: str | Path) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files, truth = saved_pages()
    for old in folder.glob("*.htm*"):
        old.unlink()
    for name, body in files.items():
        (folder / name).write_bytes(body)
    (folder / "truth.json").write_text(json.dumps({"about": __doc__.split("\n\n")[0], "pages": truth},
                                                  ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write(sys.argv[1] if len(sys.argv) > 1 else "tests/data/lists/variants")
