"""The 2019 national template (国办公开办函〔2019〕60号)."""
from .base import (NATIONAL_SQUASHED_LABELS, NATIONAL_SQUASHED_START, NATIONAL_TABLES_END, NATIONAL_TOTALS,
                   T2_HEADING, T2_STARTS, TABLE3_COMMON_HEAD, TABLE3_COMMON_TAIL, TABLE4, RowSpec, SquashedHints,
                   TableSpec, Template, national_rules, t3, table3)

_MADE = ("made", "published", "total_public")
_ITEMS = ("previous_items", "change", "decisions")

TABLE2 = TableSpec("table2", T2_HEADING, (
    RowSpec("rules", r"^规章", _MADE),
    RowSpec("normative_docs", r"^规范性(文件|档案)", _MADE),
    RowSpec("other_docs", r"^其他主动公开(文件|档案)", _MADE, optional=True),
    RowSpec("licensing", r"^行政许可$|^行政许可\(", _ITEMS),
    RowSpec("other_services", r"其他对外管理服务事项", _ITEMS),
    RowSpec("punishment", r"^行政处罚$|^行政处罚\(", _ITEMS),
    RowSpec("coercion", r"^行政强制$|^行政强制\(", _ITEMS),
    RowSpec("fees", r"^行政事业性收费", ("previous_items", "change")),
    RowSpec("procurement", r"^政府集中采购", ("items", "amount"), money=("amount",)),
), starts=T2_STARTS)

RESULT_ROWS = tuple(s.key for s in TABLE3_COMMON_HEAD[2:]) + ("other",)

TEMPLATE = Template(
    name="2019",
    tables=(TABLE2, table3(TABLE3_COMMON_HEAD + (t3("other", r"^(\(六\))?其他处理$", "(六)其他处理"),) + TABLE3_COMMON_TAIL), TABLE4),
    markers=(r"本年新制作", r"本年新公开", r"对外公开总数", r"上一年项目数", r"本年增/?减", r"政府集中采购",
             r"采购总金额", r"其他对外管理服务事项"),
    rules=national_rules(RESULT_ROWS),
    tables_end=NATIONAL_TABLES_END,
    squashed=SquashedHints(start=NATIONAL_SQUASHED_START, labels=NATIONAL_SQUASHED_LABELS,
                           at_least=(("total_public", "made"), ("total_public", "published")),
                           change_within=(("previous_items", "change"),)),
    totals=NATIONAL_TOTALS,
)
