"""The project's one vocabulary: node and edge kinds, the role a firm plays at each kind of node,
labels (Chinese and English), leader tags, node-id helpers and the column specs of every output table.

Every other module imports these names instead of writing its own copy, so a label or a column is
changed in one place. ``docs/outputs.md`` is generated from :data:`OUTPUTS`.

Examples
--------
>>> chain_node("polyester")
'chain:polyester'
>>> segment_node("polyester", "upstream")
'polyester:upstream'
>>> ROLE_OF_KIND["component"]
'makes'
>>> [c.key for c in OUTPUTS["routes"]][:3]
['rank', 'city', 'province']
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CHAIN_NODE_KINDS",
    "COMPANY_STATUS_ACTIVE",
    "COMPONENT_TYPE_LABELS",
    "CRITERIA_LABELS",
    "Column",
    "DEFAULT_LEADER_TAGS",
    "EDGE_KINDS",
    "GAP_LABELS",
    "GAP_ORDER",
    "KIND_LABELS",
    "LEADERSHIP_POINTS",
    "NODE_KINDS",
    "OUTPUTS",
    "ROLE_LABELS",
    "ROLE_OF_KIND",
    "STATUS_LABELS",
    "TIE_ROLES",
    "TRACK_LABELS",
    "chain_node",
    "columns",
    "headers",
    "segment_node",
]

# ---------------------------------------------------------------- kinds
NODE_KINDS = ("chain", "segment", "link", "technology", "component", "institution", "company")
CHAIN_NODE_KINDS = ("link", "technology", "component")  # the nodes a chain file defines; gaps are judged on them
EDGE_KINDS = (
    "part_of",
    "feeds",
    "requires",
    "uses",
    "operates",
    "makes",
    "holds",
    "researches",
    "supplies",
    "subsidiary_of",
)
# the edge a firm has to a node of each kind: it operates a link, makes a component, holds a technology
ROLE_OF_KIND = {"link": "operates", "component": "makes", "technology": "holds"}
TIE_ROLES = tuple(ROLE_OF_KIND.values())  # ("operates", "makes", "holds")

KIND_LABELS = {
    "chain": "产业链",
    "segment": "环节分段",
    "link": "环节",
    "technology": "关键技术",
    "component": "关键部件/材料",
    "institution": "研究机构",
    "company": "企业",
}
COMPONENT_TYPE_LABELS = {"material": "关键材料", "component": "关键零部件", "equipment": "关键装备"}
ROLE_LABELS = {"resource": "资源保障", "service": "配套服务"}  # link roles that are never recruitment gaps

# ---------------------------------------------------------------- status, gaps, tracks
STATUS_LABELS = {"strong": "强", "weak": "弱", "missing": "缺失", "unknown": "未评估"}
GAP_LABELS = {"fill": "补链", "extend": "延链", "strengthen": "强链"}
GAP_ORDER = {"fill": 0, "extend": 1, "strengthen": 2, None: 3}  # ties in priority: fill first
TRACK_LABELS = {"new": "新引进", "existing": "存量增资"}
COMPANY_STATUS_ACTIVE = ("存续", "在业")  # 登记状态 that may be a target

# ---------------------------------------------------------------- leadership
# Tags that make a local firm a leader (a link with one is strong), unless a region profile's
# thresholds.leader_tags says otherwise.
DEFAULT_LEADER_TAGS = ("链主", "龙头", "单项冠军")
# Share of the leadership points a tag earns in the target score (the best tag counts). A region's own
# leader_tags all earn full points.
LEADERSHIP_POINTS = {"链主": 1.0, "龙头": 1.0, "单项冠军": 1.0, "专精特新小巨人": 0.7, "专精特新": 0.5, "上市": 0.4}


def chain_node(chain: str) -> str:
    """The graph id of a chain's own node."""
    return f"chain:{chain}"


def segment_node(chain: str, segment: str) -> str:
    """The graph id of a segment of a chain (segments are per chain; links may be shared)."""
    return f"{chain}:{segment}"


# ---------------------------------------------------------------- output columns
@dataclass(frozen=True)
class Column:
    """One column of an output table: its machine key, Chinese header and one-line meaning."""

    key: str
    header: str
    meaning: str


def _cols(*rows: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*r) for r in rows)


