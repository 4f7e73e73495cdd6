"""The 2021 national template (国办公开办函〔2021〕30号)."""
from .base import (NATIONAL_SQUASHED_LABELS, NATIONAL_SQUASHED_START, NATIONAL_TABLES_END, NATIONAL_TOTALS,
                   T2_HEADING, T2_STARTS, TABLE3_COLUMNS, TABLE3_COMMON_HEAD, TABLE3_COMMON_TAIL, TABLE4, RowSpec,
                   SquashedHints, TableSpec, Template, national_rules, t3, table3)

_DOCS = ("issued", "repealed", "in_force")

TABLE2 = TableSpec("table2", T2_HEADING, (
    RowSpec("rules", r"^规章", _DOCS),
    RowSpec("normative_docs", r"^(行政)?规范性(文件|档案)", _DOCS),
    RowSpec("licensing", r"^行政许可$|^行政许可\(", ("decisions",)),
    RowSpec("punishment", r"^行政处罚$|^行政处罚\(", ("decisions",)),
    RowSpec("coercion", r"^行政强制$|^行政强制\(", ("decisions",)),
    RowSpec("fees", r"^行政事业性收费", ("amount",), money=("amount",), unit="万元"),
), starts=T2_STARTS)

RESULT_ROWS = tuple(s.key for s in TABLE3_COMMON_HEAD[2:]) + ("other_overdue_correction", "other_overdue_fee",
                                                              "other_other")

TEMPLATE = Template(
    name="2021",
    tables=(TABLE2, table3(
        TABLE3_COMMON_HEAD
        + (
            t3("other_overdue_correction", r"逾期不补正|无正当理由逾期", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
            t3("other_overdue_fee", r"缴纳费用|收费通知", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
            t3("other_other", r"^3\.?其他$", "3.其他"),
            # Some bodies still print the 2019 template's single row here.
            RowSpec("other", r"^(\(六\))?其他处理$", TABLE3_COLUMNS, optional=True),
        )
        + TABLE3_COMMON_TAIL), TABLE4),
    markers=(r"本年制发件数", r"本年废止件数", r"现行有效件数", r"本年处理决定数", r"本年收费金额",
             r"逾期不补正", r"缴纳费用", r"^3\.?其他$"),
    rules=national_rules(RESULT_ROWS),
    alternatives={"other": ("other_overdue_correction", "other_overdue_fee", "other_other")},
    tables_end=NATIONAL_TABLES_END,
    squashed=SquashedHints(start=NATIONAL_SQUASHED_START, labels=NATIONAL_SQUASHED_LABELS,
                           at_least=(("in_force", "issued"),)),
    totals=NATIONAL_TOTALS,
)
