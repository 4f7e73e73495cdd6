"""Table 3's total column summed up per report (the `application_totals` table).

Derived from the stored figures at write time, because answering "how many applications, how many
refused" from 26 cells x every report on each query is too slow at national scale. The printed
figures stay the source: reparse and every write recompute these rows from them.
"""
from __future__ import annotations

SINGLE = ("new_received", "carried_over", "granted", "partially_granted", "total", "carried_forward")
GROUPS = {
    "denied": ("denied_state_secret", "denied_law_forbidden", "denied_three_safeties", "denied_third_party",
               "denied_internal_affairs", "denied_process_info", "denied_enforcement_file",
               "denied_admin_query"),
    "unavailable": ("unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear"),
    "not_processed": ("not_processed_complaint", "not_processed_repeat", "not_processed_publication",
                      "not_processed_massive", "not_processed_confirm"),
    "other_handling": ("other", "other_overdue_correction", "other_overdue_fee", "other_other"),
}
ROW_KEYS = SINGLE + tuple(k for keys in GROUPS.values() for k in keys)


def application_totals(cells) -> dict | None:
    """The totals row from one report's (table_name, row_key, col_key, number) cells, None when
    table 3 has no total column. A group is None when none of its cells holds a number (blank is
    not zero)."""
    numbers = {row: number for table, row, col_key, number in cells
               if table == "table3" and col_key == "total" and row in ROW_KEYS}
    if not numbers:
        return None
    out: dict = {k: numbers.get(k) for k in SINGLE}
    for name, keys in GROUPS.items():
        present = [numbers[k] for k in keys if numbers.get(k) is not None]
        out[name] = sum(present) if present else None
    return out


def fill_sql(where: str = "") -> str:
    """INSERT ... SELECT recomputing the rows from figures (used by migrations and bulk loads)."""
    def _in(keys):
        return "(" + ", ".join(f"'{k}'" for k in keys) + ")"

    cols = [f"MAX(CASE WHEN row_key = '{k}' THEN number END)" for k in SINGLE]
    cols += [f"SUM(CASE WHEN row_key IN {_in(keys)} THEN number END)" for keys in GROUPS.values()]
    names = ", ".join(SINGLE + tuple(GROUPS))
    return (f"INSERT INTO application_totals (report_id, {names}) SELECT report_id, {', '.join(cols)} "
            f"FROM figures WHERE table_name = 'table3' AND col_key = 'total' AND row_key IN {_in(ROW_KEYS)}"
            f"{' AND ' + where if where else ''} GROUP BY report_id")
