"""The statistics of 2016–2018 (政府信息公开情况统计表, 国办发〔2014〕32号 and its revisions).

Before the national tables of 2019, reports gave one statistics table — 统计指标 | 单位 | 统计数
(provincial forms add 历年累计 or 本年累计 beside the year) — or wrote the same items out in
sentences ("主动公开政府信息共191条，其中政府网站公开政府信息数64条…").  Both are read into one
table, ``stats``: a row per item, the year's figure in column ``value`` and, where printed, the
cumulative one.  Older reports (2008–2015) follow similar items; what is read of them is flagged.

Row patterns are searched in a table label or a sentence clause with white space removed; the
more specific rows come first (the prose reader gives a clause to the first row it matches).
"""
from .base import ColumnTotal, RowSpec, SquashedHints, TableSpec, Template

_COLS = ("value", "cumulative")  # 统计数 (| 历年累计); the printed unit (条, 件, 万元) is the cell's unit


def _r(key: str, pattern: str, money: bool = False) -> RowSpec:
    return RowSpec(key, pattern, _COLS, optional=True, blank_ok=("cumulative",), money=_COLS if money else ())


ROWS = (
    # 一、主动公开情况
    _r("proactive_normative", r"主动公开规范性文件"),
    _r("normative_issued", r"制发规范性文件"),
    _r("via_gazette", r"政府公报"),
    # "在政府网站上共公开285条信息", "“…政府信息公开”网站公开信息139条"; a website's 解读 or 回应 are
    # counted below, and "网站主动公开…" is the total published through it
    _r("via_website", r"^(?!.*(解读|回应|访谈|发布会)).*网站上?共?(公开|发布)"),
    _r("via_weibo", r"政[务府]微博"),
    _r("via_weixin", r"^(?!.*(解读|回应)).*(政[务府]微信|微信公众(号|平台))"),
    # "主动公开的政府信息3类共103条": a count of kinds may stand before the total
    _r("proactive_total", r"主动公开(的)?(政府)?信息(\d+[类种])?(数|共|总数|总量)|主动公开文件数|主动公开(政府)?信息$"),
    _r("via_other", r"其他(方式|形式|渠道)(公开)"),
    # 二、回应解读情况
    _r("press_conferences_leaders", r"(主要负责同志|主要领导|院长|局长|县长|市长|区长|主任|书记).{0,24}新闻发布会"),
    _r("online_interviews_leaders", r"(主要负责同志|主要领导|院长|局长|县长|市长|区长|主任|书记).{0,24}在线访谈"),
    _r("press_conferences", r"新闻发布会"),
    _r("online_interviews", r"在线访谈"),
    _r("interpretations", r"解读稿件|政策解读"),
    _r("weibo_weixin_responses", r"微博微信回应"),
    _r("responses_total", r"回应(公众)?关注热点|重大舆情"),
    _r("other_responses", r"其他方式回应"),
    # 三、依申请公开情况
    _r("requests_in_person", r"当面申请"),
    _r("requests_fax", r"^(\d\.?)?传真申请|[^、]传真申请"),
    _r("requests_online", r"网络申请|网上申请"),
    _r("requests_letter", r"信函申请$|^(\d\.?)?信函申请"),
    _r("requests_letter_fax", r"信函、?传真申请"),
    _r("closed_on_time", r"按时办结"),
    _r("closed_extended", r"延期办结"),
    _r("requests_closed", r"申请办结|(已|共)处理.{0,6}申请"),
    _r("reply_already_public", r"已主动公开"),
    _r("reply_partial", r"部分公开"),
    _r("reply_denied", r"不(同意|予)公开"),
    _r("reply_granted", r"同意公开"),
    _r("denied_state_secret", r"国家秘密"),
    _r("denied_commercial_secret", r"商业秘密"),
    _r("denied_privacy", r"个人隐私"),
    _r("denied_security", r"危及|三安全一稳定"),
    _r("denied_not_gov_info", r"不是.{0,4}条例.{0,4}所指|非.{0,4}条例.{0,4}所指"),
    _r("denied_other_law", r"法律法规规定的其他情形"),
    _r("reply_not_this_body", r"不属于本(行政)?机关"),
    _r("reply_not_exist", r"(申请)?信息不存在"),
    _r("reply_correction", r"更改补充"),
    _r("reply_other_channel", r"其他途径"),
    _r("reply_other", r"其他类型答复"),
    _r("replies_total", r"(申请|对申请的)答复(总)?数"),
    _r("requests_received", r"(收到|受理).{0,10}申请(总)?数|收到.{0,8}申请|受理.{0,10}申请"),
    # 四~七
    _r("complaints", r"举报投诉|投诉举报|(针对|涉及)政府信息公开的?(举报|投诉)|接受.{0,6}举报"),
    _r("review_upheld", r"^(\(一\))?维持具体行政行为数$|^维持具体行政行为"),
    _r("litigation_upheld", r"驳回原告"),
    _r("review_total", r"行政复议"),
    _r("litigation_total", r"行政诉讼"),
    _r("fees", r"收取的?费用|收费", money=True),
    # 八、机构建设和保障经费情况
    _r("offices", r"专门机构"),
    _r("reading_points", r"查阅(点|场所)"),
    _r("staff_fulltime", r"专职"),
    _r("staff_parttime", r"兼职"),
    _r("staff_total", r"工作人员(数)?|工作人数|从事.{0,10}人员"),
    _r("budget", r"专项经费", money=True),
    # 九、会议和培训情况
    _r("meetings", r"(工作)?会议|专题会议"),
    _r("trainings", r"培训班|举办.{0,4}培训"),
    _r("trainees", r"接受培训|培训人员|培训人次"),
)

