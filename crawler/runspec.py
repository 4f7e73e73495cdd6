"""What a recorded run is (crawler.ledger): its mode and the arguments that name it.

A resumed run must have the same arguments as the run it continues. Kept apart from Scrapy so
that `govreports crawl` can hand the run to its parse workers before it loads Scrapy: the run
is recorded (and the ledger read) while the crawler starts, not after.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from .errors import NoSiteSelected
from .registry import DEFAULT_REGISTRY, load_registry, select_sites


class RunSpec(NamedTuple):
    mode: str  # "full", "nightly" or "backfill"
    arguments: dict
    resume: bool  # continue an interrupted run with the same arguments


def run_spec(*, nightly: bool = False, resume: bool = True, **kw) -> RunSpec | None:
    """The run a crawl with run_crawl's keyword arguments `kw` records; None for a crawl that is
    not recorded (download-only, or no database). NoSiteSelected when no site matches the
    selection: nothing would be crawled, so no run is recorded."""
    if kw.get("mode", "full") not in ("full", "record") or not kw.get("db"):
        return None
    registry = kw.get("registry") or DEFAULT_REGISTRY
    if not select_sites(load_registry(registry, kw.get("base_url")), kw.get("sites"), kw.get("region")):
        asked = ", ".join(f"{k} {kw[k]}" for k in ("sites", "region") if kw.get(k))
        raise NoSiteSelected(f"no site of {registry} matches the selection ({asked})")
    mode = "nightly" if nightly else ("backfill" if kw.get("region") or kw.get("year") else "full")
    arguments = {"mode": mode, "registry": str(Path(registry).resolve()),
                 "base_url": kw.get("base_url"), "sites": sorted(kw.get("sites") or []) or None,
                 "region": kw.get("region"), "year": kw.get("year")}
    return RunSpec(mode, arguments, resume)
