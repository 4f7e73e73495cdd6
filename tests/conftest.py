"""Shared fixtures: where the sample reports and the shared reference material live.

CI runs in a fresh clone with the shared folder beside the repository (``<repo>/../shared``);
``GOVREPORTS_SHARED`` overrides that.  Tests that need shared material skip, with the reason
shown, when it is absent.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "reports"
SHARED = Path(os.environ.get("GOVREPORTS_SHARED") or (REPO.parent / "shared")).resolve()
CORPUS = SHARED / "corpus"
FORMAT = SHARED / "format"


def _need(path: Path, what: str) -> Path:
    if not path.is_dir():
        pytest.skip(f"{what} not found at {path} (shared/ must sit beside the repository, "
                    f"or set GOVREPORTS_SHARED)")
    return path


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """samples/reports: the five seed reports with their gold files (part of the repository)."""
    assert SAMPLES.is_dir(), f"{SAMPLES} is missing from the repository"
    return SAMPLES


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return _need(SHARED, "shared reference folder")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """../shared/corpus: real report pages and text dumps with gold files."""
    return _need(CORPUS, "shared corpus")