# The sub-rows of 四/五 (维持 / 纠错 / 其他) repeat one wording under two headings: in a table they
# are told apart by position (the row before names the block), never read by label alone.
STATS = TableSpec(
    "stats", "政府信息公开情况统计表", ROWS,
    starts=(r"政府信息公开情况统计表", r"^统计指标$", r"^指标名称$", r"主动公开政府信息数", r"主动公开文件数"),
    headers=("统计指标", "指标名称", "单位", "计量单位", "统计数", "历年累计", "本年累计", "本期实际"),
    wide="stats_wide",
)

TEMPLATE = Template(
    name="2016",
    tables=(STATS,),
    markers=(r"政府网站公开(政府信息)?数", r"政务微博公开", r"政务微信公开", r"回应公众关注热点", r"当面申请数",
             r"(网络|网上)申请数", r"信函.{0,3}申请数", r"(申请|对申请的)答复(总)?数", r"同意公开答复数",
             r"维持具体行政行为", r"举报投诉数量", r"查阅点数", r"专职人员", r"主动公开文件数",
             r"政府信息公开情况统计表", r"历年累计"),
    rules=(
        ColumnTotal("t2016.staff", "stats", ("staff_fulltime", "staff_parttime"), "staff_total",
                    "staff: full-time + part-time ({left}) is not the number of staff ({right}) in {col}"),
    ),
    national=False,
    # A text dump of the table runs its cells together: "主动公开文件数条346085376" (label, unit, this
    # year's figure and the cumulative one).  Its area starts at the column headers, not at the
    # table's name, which the report's opening sentence also names.
    squashed=SquashedHints(start=r"(指标名称|统计指标)\s*(计量)?单位", 
                           labels=("主动公开文件数", "主动公开政府信息数", "政府网站公开数", "政府公报公开数",
                                   "政府公报公开政府信息数", "政府网站公开政府信息数", "政务微博公开政府信息数",
                                   "政务微信公开政府信息数", "收到申请数", "当面申请数", "网络申请数", "网上申请数",
                                   "同意公开答复数", "其他类型答复数", "举报投诉数量", "行政复议数", "行政诉讼数",
                                   "兼职人员数", "接受培训人员数"),
                           units=("条", "件", "个", "人", "次", "元", "万元"),
                           column_headers=(("cumulative", r"累计"),),
                           at_least=(("cumulative", "value"),)),
    prose=True,
    prose_anywhere=(("staff_fulltime", "staff_parttime", "staff_total"), ("人", "名", "位")),
    stated_none=(
        (("requests_received",), r"(未|没有|无)(收到|接到|受理|发生|接受).{0,14}申请"),
        (("review_total",), r"(未|没有|无).{0,20}行政复议"),
        (("litigation_total",), r"(未|没有|无).{0,24}(行政)?诉讼"),
        # one negation may cover a list ("没有收到针对政府信息公开行政复议、行政诉讼、投诉举报等情况")
        (("complaints",), r"(未|没有|无).{0,30}(举报|投诉)"),
        (("fees",), r"(未|没有|无).{0,12}(收取|收费)"),
    ),
)
