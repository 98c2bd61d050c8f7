"""chainmap import, the pieces: header variants, value cleaning, credit codes, encodings, matching."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainmap import load_library
from chainmap.errors import UsageError
from chainmap.importer import clean, columns
from chainmap.importer.columns import cleaned, uscc_ok
from chainmap.importer.headers import field_of, find_header, header_unit, parse_maps
from chainmap.importer.match import Matcher
from chainmap.importer.read import detect_encoding, sniff_delimiter
from chainmap.money import Amount, uscc_problem, uscc_valid

VALID = "91350100M000100Y43"


@pytest.mark.parametrize(
    "header, field",
    [
        ("企业名称", "name"),
        ("公司名称", "name"),
        (" 企业名称 ", "name"),
        ("*企业名称", "name"),
        ("企业名称（中文）", "name"),
        ("统一社会信用代码", "credit_code"),
        ("信用代码", "credit_code"),
        ("法定代表人", "legal_rep"),
        ("法人代表", "legal_rep"),
        ("登记状态", "status"),
        ("经营状态", "status"),
        ("成立日期", "founded"),
        ("成立时间", "founded"),
        ("注册资本", "registered_capital"),
        ("注册资本(万元)", "registered_capital"),
        ("注册资本（万元）", "registered_capital"),
        ("实缴资本", "paid_in_capital"),
        ("所属省份", "province"),
        ("省份", "province"),
        ("所属城市", "city"),
        ("城市", "city"),
        ("所属区县", "district"),
        ("区县", "district"),
        ("企业类型", "company_type"),
        ("所属行业", "industry"),
        ("国标行业", "industry"),
        ("国标行业门类", "industry"),
        ("注册地址", "address"),
        ("经营范围", "scope"),
        ("主营产品", "products"),
        ("主营业务", "products"),
        ("上市代码", "stock_code"),
        ("股票代码", "stock_code"),
        ("参保人数", "employees"),
        ("电话", None),
        ("序号", None),
    ],
)
def test_header_variants(header, field):
    assert field_of(header) == field


def test_header_units():
    assert header_unit("注册资本(万元)") == 1e4 and header_unit("注册资本（亿元）") == 1e8
    assert header_unit("注册资本") == 1.0


def test_header_row_found_below_title_and_note_rows():
    rows = [
        (1, ["企业名单（导出时间：2024-06-01）", None, None]),
        (2, ["说明：数据来自公开信息", "", ""]),
        (3, []),
        (4, ["企业名称", "统一社会信用代码", "经营范围"]),
        (5, ["甲公司", VALID, "生产"]),
    ]
    hm = find_header(rows, {})
    assert hm is not None and hm.row == 4 and hm.columns == {"name": [0], "credit_code": [1], "scope": [2]}


def test_map_option_names_odd_headers():
    maps = parse_maps(["单位全称=name", "信用号=统一社会信用代码", "备注=-"])
    hm = find_header([(1, ["单位全称", "信用号", "备注", "经营范围"])], maps)
    assert hm.columns == {"name": [0], "credit_code": [1], "scope": [3]} and hm.unused == []
    with pytest.raises(UsageError, match="未知字段"):
        parse_maps(["x=nonsense"])
    with pytest.raises(UsageError, match="格式"):
        parse_maps(["no equals sign"])
    assert find_header([(1, ["单位", "地址"])], {}) is None  # no name column: nothing to import


@pytest.mark.parametrize(
    "value, expected",
    [
        ("5000万元人民币", Amount(5e7, "CNY")),
        ("1.2亿元", Amount(1.2e8, "CNY")),
        ("300万美元", Amount(3e6, "USD")),
        ("50万(元)", Amount(5e5, "CNY")),
        ("500万元(人民币)", Amount(5e6, "CNY")),
        ("1,000万港元", Amount(1e7, "HKD")),
        ("5000.0000万人民币", Amount(5e7, "CNY")),
        ("-", None),
        ("", None),
        ("--", None),
        (12345, Amount(12345, "CNY")),
        # Chinese numerals (financial and plain), as some registries and hand-made lists write them
        ("壹佰万元", Amount(1e6, "CNY")),
        ("人民币壹仟万元整", Amount(1e7, "CNY")),
        ("五百万美元", Amount(5e6, "USD")),
        ("一亿五千万元", Amount(1.5e8, "CNY")),
        ("二十五万零五百元", Amount(250500, "CNY")),
        ("100万元整", Amount(1e6, "CNY")),
    ],
)
def test_capital_text(value, expected):
    assert clean.parse_capital(value) == expected


def test_capital_in_header_unit_and_bad_text():
    assert clean.parse_capital("5000", 1e4) == Amount(5e7, "CNY")
    assert clean.parse_capital(5000.0, 1e4) == Amount(5e7, "CNY")
    assert clean.parse_capital("300万美元", 1e4) == Amount(3e6, "USD")  # a unit in the cell wins
    with pytest.raises(ValueError, match="无法识别的金额"):
        clean.parse_capital("很多钱")
    assert clean.parse_capital("五百", 1e4) == Amount(5e6, "CNY")  # Chinese numerals in the header's unit
    for text in ("万元", "一二三"):  # no number: still unreadable
        with pytest.raises(ValueError, match="无法识别的金额"):
            clean.parse_capital(text)


def test_amount_text_round_trips():
    for a in (Amount(5e7, "CNY"), Amount(1.2e8, "CNY"), Amount(3e6, "USD"), Amount(123.45, "CNY"), Amount(7e4, "EUR")):
        assert clean.parse_capital(clean.amount_text(a)) == a
    assert clean.amount_text(Amount(5e7, "CNY")) == "5000万元" and clean.amount_text(Amount(1.2e8, "CNY")) == "1.2亿元"


@pytest.mark.parametrize(
    "value",
    [
        "2015-03-01",
        "2015/3/1",
        "2015.03.01",
        "2015年3月1日",
        "20150301",
        "2015-03-01 00:00:00",
        dt.datetime(2015, 3, 1, 8, 0),
        42064,
        20150301,
    ],
)
def test_dates(value):
    assert clean.parse_date(value) == dt.date(2015, 3, 1)


def test_bad_dates():
    assert clean.parse_date("-") is None
    for bad in ("2015-02-30", "三月", "2015"):
        with pytest.raises(ValueError):
            clean.parse_date(bad)
    assert clean.date_in("企业名单_20240601") == dt.date(2024, 6, 1)
    assert clean.date_in("导出时间：2024-06-01 10:00") == dt.date(2024, 6, 1)
    assert clean.date_in("名单") is None


def test_empty_markers_and_whitespace():
    for v in ("", " ", "-", "--", "—", "/", "无", "null", "NaN", "\u3000"):
        assert clean.text(v) is None
    assert clean.text("\u3000 甲公司 ") == "甲公司" and clean.text(3.0) == "3"
    col = cleaned(pa.array([" 甲 ", "-", None, "无", "null", "乙"]))
    assert col.to_pylist() == ["甲", None, None, None, None, "乙"]


def test_places_take_the_profile_form():
    places = clean.Places({"连云港市"})
    assert clean.province("江苏") == "江苏省" and clean.province("广西") == "广西壮族自治区"
    assert clean.province("上海") == "上海市" and clean.province("江苏省") == "江苏省"
    assert places.city("连云港", "江苏省") == "连云港市" and places.city("连云港市", "江苏省") == "连云港市"
    assert places.city("宁波", "浙江省") == "宁波市" and places.city("延边朝鲜族自治州", "吉林省") == "延边朝鲜族自治州"
    assert places.city("市辖区", "北京市") == "北京市" and places.city(None, "上海市") == "上海市"
    assert places.city(None, "江苏省") is None
    # cities whose name ends in 州 are cities like any other; only autonomous prefectures keep 州
    assert places.city("常州", "江苏省") == "常州市" and places.city("广州", "广东省") == "广州市"
    assert places.city("恩施州", "湖北省") == "恩施土家族苗族自治州" and places.city("苏州市", "江苏省") == "苏州市"


def test_stock_codes():
    assert clean.stock_code("600346") == "600346.SH" and clean.stock_code("000703") == "000703.SZ"
    assert clean.stock_code("SH600346") == "600346.SH" and clean.stock_code("00700") == "0700.HK"
    assert clean.stock_code("430047") == "430047.BJ" and clean.stock_code("600346.sh") == "600346.SH"
    with pytest.raises(ValueError):
        clean.stock_code("未上市代码")


def test_status():
    assert clean.is_closed("注销") and clean.is_closed("吊销，未注销") and clean.is_closed("已注销")
    assert not clean.is_closed("存续") and not clean.is_closed("在业") and not clean.is_closed(None)


def test_credit_code_check_digit():
    assert uscc_problem(VALID) is None and uscc_valid(VALID)
    for bad in ("91350100M000100Y44", "91350100M000100Y4", "91350100M000100I43", ""):
        assert not uscc_valid(bad)
    codes = pa.array([VALID, "91350100M000100Y44", None, "123", "91350100M000100I43", VALID.lower().upper()])
    assert uscc_ok(codes).tolist() == [True, False, True, False, False, True]


def test_encoding_detection():
    text = "企业名称,经营范围\n甲化纤有限公司,涤纶长丝生产\n"
    assert detect_encoding(text.encode("utf-8")) == "utf-8"
    assert detect_encoding("\ufeff".encode() + text.encode("utf-8")) == "utf-8-sig"
    assert detect_encoding(text.encode("gbk")) == "gb18030"
    assert detect_encoding(text.encode("utf-16")) == "utf-16"
    assert sniff_delimiter("a\tb\tc\n1\t2\t3") == "\t" and sniff_delimiter("a,b\n1,2") == ","


# -- matching --------------------------------------------------------------------------------------


def test_matcher_evidence_confidence_and_threshold(mini):
    m = Matcher(load_library(mini))
    p = m.place(("乙中间体", None, None, "某某公司"))  # products: 1.0
    assert p.ties == {"operates": ["a2"]} and p.evidence[0].field == "products" and p.scores["a2"] == 1.0
    p = m.place((None, "乙中间体的生产", None, None))  # business scope: 0.7
    assert p.ties == {"operates": ["a2"]} and p.scores["a2"] == 0.7
    p = m.place((None, None, "乙中间体制造业", None))  # industry alone: 0.5, below 0.6
    assert p.ties == {} and p.scores["a2"] == 0.5
    p = m.place((None, None, None, "乙中间体有限公司"))  # name alone: 0.4
    assert p.ties == {}
    p = m.place((None, None, "乙中间体制造业", "乙中间体有限公司"))  # two weak signals add up: 1-0.5*0.6
    assert p.ties == {"operates": ["a2"]} and p.scores["a2"] == pytest.approx(0.7)
    assert "a2 乙中间体←所属行业「乙中间体」0.50" in m.describe(p)
    p = m.place((None, "乙中间体批发；日用百货销售", None, None))  # trading only: half weight
    assert p.ties == {} and p.evidence[0].field == "scope_trade" and "（未达阈值）" in m.describe(p)
    assert Matcher(load_library(mini), threshold=0.3).place((None, "乙中间体批发", None, None)).ties


def test_matcher_roles_keywords_and_longest_match(mini):
    m = Matcher(load_library(mini))
    p = m.place(("乙合成技术服务；甲催化剂；共用体", None, None, None))
    assert p.ties == {"holds": ["t2"], "makes": ["c1"], "operates": ["shared"]}
    # 乙合成技术 (a keyword of t2) is one hit, not also 乙合成 (t2's name) -- the same node either way
    assert [e.keyword for e in p.evidence if e.node == "t2"] == ["乙合成技术"]
    assert m.place(("与本链无关的产品", None, None, None)) is None


def test_matcher_ascii_keywords_need_word_boundaries(tmp_path, mini):
    chain = (mini / "alpha.yaml").read_text(encoding="utf-8").replace("keywords: [共用体]", "keywords: [共用体, PTA]")
    (mini / "alpha.yaml").write_text(chain, encoding="utf-8")
    m = Matcher(load_library(mini))
    assert m.place(("PTA", None, None, None)).ties == {"operates": ["shared"]}
    assert m.place(("精对苯二甲酸(pta)", None, None, None)).ties == {"operates": ["shared"]}
    assert m.place(("ＰＴＡ生产", None, None, None)).ties == {"operates": ["shared"]}  # full-width
    assert m.place(("PTAX", None, None, None)) is None


def test_matcher_limited_to_chains(mini):
    lib = load_library(mini)
    assert Matcher(lib, ["beta"]).place(("甲催化剂", None, None, None)) is None  # c1 is alpha only
    assert Matcher(lib, ["beta"]).place(("贝制品", None, None, None)).ties == {"operates": ["b2"]}


# -- the vectorised matcher against the per-firm one -----------------------------------------------

_LIB_CACHE: dict[str, object] = {}


def _bundled_matchers():
    from chainmap.importer.chunkmatch import ChunkMatcher
    from chainmap.library import bundled_library

    if "m" not in _LIB_CACHE:
        m = Matcher(load_library(bundled_library()))
        _LIB_CACHE["m"] = (m, ChunkMatcher(m))
    return _LIB_CACHE["m"]


def _pieces() -> list[str]:
    m, _cm = _bundled_matchers()
    terms = sorted({p[1] for p in m.patterns})[::9]  # a spread of the library's terms, as written
    halves = [t[: len(t) // 2] for t in terms[::5]] + [t[len(t) // 2 :] for t in terms[::5]]
    glue = ["生产", "销售", "批发", "研发", "；", "，", "。", ":", "：", ";", ",", " "]  # noqa: RUF001
    glue += ["X", "x1", "Ａ", "ｂ", "9", "的"]  # noqa: RUF001
    return terms + halves + glue


_FIELD = st.lists(st.integers(0, 10_000), max_size=6)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(_FIELD, _FIELD, _FIELD, _FIELD), min_size=1, max_size=30), st.booleans())
def test_chunk_matcher_gives_the_per_firm_result(rows, upper):
    """Generated firm texts (terms, halves of terms, trade and make words, clause ends, ASCII and
    full-width letters next to terms): the vectorised chunk matcher gives exactly what
    Matcher.place_text gives firm by firm -- ties, evidence text, uncertain nodes."""
    from chainmap.importer.place import match_texts

    m, cm = _bundled_matchers()
    pieces = _pieces()
    texts, split = [], []
    for fields in rows:
        parts = ["".join(pieces[i % len(pieces)] for i in f) for f in fields]
        split.append([p.upper() if upper else p for p in parts])
        texts.append("\n".join(split[-1]))
    arr = pa.array(texts, pa.string())
    want = match_texts(m, arr)
    for got, exp in zip(cm.match(arr), want, strict=True):
        assert got.to_pylist() == exp.to_pylist()
    by_field = [pa.array([r[j] or None for r in split], pa.string()) for j in range(4)]  # as the cleaner gives them
    for got, exp in zip(cm.match_fields(by_field), want, strict=True):
        assert got.to_pylist() == exp.to_pylist()
    keep = np.arange(len(rows)) % 3 != 1  # rows set apart by the cleaner: left out, the others as they were
    for got, exp in zip(cm.match_fields(by_field, keep), want, strict=True):
        assert got.to_pylist() == exp.filter(pa.array(keep)).to_pylist()
    sliced = pa.array(["", *texts], pa.string()).slice(1)  # an array that does not start at offset 0
    assert cm.match(sliced)[3].to_pylist() == want[3].to_pylist()


def test_chunk_matcher_finds_no_term_across_two_firms():
    from chainmap.importer.place import match_texts

    m, cm = _bundled_matchers()
    terms = [p[1] for p in m.patterns if len(p[1]) >= 4 and not p[3]][:50]
    texts = pa.array([x for t in terms for x in (f"\n\n\n某{t[:2]}", f"{t[2:]}\n\n\n")], pa.string())
    got, want = cm.match(texts)[3].to_pylist(), match_texts(m, texts)[3].to_pylist()
    assert got == want and want.count(None) > 50


def test_chunk_matcher_on_no_text_and_no_hits():
    _m, cm = _bundled_matchers()
    for arr in (pa.array([], pa.string()), pa.array([None, "", "\n\n\n"], pa.string())):
        ties, makes, holds, evidence, uncertain = cm.match(arr)
        assert len(ties) == len(arr) and evidence.null_count == len(arr) and not any(uncertain.to_pylist())


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.from_regex(r"[0-9]{1,18}(\.[0-9]{1,9})?", fullmatch=True),
            st.sampled_from(["", "万", "亿"]),
            st.sampled_from(["", "元"]),
            st.sampled_from(["", "人民币"]),
        ),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from([1.0, 1e4]),
)
def test_vectorised_capital_parses_as_the_per_value_parser(parts, unit):
    """The common capital texts parsed with Arrow and numpy give what capital() gives: the same
    yuan to the last bit, and the same out-of-range values left empty."""
    from chainmap.importer.rows import _SIMPLE_CAPITAL, _simple_capital, capital

    texts = ["".join(p) for p in parts]
    simple = pc.fill_null(pc.match_substring_regex(pa.array(texts), _SIMPLE_CAPITAL), False).to_pylist()
    fast, bad = _simple_capital(pa.array([t for t, s in zip(texts, simple, strict=True) if s], pa.string()), unit)
    want, nbad = [], 0
    for t, s in zip(texts, simple, strict=True):
        if not s:
            continue
        try:
            want.append(capital(t, unit).value)
        except ValueError:
            want.append(None)
            nbad += 1
    assert fast.to_pylist() == want and int(bad.sum()) == nbad


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(
                st.sampled_from(["2023", "2024", "1900", "0000", "9999", "1987"]),
                st.sampled_from(["-", "/", ".", "年", ""]),
                st.integers(0, 13),
                st.integers(0, 32),
                st.booleans(),
                st.sampled_from(["", "日", " 10:30"]),
            ).map(
                lambda p: (
                    p[0]
                    + p[1]
                    + (f"{p[2]:02d}" if p[4] or not p[1] else str(p[2]))
                    + {"年": "月"}.get(p[1], p[1])
                    + (f"{p[3]:02d}" if p[4] or not p[1] else str(p[3]))
                    + p[5]
                )
            ),
            st.text(alphabet="0123456789-/年月日２ ", max_size=12),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_vectorised_dates_read_as_the_per_value_parser(texts):
    """Dates in the plain forms read with Arrow and numpy give what clean.parse_date gives: the same day,
    and the same impossible dates (2023-02-29, month 13) refused; other forms are left to it."""
    import datetime as dt

    from chainmap.importer.clean import parse_date
    from chainmap.importer.columns import plain_dates

    plain, valid, days = plain_dates(pa.array(texts, pa.string()))
    for t, p, ok, d in zip(texts, plain, valid, days, strict=True):
        if not p:
            continue
        try:
            want = parse_date(t)
        except ValueError:
            want = None
        assert (dt.date(1970, 1, 1) + dt.timedelta(days=int(d)) if ok else None) == want, t


_MARKERS = [*columns._EMPTY.to_pylist()[:12], "", " ", "无", "NULL", "-", "—", "暂无", "n/a"]


@settings(max_examples=200, deadline=None)
@given(
    cells=st.lists(st.one_of(st.sampled_from(_MARKERS), st.text(alphabet="-无aN/甲 ", max_size=6)), max_size=40),
    start=st.integers(min_value=0, max_value=5),
)
def test_empty_markers_become_null_as_a_lookup_of_every_cell_would_make_them(cells, start):
    """Only the short cells are looked up and the nulls set in a bitmap: the same cells as looking up
    every cell, on whole arrays and on slices."""
    arr = pa.array(cells, pa.string()).slice(min(start, len(cells)))
    expected = pc.if_else(pc.is_in(arr, value_set=columns._EMPTY), pa.scalar(None, pa.string()), arr)
    got = columns.emptied(arr)
    got.validate(full=True)
    assert got.to_pylist() == expected.to_pylist()
