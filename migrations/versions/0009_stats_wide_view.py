"""stats_wide: template 2016's statistics (政府信息公开情况统计表) as one row per report

Reports of 2016-2018 store their statistics as figures of table 'stats' (one row key per item,
col_key 'value' the year's figure, 'cumulative' the 历年累计 where the form prints it).  This view
gives them as the national tables have theirs: one row per report version, column `<item>` the
year's figure and `<item>_cumulative` the cumulative one, numbers only (text stays in figures).
Anchored on the report and built of scalar subqueries on the figures' primary key, like the wide
views of 0003, so that a join reaches into it.

The SELECT below is storage.views.wide_view_sql() of template 2016's table at this revision,
frozen (tests check it is still what the template asks for; a change of the template's rows
needs a migration that recreates the view).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 02:55:00
"""
from __future__ import annotations

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

VIEWS = {
    "stats_wide": """
SELECT a.report_id,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'proactive_normative' AND c.col_key = 'value') AS proactive_normative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'proactive_normative' AND c.col_key = 'cumulative') AS proactive_normative_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'normative_issued' AND c.col_key = 'value') AS normative_issued,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'normative_issued' AND c.col_key = 'cumulative') AS normative_issued_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'via_gazette' AND c.col_key = 'value') AS via_gazette,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'via_gazette' AND c.col_key = 'cumulative') AS via_gazette_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'via_website' AND c.col_key = 'value') AS via_website,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'via_website' AND c.col_key = 'cumulative') AS via_website_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'via_weibo' AND c.col_key = 'value') AS via_weibo,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'via_weibo' AND c.col_key = 'cumulative') AS via_weibo_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'via_weixin' AND c.col_key = 'value') AS via_weixin,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'via_weixin' AND c.col_key = 'cumulative') AS via_weixin_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'proactive_total' AND c.col_key = 'value') AS proactive_total,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'proactive_total' AND c.col_key = 'cumulative') AS proactive_total_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'via_other' AND c.col_key = 'value') AS via_other,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'via_other' AND c.col_key = 'cumulative') AS via_other_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'press_conferences_leaders' AND c.col_key = 'value') AS press_conferences_leaders,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'press_conferences_leaders' AND c.col_key = 'cumulative') AS press_conferences_leaders_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'online_interviews_leaders' AND c.col_key = 'value') AS online_interviews_leaders,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'online_interviews_leaders' AND c.col_key = 'cumulative') AS online_interviews_leaders_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'press_conferences' AND c.col_key = 'value') AS press_conferences,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'press_conferences' AND c.col_key = 'cumulative') AS press_conferences_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'online_interviews' AND c.col_key = 'value') AS online_interviews,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'online_interviews' AND c.col_key = 'cumulative') AS online_interviews_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'interpretations' AND c.col_key = 'value') AS interpretations,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'interpretations' AND c.col_key = 'cumulative') AS interpretations_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'weibo_weixin_responses' AND c.col_key = 'value') AS weibo_weixin_responses,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'weibo_weixin_responses' AND c.col_key = 'cumulative') AS weibo_weixin_responses_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'responses_total' AND c.col_key = 'value') AS responses_total,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'responses_total' AND c.col_key = 'cumulative') AS responses_total_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'other_responses' AND c.col_key = 'value') AS other_responses,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'other_responses' AND c.col_key = 'cumulative') AS other_responses_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'requests_in_person' AND c.col_key = 'value') AS requests_in_person,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'requests_in_person' AND c.col_key = 'cumulative') AS requests_in_person_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'requests_fax' AND c.col_key = 'value') AS requests_fax,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'requests_fax' AND c.col_key = 'cumulative') AS requests_fax_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'requests_online' AND c.col_key = 'value') AS requests_online,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'requests_online' AND c.col_key = 'cumulative') AS requests_online_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'requests_letter' AND c.col_key = 'value') AS requests_letter,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'requests_letter' AND c.col_key = 'cumulative') AS requests_letter_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'requests_letter_fax' AND c.col_key = 'value') AS requests_letter_fax,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'requests_letter_fax' AND c.col_key = 'cumulative') AS requests_letter_fax_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'closed_on_time' AND c.col_key = 'value') AS closed_on_time,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'closed_on_time' AND c.col_key = 'cumulative') AS closed_on_time_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'closed_extended' AND c.col_key = 'value') AS closed_extended,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'closed_extended' AND c.col_key = 'cumulative') AS closed_extended_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'requests_closed' AND c.col_key = 'value') AS requests_closed,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'requests_closed' AND c.col_key = 'cumulative') AS requests_closed_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_already_public' AND c.col_key = 'value') AS reply_already_public,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_already_public' AND c.col_key = 'cumulative') AS reply_already_public_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_partial' AND c.col_key = 'value') AS reply_partial,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_partial' AND c.col_key = 'cumulative') AS reply_partial_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_denied' AND c.col_key = 'value') AS reply_denied,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_denied' AND c.col_key = 'cumulative') AS reply_denied_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_granted' AND c.col_key = 'value') AS reply_granted,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_granted' AND c.col_key = 'cumulative') AS reply_granted_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'denied_state_secret' AND c.col_key = 'value') AS denied_state_secret,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'denied_state_secret' AND c.col_key = 'cumulative') AS denied_state_secret_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'denied_commercial_secret' AND c.col_key = 'value') AS denied_commercial_secret,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'denied_commercial_secret' AND c.col_key = 'cumulative') AS denied_commercial_secret_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'denied_privacy' AND c.col_key = 'value') AS denied_privacy,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'denied_privacy' AND c.col_key = 'cumulative') AS denied_privacy_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'denied_security' AND c.col_key = 'value') AS denied_security,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'denied_security' AND c.col_key = 'cumulative') AS denied_security_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'denied_not_gov_info' AND c.col_key = 'value') AS denied_not_gov_info,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'denied_not_gov_info' AND c.col_key = 'cumulative') AS denied_not_gov_info_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'denied_other_law' AND c.col_key = 'value') AS denied_other_law,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'denied_other_law' AND c.col_key = 'cumulative') AS denied_other_law_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_not_this_body' AND c.col_key = 'value') AS reply_not_this_body,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_not_this_body' AND c.col_key = 'cumulative') AS reply_not_this_body_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_not_exist' AND c.col_key = 'value') AS reply_not_exist,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_not_exist' AND c.col_key = 'cumulative') AS reply_not_exist_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_correction' AND c.col_key = 'value') AS reply_correction,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_correction' AND c.col_key = 'cumulative') AS reply_correction_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_other_channel' AND c.col_key = 'value') AS reply_other_channel,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_other_channel' AND c.col_key = 'cumulative') AS reply_other_channel_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_other' AND c.col_key = 'value') AS reply_other,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reply_other' AND c.col_key = 'cumulative') AS reply_other_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'replies_total' AND c.col_key = 'value') AS replies_total,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'replies_total' AND c.col_key = 'cumulative') AS replies_total_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'requests_received' AND c.col_key = 'value') AS requests_received,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'requests_received' AND c.col_key = 'cumulative') AS requests_received_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'complaints' AND c.col_key = 'value') AS complaints,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'complaints' AND c.col_key = 'cumulative') AS complaints_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'review_upheld' AND c.col_key = 'value') AS review_upheld,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'review_upheld' AND c.col_key = 'cumulative') AS review_upheld_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'litigation_upheld' AND c.col_key = 'value') AS litigation_upheld,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'litigation_upheld' AND c.col_key = 'cumulative') AS litigation_upheld_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'review_total' AND c.col_key = 'value') AS review_total,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'review_total' AND c.col_key = 'cumulative') AS review_total_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'litigation_total' AND c.col_key = 'value') AS litigation_total,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'litigation_total' AND c.col_key = 'cumulative') AS litigation_total_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'fees' AND c.col_key = 'value') AS fees,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'fees' AND c.col_key = 'cumulative') AS fees_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'offices' AND c.col_key = 'value') AS offices,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'offices' AND c.col_key = 'cumulative') AS offices_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reading_points' AND c.col_key = 'value') AS reading_points,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'reading_points' AND c.col_key = 'cumulative') AS reading_points_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'staff_fulltime' AND c.col_key = 'value') AS staff_fulltime,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'staff_fulltime' AND c.col_key = 'cumulative') AS staff_fulltime_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'staff_parttime' AND c.col_key = 'value') AS staff_parttime,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'staff_parttime' AND c.col_key = 'cumulative') AS staff_parttime_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'staff_total' AND c.col_key = 'value') AS staff_total,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'staff_total' AND c.col_key = 'cumulative') AS staff_total_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'budget' AND c.col_key = 'value') AS budget,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'budget' AND c.col_key = 'cumulative') AS budget_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'meetings' AND c.col_key = 'value') AS meetings,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'meetings' AND c.col_key = 'cumulative') AS meetings_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'trainings' AND c.col_key = 'value') AS trainings,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'trainings' AND c.col_key = 'cumulative') AS trainings_cumulative,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'trainees' AND c.col_key = 'value') AS trainees,
  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = 'stats' AND c.row_key = 'trainees' AND c.col_key = 'cumulative') AS trainees_cumulative
FROM (SELECT v.id AS report_id FROM report_versions v WHERE EXISTS (SELECT 1 FROM figures f WHERE f.report_id = v.id AND f.table_name = 'stats')) a""",
}


def upgrade() -> None:
    for name, sql in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {sql}")


def downgrade() -> None:
    for name in reversed(list(VIEWS)):
        op.execute(f"DROP VIEW IF EXISTS {name}")
