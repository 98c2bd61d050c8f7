"""Explain a gap: the Chinese reason of each row, built only from facts in the graph and the profile
(local firms, their capacity, the nearest present links on each side and how far they are, projects).

Examples
--------
>>> distance(1), distance(2)
('相邻', '相距2步')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx

from ..model import Region, StrengthOverride
from ..vocab import GAP_LABELS, ROLE_LABELS
from .classify import LinkJudgement, Presence

__all__ = ["distance", "link_reason", "part_reason", "presence_text", "suffixes"]


def _names(g: nx.MultiDiGraph, ids: Sequence[str], limit: int = 3) -> str:
    names = [f"「{g.nodes[i]['name']}」" for i in ids[:limit]]
    return "、".join(names) + (f"等{len(ids)}个" if len(ids) > limit else "")


def _firms(g: nx.MultiDiGraph, ids: Sequence[str], limit: int = 3, known: Mapping[str, str] | None = None) -> str:
    known = known or {}
    names = [known[i] if i in known else g.nodes[i]["short_name"] for i in ids[:limit]]
    return "、".join(names) + (f"等{len(ids)}家" if len(ids) > limit else "")


def distance(steps: int) -> str:
    """Distance in feeds steps, as read aloud."""
    return "相邻" if steps == 1 else f"相距{steps}步"


def _capacity(p: Presence) -> str:
    return "、".join(f"{v:g}{unit}" for unit, v in sorted(p.capacity.items()))


def presence_text(
    g: nx.MultiDiGraph, p: Presence, status: str, basis: str, region: Region, override: StrengthOverride | None
) -> str:
    """Why a node is strong, weak or missing.

    Examples
    --------
    >>> from chainmap.model import Region
    >>> r = Region(id="r", name="R", province="江苏省")
    >>> presence_text(nx.MultiDiGraph(), Presence([], 2, False), "missing", "none", r, None)
    '本地尚无企业'
    """
    if basis == "override" and override is not None:
        src = "；".join(override.source)
        base = f"本地有{len(p.local)}家企业（{_firms(g, p.local, known=p.names)}）" if p.local else "本地尚无企业"
        label = "强" if status == "strong" else "弱"
        return f"{base}，按地区设定判为{label}（{src}，{override.as_of.isoformat()}）"
    if status == "missing":
        return "本地尚无企业"
    text = f"本地有{len(p.local)}家企业（{_firms(g, p.local, known=p.names)}）"
    if p.capacity:
        text += f"，产能{_capacity(p)}"
    th = region.thresholds
    if basis == "capacity":
        return text + "，单厂规模达强链标准"
    if basis == "leader":
        return text + "，含龙头企业"
    if status == "strong":
        return text
    need = "、".join(f"{v:g}{u}" for u, v in th.strong_capacity.items())
    return (
        f"本地仅{len(p.local)}家企业（{_firms(g, p.local, known=p.names)}）"
        + (f"，产能{_capacity(p)}" if p.capacity else "")
        + f"，未达强链标准（≥{th.strong_min_firms}家、有{'/'.join(th.leader_tags)}企业或产能≥{need}）"
    )


def link_reason(g: nx.MultiDiGraph, j: LinkJudgement | None, status: str, present_text: str, role: str | None) -> str:
    """The reason of a link in one chain (``j`` is None for a present link or a role link).

    Examples
    --------
    >>> g = nx.MultiDiGraph(); g.add_node("a", name="PTA"); g.add_node("c", name="涤纶长丝")
    >>> link_reason(g, LinkJudgement("fill", ["a"], 1, ["c"], 2), "missing", "本地尚无企业", None)
    '本链中本地已有上游「PTA」（相邻）和下游「涤纶长丝」（相距2步），缺少本环节，本地链条在此断开'
    >>> link_reason(g, None, "missing", "本地尚无企业", "resource")
    '资源保障环节，不作为招商缺口；本地尚无企业'
    """
    if role:
        return f"{ROLE_LABELS[role]}环节，不作为招商缺口；{present_text}"
    if status != "missing" or j is None:
        return present_text
    up = f"上游{_names(g, j.up)}（{distance(j.up_dist)}）" if j.up else ""
    down = f"下游{_names(g, j.down)}（{distance(j.down_dist)}）" if j.down else ""
    if j.gap_type == "fill":
        return f"本链中本地已有{up}和{down}，缺少本环节，本地链条在此断开"
    if j.gap_type == "extend":
        way = "可向下游延伸" if j.up_dist == 1 else "可向上游延伸"
        return f"本链中本地已有{'、'.join(x for x in (up, down) if x)}，{way}；本地尚无企业"
    return "本地尚无企业，本链中与本地已有环节不相邻，暂不列为优先缺口"


def part_reason(
    g: nx.MultiDiGraph,
    kind: str,
    status: str,
    present_text: str,
    owners: list[str],
    owners_present: list[str],
    gap_type: str | None,
) -> str:
    """The reason of a key technology or component in one chain (``owners``: its links in the chain).

    Examples
    --------
    >>> g = nx.MultiDiGraph(); g.add_node("pta", name="PTA")
    >>> part_reason(g, "technology", "missing", "本地尚无企业", ["pta"], ["pta"], "extend")
    '本地已有「PTA」环节，但无企业掌握该关键技术'
    """
    word = "关键技术" if kind == "technology" else "关键部件/材料"
    if status != "missing":
        return present_text
    if owners_present:
        return f"本地已有{_names(g, owners_present)}环节，但无企业掌握该{word}"
    if gap_type:
        return f"所属环节{_names(g, owners)}为{GAP_LABELS[gap_type]}缺口，本地亦无企业掌握该{word}"
    return f"所属环节{_names(g, owners)}本地尚无基础或不作为招商缺口"


def suffixes(
    *, kind: str, key: bool, downstream: int, projects: Sequence[str], density: float | None, gap: bool
) -> str:
    """The facts appended to a gap's reason: key link, dependence, live projects, relatedness density.

    Examples
    --------
    >>> suffixes(kind="link", key=True, downstream=3, projects=["甲项目（签约）"], density=None, gap=True)
    '；重点环节；本链下游有3个环节依赖于此；已有项目：甲项目（签约）'
    """
    out = ""
    if gap and key:
        out += "；重点环节" if kind == "link" else "；属重点环节"
    if gap and kind == "link" and downstream:
        out += f"；本链下游有{downstream}个环节依赖于此"
    if projects:
        out += "；已有项目：" + "、".join(projects[:3]) + (f"等{len(projects)}个" if len(projects) > 3 else "")
    if gap and density is not None:
        out += f"；关联密度{density:.2f}"
    return out
