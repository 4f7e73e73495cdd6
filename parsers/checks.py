"""The template's own arithmetic (勾稽关系), recorded as findings. A finding never changes a figure."""
from __future__ import annotations

from .record import NUMBER, ZERO, Cell, Finding
from .templates import TABLE3_COLUMNS, TABLE4_BLOCKS, Template

_TOL = 1e-6


def _n(cell: Cell | None):
    if cell is None or cell.kind not in (NUMBER, ZERO) or cell.number is None:
        return None
    return cell.number


def _col(rows: dict[str, list[Cell]], key: str, col: int):
    cells = rows.get(key)
    if not cells or col >= len(cells):
        return None
    return _n(cells[col])


def check_table3(rows: dict[str, list[Cell]], template: Template) -> list[Finding]:
    out: list[Finding] = []
    # Rule 3: every row's total column is the sum of the six applicant columns.
    for key, cells in rows.items():
        nums = [_n(c) for c in cells]
        if len(nums) == 7 and None not in nums and abs(sum(nums[:6]) - nums[6]) > _TOL:
            out.append(Finding("t3.row_total", f"{key}: the six applicant columns add up to {sum(nums[:6]):g}, "
                               f"总计 prints {nums[6]:g}", "table3", key, "total", sum(nums[:6]), nums[6]))
    for col, col_key in enumerate(TABLE3_COLUMNS):
        # Rule 1: new + carried over = total + carried forward.
        a, b = _col(rows, "new_received", col), _col(rows, "carried_over", col)
        t, f = _col(rows, "total", col), _col(rows, "carried_forward", col)
        if None not in (a, b, t, f) and abs(a + b - t - f) > _TOL:
            out.append(Finding("t3.col_balance", f"{col_key}: new + carried over = {a + b:g} but total + carried "
                               f"forward = {t + f:g}", "table3", None, col_key, a + b, t + f))
        # Rule 2: total = sum of the result rows.
        result_rows = template.results_of(rows)
        parts = [_col(rows, k, col) for k in result_rows]
        if t is not None and all(k in rows for k in result_rows) and None not in parts:
            if abs(sum(parts) - t) > _TOL:
                out.append(Finding("t3.results_total", f"{col_key}: result rows add up to {sum(parts):g}, "
                                   f"(七)总计 prints {t:g}", "table3", "total", col_key, sum(parts), t))
    return out


def check_table4(rows: dict[str, list[Cell]]) -> list[Finding]:
    out: list[Finding] = []
    # Rule 4: in each block, total = upheld + corrected + other + pending.
    for block in TABLE4_BLOCKS:
        nums = [_n(c) for c in rows.get(block, [])]
        if len(nums) == 5 and None not in nums and abs(sum(nums[:4]) - nums[4]) > _TOL:
            out.append(Finding("t4.block_total", f"{block}: results add up to {sum(nums[:4]):g}, 总计 prints "
                               f"{nums[4]:g}", "table4", block, "total", sum(nums[:4]), nums[4]))
    return out


def run_checks(tables: dict, template: Template) -> list[Finding]:
    findings: list[Finding] = []
    if tables.get("table3"):
        findings += check_table3(tables["table3"], template)
    if tables.get("table4"):
        findings += check_table4(tables["table4"])
    return findings
