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
    "COMPANY_STATUS_PRESENT",
    "COMPONENT_TYPE_LABELS",
    "CRITERIA_LABELS",
    "Column",
    "DEFAULT_LEADER_TAGS",
    "EDGE_KINDS",
    "GAP_CRITERIA_LABELS",
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
# Labels of the gap priority's criteria (keys of the region profile's gap_weights).
GAP_CRITERIA_LABELS = {
    "fill": "补链",
    "extend": "延链",
    "strengthen": "强链",
    "key": "重点环节",
    "downstream": "下游依赖",
    "betweenness": "链上枢纽",
    "density": "关联密度",
}
COMPANY_STATUS_ACTIVE = ("存续", "在业", "迁入", "迁出")  # 登记状态 that may be a target (迁: a living firm moved)
COMPANY_STATUS_PRESENT = ("存续", "在业", "迁入")  # 登记状态 of a firm that counts where it is (迁出: it left)

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
        ("role", "环节属性", "resource (资源保障) or service (配套服务): shown, never a recruitment gap; else empty"),
        ("key", "重点", "a key link of the chain (or a node of one)"),
        ("status", "本地状态", "strong (强), weak (弱) or missing (缺失) in the home region"),
        ("gap_type", "缺口类型", "fill (补链), extend (延链), strengthen (强链), or empty when no gap"),
        ("local_firms", "本地企业数", "local firms at the node still there (存续, 在业, 迁入 or no status)"),
        ("local_names", "本地企业", "short names of the local firms"),
        ("candidates", "候选企业数", "firms outside the region at the node that may be targets (not closed)"),
        ("downstream", "下游依赖环节数", "links of the chain downstream of it in the material flow"),
        ("projects", "在建/签约项目", "live ledger projects at the node (签约/开工/投产), as 名称（阶段）"),
        ("feasibility", "可行性", "{rca, density} of the home region at the node; empty when not computed"),
        ("priority", "优先级", "0-100: the sum of the breakdown (gap type, key link, dependence, density)"),
        ("breakdown", "优先级构成", "criterion -> points of the priority (region profile gap_weights)"),
        ("reason", "原因", "why: status, the nearest present links on each side and their distance, projects"),
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
        ("key_present", "本地已有重点环节", "number of key links present (strong or weak)"),
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
        ("track", "招商类型", "new (新引进) or existing (存量增资: its group already has a local site)"),
        ("group", "所属集团ID", "id of the top parent (the firm itself when it has none)"),
        ("group_name", "所属集团", "short name of the top parent"),
        ("members", "集团内候选企业", "short names of the group's firms at the gaps (the group appears once)"),
        ("local_sites", "集团在本地企业", "short names of the group's local firms"),
        ("as_of", "数据日期", "date the firm's record states its facts for"),
        ("stale", "数据过期", "true when as_of is older than the profile's stale_years (default 2)"),
        ("why", "推荐理由", "one sentence of at most 40 characters to read aloud, built only from the data"),
        ("why_detail", "详细理由", "the full reasoning, built only from the data"),
        (
            "signals",
            "近期变动",
            "the firm's change signals between exports (chainmap changes), newest first, at most three; empty "
            "when none",
        ),
        ("breakdown", "得分构成", "criterion -> points; they add up to score"),
    ),
    "excluded": _cols(
        ("company", "企业ID", "library id of the firm left out of the target list"),
        ("name", "企业名称", "registered name"),
        ("status", "登记状态", "registration status (存续 / 在业 / 迁入 / 迁出 / 停业 / 注销 / 吊销 / 破产 / 清算)"),
        ("delisted", "退市日期", "date its shares stopped trading, when it was once listed"),
        ("covers", "缺口节点ID", "the gaps it works at"),
        ("reason", "排除原因", "why it is never a target"),
    ),
    "first_wave": _cols(
        ("wave_rank", "首批顺序", "1 = first pick of the greedy portfolio"),
        ("rank", "总排名", "its rank in the target list"),
        ("company", "企业ID", "library id of the firm"),
        ("name", "企业名称", "registered name"),
        ("score", "得分", "its target score"),
        ("marginal", "边际价值", "score x share of its gap value still open when picked (covered gaps count half)"),
        ("new_covers", "新覆盖缺口", "names of the gaps no earlier pick covers"),
        ("track", "招商类型", "new (新引进) or existing (存量增资)"),
        ("why", "推荐理由", "the target's sentence to read aloud"),
    ),
    "feasibility": _cols(
        ("chain", "产业链", "chain the figures are computed in (over that chain's links)"),
        ("node", "节点ID", "link id"),
        ("name", "名称", "Chinese name"),
        ("rca", "显性比较优势RCA", "home region's revealed comparative advantage at the link (firm counts)"),
        ("rca_capital", "RCA(注册资本)", "the same by registered capital, where known"),
        ("density", "关联密度", "share of the link's related links (proximity-weighted) the region has, 0-1"),
        ("present", "本地已有", "RCA >= 1"),
        ("quadrant", "象限", "PSWOT quadrant: 优势 (RCA>=1, dense), 威胁 (RCA>=1, sparse), 机会 (RCA<1, dense), 劣势"),
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
        ("trip", "行程", "number of the trip (chainmap trips) that visits the city"),
        ("order", "行程内顺序", "the city's place in that trip's visiting order"),
    ),
    "trips": _cols(
        ("trip", "行程", "trip number, best first"),
        ("region", "方向", "travel region of the trip (a priority region of the profile, or by distance)"),
        ("days", "天数", "days needed: visits per day plus travel time"),
        ("distance_km", "里程(公里)", "great-circle legs from the home city and back, times the stated road factor"),
        ("score", "行程价值", "summed score of the targets visited"),
        ("covers", "缺口节点ID", "gaps the visited firms would fill"),
        ("stops", "停靠城市", "the stops in visiting order: city, province, lng, lat, day, firms"),
    ),
    "itinerary": _cols(
        ("trip", "行程", "trip number"),
        ("region", "方向", "travel region of the trip"),
        ("days", "天数", "days of the trip"),
        ("distance_km", "里程(公里)", "distance of the whole trip"),
        ("order", "站序", "stop number in visiting order"),
        ("day", "第几天", "day of the trip the visit falls on"),
        ("city", "城市", "city of the stop"),
        ("province", "省份", "province of the stop"),
        ("company", "企业ID", "library id of the firm visited"),
        ("name", "拜访企业", "the firm visited"),
    ),
    # -- `chainmap graph`: networkx node-link JSON; every node and edge attribute
    "graph_nodes": _cols(
        ("id", "节点ID", "node id: `chain:<id>` for a chain, `<chain>:<segment>` for a segment, else the library id"),
        ("kind", "类别", "chain, segment, link, technology, component, institution or company"),
        ("name", "名称", "Chinese name"),
        ("name_en", "英文名", "English name, when known"),
        ("chains", "所属产业链", "ids of the selected chains the node belongs to"),
        ("aliases", "别名", "other names (used to match and to resolve names given on the command line)"),
        ("keywords", "关键词", "words the importer matches firms' products against"),
        ("note", "备注", "free text"),
        ("description", "说明", "chains: what the chain covers"),
        ("order", "顺序", "segments: position in the chain, upstream first"),
        ("key", "重点", "links: a key link of the chain"),
        ("level", "层级", "links: depth in the material flow (0 = raw material)"),
        ("home_chain", "定义所在链", "links: the chain whose file defines it"),
        ("role", "环节角色", "links: resource (资源保障) or service (配套服务); never a recruitment gap"),
        ("type", "类型", "components: material, component or equipment; institutions: their type"),
        ("short_name", "简称", "companies: short name"),
        ("province", "省份", "companies, institutions: province of the operating headquarters"),
        ("city", "城市", "companies, institutions: city of the operating headquarters"),
        ("district", "区县", "companies: district"),
        ("registered_province", "注册地省份", "companies: registered seat, when it differs from the headquarters"),
        ("registered_city", "注册地城市", "companies: registered seat city, when it differs"),
        ("registered_district", "注册地区县", "companies: registered seat district, when it differs"),
        ("tags", "标签", "companies: tags such as 上市, 链主, 专精特新"),
        ("local", "本地企业", "companies: in the home region of the region profile"),
        ("stock_code", "股票代码", "companies: listing code, when listed"),
        ("exchange", "交易所", "companies: the exchange of the stock code"),
        ("credit_code", "统一社会信用代码", "companies: unified social credit code"),
        ("status", "登记状态", "companies: 在业, 迁入, 迁出, 停业, 注销, 吊销, 破产 or 清算 (absent = 存续)"),
        ("delisted", "退市日期", "companies: date the shares stopped trading"),
        ("capacities", "产能", "companies: sourced capacity per link or component ({link, value, unit})"),
        ("registered_capital", "注册资本", "companies: amount in yuan"),
        ("capital_currency", "注册资本币种", "companies: currency of the registered capital"),
        ("revenue", "营业收入", "companies: amount in yuan"),
        ("revenue_currency", "营收币种", "companies: currency of the revenue"),
        ("revenue_year", "营收年度", "companies: the year the revenue is for"),
        ("employees", "员工人数", "companies: head count"),
        ("parent", "母公司", "companies: id of the parent firm"),
        ("website", "网站", "companies: web site"),
        ("source", "来源", "companies, institutions: where the facts come from (several joined by ；)"),
        ("as_of", "数据日期", "companies, institutions: the date the facts hold for"),
    ),
    "graph_edges": _cols(
        ("source", "起点", "node id the edge starts at (for a supplies edge: the supplier)"),
        ("target", "终点", "node id the edge ends at"),
        ("key", "键", "the same as kind (one edge of each kind between two nodes)"),
        ("kind", "关系", "part_of, feeds, requires, uses, operates, makes, holds, researches, supplies, subsidiary_of"),
        ("product", "供应产品", "supplies: what is supplied"),
        ("evidence", "依据", "supplies: the document that reports the supply tie"),
    ),
    # -- `chainmap import --format json`
    "import": _cols(
        ("file", "文件", "the export read"),
        ("rows", "读取数据行", "data rows below the header; = imported + updated + merged + skipped + rejected"),
        ("imported", "新导入", "new company records"),
        ("updated", "更新", "records already in the library, updated"),
        ("unchanged", "无变化", "of those updated: records with nothing new"),
        ("refreshed", "仅更新日期", "of those updated: the same facts, only a newer data date (as_of) or source"),
        ("merged", "合并", "rows that are the same firm as an earlier row (same credit code or name)"),
        ("skipped", "跳过", "rows left out on purpose (deregistered, revoked ...)"),
        ("rejected", "拒绝", "rows that cannot be a record; written to the rejects file with the reason"),
        ("placed", "已落链", "firms placed on a link, technology or component"),
        ("unplaced", "未能落链", "firms whose match stayed below the threshold"),
        ("local", "本地企业", "imported firms in the home region (null without a region)"),
        ("output", "输出文件", "the store written (null on a dry run)"),
        ("rejects", "拒绝清单", "the rejects CSV (null when none)"),
        ("store", "存储格式", "yaml or parquet"),
        ("dry_run", "试运行", "true when nothing was written"),
        ("as_of", "数据日期", "the date the export's facts hold for"),
        ("as_of_from", "日期来源", "where that date came from (option, file name, title row, file time)"),
        ("encoding", "编码", "the text encoding of a CSV"),
        ("sheet", "工作表", "the XLSX sheet read"),
        ("header_row", "表头行", "1-based row of the header"),
        ("columns", "识别的列", "field -> the header it was read from"),
        ("unused_columns", "未用的列", "headers not read"),
        ("chains", "产业链", "chains firms were placed on"),
        ("threshold", "落链阈值", "match confidence needed to place a firm"),
        ("skipped_reasons", "跳过原因", "reason -> rows"),
        ("rejected_reasons", "拒绝原因", "reason -> rows"),
        ("warnings", "提示", "warning -> rows"),
        ("warning_rows", "提示所在行", "warning -> its first rows in the file (at most 5)"),
        ("nodes", "落链分布", "node id -> firms of this import placed there"),
        ("moved_from", "迁出的存储", "other import stores whose records this import updated"),
        ("outside_library", "库外输出", "true when -o is outside <library>/imported (the loader will not read it)"),
        ("seconds", "用时(秒)", "wall time of the import"),
        (
            "signals",
            "变动信号",
            "change signals this import recorded, by kind (new, capital_up, status, moved, placed)",
        ),
        ("review", "待复核", "uncertain placements of this import's firms waiting for `chainmap review`"),
    ),
    # -- `chainmap validate --format json`
    "validate": _cols(
        ("ok", "通过", "true when no problem was found"),
        (
            "results",
            "结果",
            "per path: path, chains (counts per chain), companies, institutions, regions, imported (firms on chain nodes kept in the firm store)",
        ),
        ("problems", "问题", "every problem: file, line, column (1-based; 0 = the whole file), message"),
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
