"""The example questions of docs/dataset.md, as SQL that runs unchanged on SQLite and PostgreSQL.
The benchmark times each of them at 100,000 reports; a test runs each through `govreports query`
on both backends and checks that docs/dataset.md prints them as they are here."""
from __future__ import annotations

EXAMPLES: list[tuple[str, str]] = [
    (
        "How many applications did each county's bodies receive per year?",
        """SELECT r.region_code, g.name AS region, r.year, COUNT(*) AS reports,
       SUM(a.new_received) AS applications
FROM reports r
JOIN application_totals a ON a.report_id = r.id
LEFT JOIN regions g ON g.code = r.region_code
GROUP BY r.region_code, g.name, r.year
ORDER BY r.region_code, r.year
LIMIT 20""",
    ),
    (
        "What share of handled applications was refused (不予公开), per year?",
        """SELECT r.year, COUNT(*) AS reports, SUM(a.total) AS handled, SUM(a.denied) AS refused,
       ROUND(CAST(100.0 * SUM(a.denied) / NULLIF(SUM(a.total), 0) AS NUMERIC), 1) AS pct_refused
FROM reports r JOIN application_totals a ON a.report_id = r.id
GROUP BY r.year ORDER BY r.year""",
    ),
    (
        "Which bodies' reports do not add up? (table 3, total column: new + carried over = "
        "handled + carried forward; handled = the sum of the result rows)",
        """SELECT r.agency, r.year, a.new_received + a.carried_over AS received,
       a.total + a.carried_forward AS accounted_for, a.total AS handled,
       COALESCE(a.granted, 0) + COALESCE(a.partially_granted, 0) + COALESCE(a.denied, 0)
         + COALESCE(a.unavailable, 0) + COALESCE(a.not_processed, 0)
         + COALESCE(a.other_handling, 0) AS sum_of_results
FROM reports r JOIN application_totals a ON a.report_id = r.id
WHERE a.new_received + a.carried_over <> a.total + a.carried_forward
   OR a.total <> COALESCE(a.granted, 0) + COALESCE(a.partially_granted, 0) + COALESCE(a.denied, 0)
        + COALESCE(a.unavailable, 0) + COALESCE(a.not_processed, 0) + COALESCE(a.other_handling, 0)
ORDER BY r.agency, r.year
LIMIT 20""",
    ),
    (
        "Which checks fail most often, and in how many reports?",
        """SELECT f.rule, COUNT(DISTINCT r.id) AS reports, COUNT(*) AS findings
FROM reports r JOIN findings f ON f.report_id = r.id
WHERE f.severity = 'error'
GROUP BY f.rule ORDER BY reports DESC, f.rule
LIMIT 20""",
    ),
    (
        "Whose carried-forward figure does not match next year's carried-over figure?",
        """SELECT prev.body, prev.year, a.carried_forward, nxt.year AS next_year,
       b.carried_over AS next_carried_over
FROM reports prev
JOIN reports nxt ON nxt.body = prev.body AND nxt.year = prev.year + 1
JOIN application_totals a ON a.report_id = prev.id
JOIN application_totals b ON b.report_id = nxt.id
WHERE a.carried_forward <> b.carried_over
ORDER BY prev.body, prev.year
LIMIT 20""",
    ),
    (
        "Money in the 2019 reports, as printed and normalised to 万元 (fees and procurement)",
        """SELECT r.agency, f.row_key, f.text, f.number, f.unit, f.amount_wan, f.ambiguous
FROM reports r JOIN figures f ON f.report_id = r.id AND f.table_name = 'table2'
  AND f.row_key IN ('fees', 'procurement') AND f.col_key = 'amount'
WHERE r.year = 2019 AND f.unit IS NOT NULL
ORDER BY f.amount_wan DESC, r.agency
LIMIT 20""",
    ),
    (
        "Which reports were published more than once, and what changed between versions?",
        """SELECT v.body, v.year, v.version, v.is_latest, v.status, v.parser_version, a.new_received
FROM report_versions v
LEFT JOIN application_totals a ON a.report_id = v.id
WHERE v.report_key IN (SELECT report_key FROM report_versions WHERE version > 1)
ORDER BY v.body, v.year, v.version
LIMIT 20""",
    ),
    (
        "Table 3 of one report, in printed order, as the familiar wide table",
        """SELECT t.row_key, t.natural_person, t.commercial, t.research, t.social_org,
       t.legal_service, t.other, t.total
FROM reports r JOIN table3_wide t ON t.report_id = r.id
WHERE r.agency = '平潭综合实验区' AND r.year = 2021
ORDER BY t.row_pos""",
    ),
    (
        "Applications received and administrative reviews per year, from 2016 on (the older "
        "statistics and the national tables side by side)",
        """SELECT r.year,
       COUNT(s.report_id) AS reports_2016_form, COUNT(a.report_id) AS reports_national,
       SUM(COALESCE(s.requests_received, a.new_received)) AS applications,
       SUM(COALESCE(s.review_total, t4.review_total)) AS reviews
FROM reports r
LEFT JOIN stats_wide s ON s.report_id = r.id
LEFT JOIN application_totals a ON a.report_id = r.id
LEFT JOIN table4_wide t4 ON t4.report_id = r.id
WHERE r.year >= 2016 AND (s.report_id IS NOT NULL OR a.report_id IS NOT NULL)
GROUP BY r.year ORDER BY r.year""",
    ),
]