OUTPUTS: dict[str, tuple[Column, ...]] = {
    "gaps": _cols(
        ("chain", "产业链", "the chain this row is judged in (for a shared link: the chain of its most urgent result)"),
        ("chains", "所属产业链", "every selected chain that holds the node"),
        ("node", "节点ID", "library id of the link, technology or component"),
        ("name", "名称", "Chinese name"),
        ("kind", "类别", "link (环节), technology (关键技术) or component (关键部件/材料)"),
        ("key", "重点", "a key link of the chain (or a node of one)"),
        ("status", "本地状态", "strong (强), weak (弱) or missing (缺失) in the home region"),
        ("gap_type", "缺口类型", "fill (补链), extend (延链), strengthen (强链), or empty when no gap"),
        ("local_firms", "本地企业数", "local firms at the node"),
        ("local_names", "本地企业", "short names of the local firms"),
        ("candidates", "候选企业数", "firms outside the region at the node"),
        ("downstream", "下游依赖环节数", "links downstream of it in the material flow"),
        ("priority", "优先级", "0-100: gap type + key link + dependence of the chain on it"),
        ("reason", "原因", "why the node has this status and gap type, from the data"),
    ),
    "completeness": _cols(
        ("chain", "产业链ID", "chain id"),
        ("name", "产业链", "chain name"),
        ("links", "环节数", "links of the chain"),
        ("key_links", "重点环节数", "key links"),
        ("strong", "强", "links with strong local presence"),
        ("weak", "弱", "links with weak local presence"),
        ("missing", "缺失", "links with no local firm"),
        ("completeness", "完整度", "share of links present (strong or weak)"),
        ("weighted_completeness", "加权完整度(重点环节×2)", "the same with key links counted twice"),
        ("key_present", "本地已有重点环节", "names of the key links present"),
        ("fill", "补链", "links that are fill gaps"),
        ("extend", "延链", "links that are extend gaps"),
        ("strengthen", "强链", "links that are strengthen gaps"),
        ("part_gaps", "技术/部件缺口", "technology and component gaps"),
    ),
    "targets": _cols(
        ("rank", "排名", "1 = best"),
        ("company", "企业ID", "library id of the firm"),
        ("name", "企业名称", "registered name"),
        ("short_name", "简称", "short name"),
        ("province", "省份", "province of the operating headquarters"),
        ("city", "城市", "city of the operating headquarters"),
        ("stock_code", "股票代码", "listing code, when listed"),
        ("tags", "标签", "tags such as 上市, 链主, 专精特新"),
        ("score", "得分", "sum of the breakdown"),
        ("covers", "缺口节点ID", "ids of the gaps the firm would fill"),
        ("cover_names", "可填补缺口", "names of those gaps"),
        ("gap_types", "缺口类型", "their gap types"),
        ("chains", "产业链", "chains of those gaps"),
        ("local_ties", "本地业务关联", "supply or ownership ties with local firms (以商引商)"),
        ("why", "推荐理由", "one sentence to read aloud, built only from the data"),
        ("breakdown", "得分构成", "criterion -> points; they add up to score"),
    ),
    "routes": _cols(
        ("rank", "排名", "1 = most valuable city to visit"),
        ("city", "城市", "city"),
        ("province", "省份", "province"),
        ("priority_region", "重点区域", "the profile's priority region the city lies in"),
        ("score", "线路价值", "summed score of the targets there"),
        ("firm_count", "目标企业数", "targets in the city"),
        ("firms", "企业ID", "their ids, best first"),
        ("firm_names", "拜访企业（按优先顺序）", "their names, best first"),
        ("covers", "缺口节点ID", "gaps they would fill"),
        ("cover_names", "可填补缺口", "names of those gaps"),
    ),
    "changes": _cols(
        ("kind", "变化", "new (新出现), capital_up (增资), status (登记状态变更), moved (迁址), placed (新落链)"),
        ("credit_code", "统一社会信用代码", "the firm's unified social credit code, when the export has it"),
        ("name", "企业名称", "registered name"),
        ("date", "日期", "as_of of the newer export: the change happened by then"),
        ("old", "原值", "the value before (capital, status, city), empty for new and placed"),
        ("new", "新值", "the value after; for placed the node ids, for new the city"),
        ("chains", "产业链", "chains of the nodes the firm sits on"),
    ),
    "review": _cols(
        ("id", "编号", "review id of the (firm, node) pair: give it to review accept / reject"),
        ("firm", "企业ID", "library id of the imported firm"),
        ("name", "企业名称", "registered name"),
        ("credit_code", "统一社会信用代码", "unified social credit code, when known"),
        ("city", "城市", "city of the firm"),
        ("node", "节点", "the node it may belong on"),
        ("node_name", "节点名称", "the node's Chinese name"),
        ("chains", "产业链", "chains holding the node"),
        ("evidence", "匹配依据", "the hits for that node: term, field and confidence"),
    ),
}

# Labels of the target score's criteria (keys of the region profile's weights).
CRITERIA_LABELS = {
    "gap_priority": "缺口优先级",
    "coverage": "覆盖缺口数",
    "scale": "企业规模",
    "leadership": "龙头地位",
    "priority_region": "重点区域",
    "ties": "本地业务关联",
    "technology": "掌握关键技术",
}


def columns(output: str) -> list[str]:
    """The machine keys of an output table, in order.

    >>> columns("gaps")[:4]
    ['chain', 'chains', 'node', 'name']
    """
    return [c.key for c in OUTPUTS[output]]


def headers(output: str) -> dict[str, str]:
    """Machine key -> Chinese header of an output table.

    >>> headers("targets")["why"]
    '推荐理由'
    """
    return {c.key: c.header for c in OUTPUTS[output]}
