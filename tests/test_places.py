"""The official division table and the place resolver (chainmap.places)."""

from __future__ import annotations

import math

import pytest

from chainmap.importer import clean
from chainmap.places import aliases, boundaries, divisions, from_credit_code, province_name, resolve


def km(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lng2 - lng1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


# city centres as commonly published (government seat districts), degrees
KNOWN = {
    "连云港": (119.22, 34.60),
    "上海": (121.47, 31.23),
    "广州": (113.26, 23.13),
    "成都": (104.07, 30.57),
    "乌鲁木齐": (87.62, 43.82),
    "拉萨": (91.11, 29.65),
    "哈尔滨": (126.53, 45.80),
    "三亚": (109.51, 18.25),
    "南京": (118.78, 32.06),
}


@pytest.mark.parametrize("city", sorted(KNOWN))
def test_seats_of_known_cities_are_within_a_few_km(city):
    p = resolve(city=city)
    assert p.precision == "prefecture"
    assert km(p.lng, p.lat, *KNOWN[city]) < 10


@pytest.mark.parametrize(
    ("given", "province", "city", "district"),
    [
        ((None, "连云港"), "江苏省", "连云港市", None),
        (("江苏省", "连云港市"), "江苏省", "连云港市", None),
        (("湖北", "恩施"), "湖北省", "恩施土家族苗族自治州", None),
        ((None, "恩施州"), "湖北省", "恩施土家族苗族自治州", None),
        ((None, "阿拉善"), "内蒙古自治区", "阿拉善盟", None),
        ((None, "湘西"), "湖南省", "湘西土家族苗族自治州", None),
        ((None, "大兴安岭"), "黑龙江省", "大兴安岭地区", None),
        ((None, None, "海淀"), "北京市", "北京市", "海淀区"),
        (("北京", "市辖区"), "北京市", "北京市", None),
        (("上海", None), "上海市", "上海市", None),
        (("江苏", "昆山"), "江苏省", "苏州市", "昆山市"),
        ((None, "济源"), "河南省", "济源市", None),
        (("吉林", "吉林"), "吉林省", "吉林市", None),
        (("北京", None, "朝阳"), "北京市", "北京市", "朝阳区"),
        (("新疆", "伊犁"), "新疆维吾尔自治区", "伊犁哈萨克自治州", None),
        ((None, "香港"), "香港特别行政区", "香港特别行政区", None),
        (("江苏", None), "江苏省", None, None),
    ],
)
def test_names_resolve_to_official_ones(given, province, city, district):
    p = resolve(*given)
    assert (p.province, p.city, p.district) == (province, city, district)


@pytest.mark.parametrize("given", [(None, "不存在市"), (None, "通州"), ("火星", None), (None, None, "朝阳")])
def test_unknown_or_ambiguous_places_stay_unknown(given):
    # 通州 is a district of both Beijing and Nantong; 朝阳区 exists in Beijing and Changchun
    p = resolve(*given)
    assert not p.known and p.city is None and p.lng is None


def test_no_invented_city_names():
    names = {d.name for d in divisions().values()}
    for text in ("阿拉善", "湘西", "大兴安岭", "海淀", "恩施"):
        p = resolve(city=text) if text != "海淀" else resolve(district=text)
        assert p.city in names and p.city != text + "市"


def test_every_prefecture_resolves_from_its_own_names():
    table = divisions()
    for d in table.values():
        if d.level != "prefecture":
            continue
        prov = table[d.parent].name
        assert resolve(prov, d.name).city == d.name, d
        for alias in aliases(d):
            assert resolve(prov, alias).city == d.name, (d, alias)


def test_credit_code_region_digits():
    p = from_credit_code("91320707MA1XXXXXXX")  # 320707 赣榆区
    assert (p.province, p.city, p.district) == ("江苏省", "连云港市", "赣榆区")
    old = from_credit_code("91320721XXXXXXXXXX")  # 赣榆县 (code retired in 2014): falls back to the city
    assert (old.city, old.district) == ("连云港市", None)
    for bad in (None, "", "9132070", "91ABCDEFGHIJKLMNOP", "91990000XXXXXXXXXX"):
        assert not from_credit_code(bad).known


def test_importer_delegates_to_the_official_table():
    places = clean.Places({"连云港市"})
    assert (
        places.city("阿拉善", "内蒙古自治区") == "阿拉善盟" and places.city("湘西", "湖南省") == "湘西土家族苗族自治州"
    )
    assert places.city("大兴安岭", None) == "大兴安岭地区" and places.city(None, "北京市") == "北京市"
    assert places.city("某某开发区", "江苏省") == "某某开发区"  # unknown text kept as written, not given a 市
    assert places.city(None, None, "91320700MA1XXXXXXX") == "连云港市"
    assert places.city(None, "浙江省", "91320700MA1XXXXXXX") is None  # code and province disagree: no guess
    assert clean.province("内蒙") == "内蒙古自治区" and clean.province("火星") == "火星"
    assert province_name("火星") is None and len(clean.PROVINCES) == 34


def test_boundaries_hold_every_province_and_the_dash_line():
    provs = {f["code"] for f in boundaries("province")}
    want = {d.code for d in divisions().values() if d.level == "province"}
    assert want <= provs and "100000_JD" in provs
    prefs = {f["code"][:4] for f in boundaries("prefecture")}
    assert "3207" in prefs and "4228" in prefs
