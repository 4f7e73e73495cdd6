"""The 2019 national template (国办公开办函〔2019〕60号)."""
from .base import TABLE3_COMMON_HEAD, TABLE3_COMMON_TAIL, RowSpec, Template, t3

_MADE = ("made", "published", "total_public")
_ITEMS = ("previous_items", "change", "decisions")

TEMPLATE = Template(
    name="2019",
    table2=(
        RowSpec("rules", r"^规章", _MADE),
        RowSpec("normative_docs", r"^规范性(文件|档案)", _MADE),
        RowSpec("other_docs", r"^其他主动公开(文件|档案)", _MADE, optional=True),
        RowSpec("licensing", r"^行政许可$|^行政许可\(", _ITEMS),
        RowSpec("other_services", r"其他对外管理服务事项", _ITEMS),
        RowSpec("punishment", r"^行政处罚$|^行政处罚\(", _ITEMS),
        RowSpec("coercion", r"^行政强制$|^行政强制\(", _ITEMS),
        RowSpec("fees", r"^行政事业性收费", ("previous_items", "change")),
        RowSpec("procurement", r"^政府集中采购", ("items", "amount"), money=("amount",)),
    ),
    table3=TABLE3_COMMON_HEAD + (t3("other", r"^(\(六\))?其他处理$"),) + TABLE3_COMMON_TAIL,
    markers=(r"本年新制作", r"本年新公开", r"对外公开总数", r"上一年项目数", r"本年增/?减", r"政府集中采购",
             r"采购总金额", r"其他对外管理服务事项"),
    result_rows=tuple(s.key for s in TABLE3_COMMON_HEAD[2:]) + ("other",),
)
