"""Resolve province / city / district texts (any mix of short and full names) or a credit code's
region digits to official divisions, with the seat coordinates of the most precise one found.

Nothing is ever made up: a text that matches no division, or matches several equally well, gives an
unknown part (None), and the caller lists it as such.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache

from .table import Division, divisions

__all__ = ["Place", "UNKNOWN", "resolve", "from_credit_code", "province_name", "aliases"]

MUNICIPALITIES = ("110000", "120000", "310000", "500000")
SARS = ("810000", "820000")  # 香港, 澳门: the city is the region itself
# "city" texts that name no city (statistical groupings in exports)
NOT_A_PLACE = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "直辖县级", "省直辖", "郊县"}
_PROVINCE_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")
_SUFFIX = re.compile(r"(特别行政区|地区|林区|新区|特区|市|盟|县|区|旗)$")
_AUTONOMOUS = re.compile(r"(自治州|自治县|自治旗)$")
_PEOPLES = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 拉祜 水 东乡 纳西 景颇 "
    "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 "
    "裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各"
).split()
_PEOPLE_TAIL = re.compile("(" + "|".join(sorted((p + "族?" for p in _PEOPLES), key=len, reverse=True)) + ")$")


@dataclass(frozen=True, slots=True)
class Place:
    """A resolved place: official names (None where unknown), the most precise division's ``code``,
    the seat coordinates used and their ``precision`` (county, prefecture, province; None = unplaced)."""

    province: str | None = None
    city: str | None = None
    district: str | None = None
    code: str | None = None
    lng: float | None = None
    lat: float | None = None
    precision: str | None = None

    @property
    def known(self) -> bool:
        """True when at least the province is known."""
        return self.code is not None


UNKNOWN = Place()


def aliases(d: Division) -> set[str]:
    """The names a division goes by: full, and short forms (连云港, 恩施, 恩施州, 阿拉善, 海淀).

    Examples
    --------
    >>> from chainmap.places.table import division
    >>> sorted(aliases(division("422800")))
    ['恩施', '恩施土家族苗族自治州', '恩施州']
    """
    out = {d.name}
    if d.level == "province":
        stem = _PROVINCE_SUFFIX.sub("", d.name)
        out.add(stem)
        if stem == "内蒙古":
            out.add("内蒙")
        return out
    m = _AUTONOMOUS.search(d.name)
    if m:
        base = d.name[: m.start()]
        while _PEOPLE_TAIL.search(base) and len(_PEOPLE_TAIL.sub("", base)) >= 2:
            base = _PEOPLE_TAIL.sub("", base)
        if base != d.name[: m.start()]:
            out.update({base, base + m[1][-1]})  # 恩施, 恩施州; 长阳, 长阳县
        return out
    stem = _SUFFIX.sub("", d.name)
    if len(stem) >= 2 and stem != d.name:
        out.add(stem)
    return out


@cache
def _index() -> dict[str, dict[str, list[str]]]:
    idx: dict[str, dict[str, list[str]]] = {"province": defaultdict(list), "prefecture": defaultdict(list)}
    idx["county"] = defaultdict(list)
    for d in divisions().values():
        for a in aliases(d):
            idx[d.level][a].append(d.code)
    return idx


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    t = re.sub(r"\s+", "", str(text))
    return t or None


@lru_cache(maxsize=4096)
def province_name(text: str | None) -> str | None:
    """The official province name of ``text`` (江苏 -> 江苏省, 广西 -> 广西壮族自治区), else None.

    Examples
    --------
    >>> province_name("内蒙"), province_name("上海"), province_name("火星")
    ('内蒙古自治区', '上海市', None)
    """
    t = _clean(text)
    codes = _index()["province"].get(t, []) if t else []
    return divisions()[codes[0]].name if len(codes) == 1 else None


def _within(codes: list[str], scope: str | None) -> list[str]:
    if not scope:
        return codes
    if scope.endswith("0000"):
        return [c for c in codes if c[:2] == scope[:2]]
    return [c for c in codes if c[:4] == scope[:4] or divisions()[c].parent == scope]


def _one(codes: list[str]) -> str | None:
    """The single division meant, or None when the text fits several (two 重庆市 groupings are one)."""
    names = {(divisions()[c].name, c[:2]) for c in codes}
    return min(codes) if len(names) == 1 else None


def _city(text: str, pcode: str | None) -> tuple[str | None, str | None]:
    """(prefecture or province-direct county code, county code) for a city text."""
    idx = _index()
    pref = _one(_within(idx["prefecture"].get(text, []), pcode))
    if pref:
        return pref, None
    prov = _one(idx["province"].get(text, []))
    if prov in MUNICIPALITIES and (pcode in (None, prov)):
        return _one(_within(idx["prefecture"][divisions()[prov].name], prov)), None
    if prov in SARS and pcode in (None, prov):
        return prov, None
    county = _one(_within(idx["county"].get(text, []), pcode))
    if county is None:
        return None, None
    parent = divisions()[county].parent
    if parent.endswith("0000"):  # 济源市, 仙桃市: county-level cities directly under the province
        return county, None
    return parent, county


def _place(code: str | None) -> Place:
    if code is None:
        return UNKNOWN
    table = divisions()
    chain = [table[code]]
    while chain[-1].parent:
        chain.append(table[chain[-1].parent])
    names = {d.level: d.name for d in chain}
    if chain[-1].code in SARS:
        names["prefecture"] = chain[-1].name
    if chain[0].level == "county" and chain[0].parent.endswith("0000"):
        names = {"province": names["province"], "prefecture": chain[0].name}
    seat = next((d for d in chain if d.lng is not None), None)
    return Place(
        province=names.get("province"),
        city=names.get("prefecture"),
        district=names.get("county"),
        code=code,
        lng=seat.lng if seat else None,
        lat=seat.lat if seat else None,
        precision=(seat.level if not (seat.level == "county" and "county" not in names) else "prefecture")
        if seat
        else None,
    )


@lru_cache(maxsize=1 << 16)
def resolve(province: str | None = None, city: str | None = None, district: str | None = None) -> Place:
    """The official place for any mix of short and full names; unknown parts stay None.

    Examples
    --------
    >>> p = resolve(city="连云港")
    >>> p.province, p.city, p.precision
    ('江苏省', '连云港市', 'prefecture')
    >>> resolve("湖北", "恩施").city
    '恩施土家族苗族自治州'
    >>> resolve(city="阿拉善").city
    '阿拉善盟'
    >>> p = resolve(district="海淀")
    >>> p.province, p.city, p.district
    ('北京市', '北京市', '海淀区')
    >>> resolve(city="不存在的地方").known
    False
    """
    p_text, c_text, d_text = _clean(province), _clean(city), _clean(district)
    c_text = None if c_text in NOT_A_PLACE else c_text
    d_text = None if d_text in NOT_A_PLACE else d_text
    idx = _index()
    pcode = _one(idx["province"].get(p_text, [])) if p_text else None
    ccode = dcode = None
    if c_text:
        ccode, dcode = _city(c_text, pcode)
    if pcode in MUNICIPALITIES and ccode is None and (c_text is None or c_text == divisions()[pcode].name):
        ccode = _one(_within(idx["prefecture"][divisions()[pcode].name], pcode))
    if pcode in SARS and ccode is None:
        ccode = pcode
    if d_text:
        found = _one(_within(idx["county"].get(d_text, []), ccode or pcode))
        dcode = found or dcode
    return _place(dcode or ccode or pcode)


@lru_cache(maxsize=1 << 16)
def from_credit_code(code: str | None) -> Place:
    """The place of registration from a unified social credit code's region digits (positions 3-8),
    falling back to the prefecture or province when the county code no longer exists.

    Examples
    --------
    >>> p = from_credit_code("91320700MA1MXXXXXX")
    >>> p.province, p.city
    ('江苏省', '连云港市')
    >>> from_credit_code("bad").known
    False
    """
    c = _clean(code)
    if not c or len(c) != 18 or not c[2:8].isdigit():
        return UNKNOWN
    region = c[2:8]
    table = divisions()
    for cand in (region, region[:4] + "00", region[:2] + "0000"):
        if cand in table:
            return _place(cand)
    return UNKNOWN
