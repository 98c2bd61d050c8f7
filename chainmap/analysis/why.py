"""Reasons for a target firm: ``why``, one sentence of at most 40 characters an officer reads aloud, and
``why_detail``, the full reasoning. Both are built only from facts in the data.

Examples
--------
>>> f = Facts(short_name="恒逸石化", covers=["polyester_chip"], cover_names=["聚酯熔体/切片"],
...           cover_kinds=["link"], gap_types=["extend"], lead_tag="链主")
>>> why(f)
'链主企业，可补我市聚酯熔体/切片环节'
>>> f2 = Facts(short_name="东方盛虹", covers=["x"], cover_names=["聚酯熔体/切片"], cover_kinds=["link"],
...            gap_types=["extend"], track="existing", sites=["斯尔邦", "虹港石化"])
>>> why(f2)
'已在我市投资斯尔邦、虹港石化，争取聚酯熔体/切片环节项目'
>>> len(why(f2)) <= WHY_MAX
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..vocab import GAP_LABELS, TRACK_LABELS

__all__ = ["WHY_MAX", "Facts", "recent", "short_node_name", "signal_phrase", "why", "why_detail", "with_signals"]

WHY_MAX = 40  # characters; a Chinese character counts 1


@dataclass
class Facts:
    """What the data says about a target (a firm, or a group shown once)."""

    short_name: str
    covers: list[str]
    cover_names: list[str]
    cover_kinds: list[str]
    gap_types: list[str]
    lead_tag: str | None = None
    listed: str | None = None  # stock code
    where: str = ""
    region_name: str | None = None  # priority region it sits in
    ties: list[str] = field(default_factory=list)
    techs: list[str] = field(default_factory=list)
    track: str = "new"
    sites: list[str] = field(default_factory=list)  # short names of the group's local firms
    members: list[str] = field(default_factory=list)  # the group's other candidate firms
    group_name: str | None = None
    as_of: str = ""
    stale: bool = False
    delisted: str | None = None


def short_node_name(name: str) -> str:
    """A node name without its bracketed notes, as read aloud.

    >>> short_node_name("正极材料(三元/磷酸铁锂)")
    '正极材料'
    """
    return re.sub(r"[（(][^）)]*[）)]", "", name).strip() or name


def _tech(name: str) -> str:
    short = short_node_name(name)
    return short if short.endswith(("技术", "工艺")) else short + "技术"


def _main(f: Facts, room: int) -> str:
    first = short_node_name(f.cover_names[0])
    unit = "环节" if f.cover_kinds[0] == "link" else ""
    more = f"等{len(f.covers)}个缺口" if len(f.covers) > 1 else ""
    if f.track == "existing" and f.sites:
        site = "、".join(f.sites[:2]) + ("等" if len(f.sites) > 2 else "")
        more = f"等{len(f.covers)}处缺口" if len(f.covers) > 1 else ""
        make = lambda n, m: f"已在我市投资{site}，争取{n}{m if m else unit}项目"  # noqa: E731
    else:
        verb = "可强化我市" if f.gap_types[0] == "strengthen" else "可补我市"
        make = lambda n, m: f"{verb}{n}{unit}{m}"  # noqa: E731
    for text in (make(first, more), make(first, "")):
        if len(text) <= room:
            return text
    cut = max(room - len(make("", "")), 1)
    return make(first[:cut], "")[:room]


def why(f: Facts) -> str:
    """At most :data:`WHY_MAX` characters: the gap it fills (or, for an existing investor, what it already
    has here and what to ask for next), then its standing, ties and region while they fit.

    Examples
    --------
    >>> why(Facts(short_name="甲", covers=["a", "b"], cover_names=["锂电池隔膜", "涂覆"], cover_kinds=["link", "technology"],
    ...           gap_types=["extend", "extend"], listed="300568.SZ", region_name="粤港澳大湾区"))
    '上市企业，可补我市锂电池隔膜环节等2个缺口，位于粤港澳大湾区'
    """
    main = _main(f, WHY_MAX)
    parts = [main]
    lead = f"{f.lead_tag}企业" if f.lead_tag else ("上市企业" if f.listed and not f.delisted else None)
    extras = [
        (0, lead),
        (1, f.ties[0] if f.ties and f.track != "existing" else None),
        (1, f"位于{f.region_name}" if f.region_name else None),
        (1, f"掌握{_tech(f.techs[0])}" if f.techs else None),
    ]
    for pos, text in extras:
        if not text:
            continue
        trial = [text, *parts] if pos == 0 else [*parts, text]
        if len("，".join(trial)) <= WHY_MAX:
            parts = trial
    return "，".join(parts)


def why_detail(f: Facts) -> str:
    """The full reasoning in one paragraph.

    >>> why_detail(Facts(short_name="甲", covers=["a"], cover_names=["A"], cover_kinds=["link"],
    ...                  gap_types=["fill"], as_of="2024-01-01"))
    '甲（新引进）可填补本地「A」缺口（补链）；数据日期2024-01-01。'
    """
    facts = [x for x in (f.where, f.listed) if x] + [TRACK_LABELS[f.track]]
    who = f"{f.short_name}（{'，'.join(facts)}）"
    names = "、".join(f"「{n}」" for n in f.cover_names[:5]) + (f"等{len(f.covers)}处" if len(f.covers) > 5 else "")
    types = "、".join(dict.fromkeys(GAP_LABELS[t] for t in f.gap_types if t))
    parts = [f"{who}可填补本地{names}缺口（{types}）"]
    if f.track == "existing" and f.sites:
        parts.append(f"{f.group_name or '所属集团'}已在本地有{'、'.join(f.sites)}，宜按存量增资推进")
    if f.members:
        parts.append(f"同集团候选企业：{'、'.join(f.members)}")
    if f.lead_tag:
        parts.append(f"是{f.lead_tag}企业")
    if f.ties:
        parts.append("、".join(f.ties) + "，可以商引商")
    if f.techs:
        parts.append("掌握" + "、".join(f"「{t}」" for t in f.techs[:3]) + "等关键技术")
    if f.region_name:
        parts.append(f"位于{f.region_name}重点招商区域")
    if f.delisted:
        parts.append(f"已于{f.delisted}退市")
    if f.as_of:
        parts.append(f"数据日期{f.as_of}" + ("，数据较旧，需核实" if f.stale else ""))
    return "；".join(parts) + "。"


_SIGNAL_PHRASES = {
    "new": "{date}新出现在导出名单中",
    "capital_up": "{date}增资（{old}→{new}）",
    "status": "{date}登记状态由{old}变为{new}",
    "moved": "{date}迁址（{old}→{new}）",
    "placed": "{date}新进入产业链",
}


def signal_phrase(kind: str, date: str, old: str | None, new: str | None) -> str:
    """One change signal between exports (``chainmap changes``), as read in a target's reasoning.

    >>> signal_phrase("capital_up", "2024-06-01", "5000万元", "1亿元")
    '2024-06-01增资（5000万元→1亿元）'
    """
    return _SIGNAL_PHRASES.get(kind, "{date}" + kind).format(date=date, old=old or "", new=new or "")


def recent(phrases: list[str], limit: int = 3) -> str:
    """A firm's recent change signals (phrases, newest first) as one text: the first ``limit``, and how
    many there are when more ("" for none): the targets' 近期变动 column and the part of why_detail.

    >>> recent(["2024-09-01迁址（宁波市→杭州市）", "2024-06-01新进入产业链"], limit=1)
    '2024-09-01迁址（宁波市→杭州市）等2项'
    """
    return "、".join(phrases[:limit]) + (f"等{len(phrases)}项" if len(phrases) > limit else "")


def with_signals(detail: str, phrases: list[str], limit: int = 3) -> str:
    """``detail`` (from :func:`why_detail`) with a firm's recent change signals, newest first, before
    its data date.

    >>> with_signals("甲可填补本地「A」缺口（补链）；数据日期2024-01-01。", ["2024-06-01新进入产业链"])
    '甲可填补本地「A」缺口（补链）；近期变动：2024-06-01新进入产业链；数据日期2024-01-01。'
    """
    if not phrases:
        return detail
    part = "近期变动：" + recent(phrases, limit)
    head, sep, tail = detail.rpartition("；数据日期")
    if sep:
        return f"{head}；{part}{sep}{tail}"
    return detail.removesuffix("。") + f"；{part}。"
