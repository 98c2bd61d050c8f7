"""Data checks on the bundled chain library: complete, referenced, traceable, and a meaningful picture
for Lianyungang."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

import networkx as nx
import pytest

import chainmap
from chainmap.analysis.gaps import gaps
from chainmap.library import bundled_library

CHAINS = {"polyester", "nylon", "carbon_fiber", "dyeing", "solar", "petrochem", "battery", "grain_oil", "pharma"}


@pytest.fixture(scope="module")
def lib():
    return chainmap.load_library(bundled_library())  # raises LoadError if any id does not resolve


@pytest.fixture(scope="module")
def g(lib):
    return chainmap.build_graph(lib, None, lib.regions["lianyungang"])


def test_all_chains_are_there(lib):
    assert set(lib.chains) == CHAINS


def test_every_chain_meets_the_counts(lib, g):
    for cid, layout in lib.chains.items():
        assert len(layout.segments) >= 3, cid
        assert len(layout.links) >= 15, cid
        firms = [n for n, d in g.nodes(data=True) if d["kind"] == "company" and cid in d["chains"]]
        assert len(firms) >= 30, (cid, len(firms))
        inst = [n for n, d in g.nodes(data=True) if d["kind"] == "institution" and cid in d["chains"]]
        assert len(inst) >= 5, (cid, len(inst))
        key_links = [n for n in layout.links if lib.nodes[n].key]
        assert len(key_links) >= 3, cid
        for link in key_links:
            techs = [t for a, t in lib.requires if a == link]
            comps = [c for a, c in lib.uses if a == link]
            assert len(techs) >= 2 and len(comps) >= 2, (cid, link, techs, comps)


def test_every_company_is_traceable(lib):
    for c in lib.companies.values():
        assert c.source and all(s.strip() for s in c.source), c.id
        assert c.as_of.year >= 2000, c.id
        assert c.name.strip(), c.id


EXCHANGE_PREFIX = {"SH": r"^(60|68|90)\d{4}$", "SZ": r"^(00|30|20)\d{4}$", "BJ": r"^(43|83|87|88|92)\d{4}$"}


def test_stock_codes_match_their_exchange(lib):
    codes = defaultdict(list)
    for c in lib.companies.values():
        if not c.stock_code:
            continue
        number, exchange = c.stock_code.split(".")
        if exchange in EXCHANGE_PREFIX:
            assert re.match(EXCHANGE_PREFIX[exchange], number), (c.id, c.stock_code)
        codes[c.stock_code].append(c.id)
    assert not {k: v for k, v in codes.items() if len(v) > 1}, "one listed firm recorded twice"


def test_no_firm_recorded_twice_by_name(lib):
    names = defaultdict(list)
    for c in lib.companies.values():
        names[c.name].append(c.id)
    assert not {k: v for k, v in names.items() if len(v) > 1}


def test_shared_links_join_the_panorama(lib, g):
    shared = [n for n, d in g.nodes(data=True) if d["kind"] == "link" and len(d["chains"]) > 1]
    for link in ("px", "pta", "meg", "caprolactam", "adipic_acid", "acrylonitrile"):
        assert link in shared, link
    flow = nx.Graph((u, v) for u, v, k in g.edges(keys=True) if k == "feeds")
    biggest = max(nx.connected_components(flow), key=len)
    joined = {c for n in biggest for c in g.nodes[n]["chains"]}
    assert len(joined) >= 4, joined


def test_lianyungang_picture_is_neither_all_red_nor_all_green(lib, g):
    df = gaps(g, lib.regions["lianyungang"])
    links = df[df["kind"] == "link"].set_index("node")
    statuses = links["status"].value_counts()
    assert statuses.get("strong", 0) >= 5 and statuses.get("missing", 0) >= 20
    assert links.at["carbon_fiber", "status"] == "strong"  # 中复神鹰
    assert links.at["px", "status"] == "strong"  # 盛虹炼化
    assert {"fill", "extend", "strengthen"} <= set(df["gap_type"].dropna())
    local = [n for n, d in g.nodes(data=True) if d["kind"] == "company" and d["local"]]
    chains_with_local = {c for n in local for c in g.nodes[n]["chains"]}
    assert len(chains_with_local) >= 6


OWNERSHIP_TAGS = {"央企", "国企", "民企", "外资", "台资", "港资"}
KNOWN_TAGS = OWNERSHIP_TAGS | {"上市", "链主", "龙头", "单项冠军", "专精特新", "专精特新小巨人", "新三板"}
GONE = {"停业", "注销", "吊销", "破产", "清算", "破产清算"}


def test_no_delisted_or_defunct_firm_is_tagged_listed(lib):
    for c in lib.companies.values():
        if c.delisted or c.status in GONE:
            assert "上市" not in c.tags, c.id
        if "上市" in c.tags:
            assert c.stock_code, c.id


def test_a_stock_code_means_listed_or_delisted(lib):
    # the converse of the check above: a record that carries a stock code either is tagged 上市 or says why not
    # (delisted date, or a registration status that ended the listing).
    for c in lib.companies.values():
        if c.stock_code:
            assert "上市" in c.tags or c.delisted or c.status in GONE, (c.id, c.stock_code)


RANKING_TAGS = {"龙头", "链主"}
RANKING_SINCE = dt.date(2022, 1, 1)


def test_ranking_tags_rest_on_recent_facts(lib):
    # 龙头/链主 are rankings (annual report, association, a local government's list) and go stale; the 2026-11-30
    # re-checks dropped such tags that rested on 2016-2019 reports (docs/spotcheck/2026-11-30-recheck-3.md).
    stale = sorted(c.id for c in lib.companies.values() if set(c.tags) & RANKING_TAGS and c.as_of < RANKING_SINCE)
    assert not stale, stale


def test_every_tag_is_known_and_ownership_is_one_kind(lib):
    for c in lib.companies.values():
        assert set(c.tags) <= KNOWN_TAGS, (c.id, set(c.tags) - KNOWN_TAGS)
        owner = [t for t in c.tags if t in OWNERSHIP_TAGS - {"台资", "港资"}]
        assert len(owner) <= 1, (c.id, owner)


def test_registered_seat_only_where_it_differs_from_the_headquarters(lib):
    for c in lib.companies.values():
        seat = (c.registered_province, c.registered_city, c.registered_district)
        if not any(seat):
            continue
        assert c.registered_province and c.registered_city, c.id  # a seat is at least province and city
        assert seat != (c.province, c.city, c.district), c.id
        assert (c.registered_province, c.registered_city) != (c.province, c.city) or (
            c.registered_district and c.registered_district != c.district
        ), c.id


FRESH_SINCE = dt.date(2024, 6, 1)


def test_at_least_four_fifths_of_firm_records_are_fresh(lib):
    # issue 16: >= 80% of firm records re-verified against 2024/2025 sources (as_of >= 2024-06-01);
    # as_of moves only when a record's facts were re-checked (docs/spotcheck/2026-11-30-recheck.md).
    # third round (recheck-3): 305/368 = 82.9%; the bar is raised to 82% so that the share does not slide back.
    stale = sorted(c.id for c in lib.companies.values() if c.as_of < FRESH_SINCE)
    fresh = len(lib.companies) - len(stale)
    assert fresh >= 0.82 * len(lib.companies), (f"{fresh}/{len(lib.companies)} fresh", stale)


def test_no_record_is_dated_in_the_future(lib):
    today = dt.date.today()
    assert not [c.id for c in lib.companies.values() if c.as_of > today]
