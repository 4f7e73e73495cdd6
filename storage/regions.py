"""GB/T 2260 regions: the committed seed list, and parents derived from the code itself."""
from __future__ import annotations

from pathlib import Path

SEED_FILE = Path(__file__).with_name("gb2260_regions.txt")


def level_of(code: str) -> int:
    if code.endswith("0000"):
        return 1
    if code.endswith("00"):
        return 2
    return 3


def parent_of(code: str) -> str | None:
    """350128 -> 350100 -> 350000 -> None.  Municipalities' counties (110105) skip to the province
    when no prefecture code exists; callers insert the parent chain first."""
    level = level_of(code)
    if level == 1:
        return None
    if level == 2:
        return code[:2] + "0000"
    return code[:4] + "00"


def seed_rows() -> list[dict]:
    rows = []
    for line in SEED_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, name = line.split("\t")
        rows.append({"code": code, "name": name, "parent_code": parent_of(code), "level": level_of(code)})
    return rows


def is_region_code(code: str | None) -> bool:
    return bool(code) and len(code) == 6 and code.isdigit() and code[:2] != "00"
