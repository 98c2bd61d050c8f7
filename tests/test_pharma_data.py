"""The 新医药 chain (中华药港): a real material flow, its shared petrochemical links, real and fresh firm
records, and a picture of Lianyungang in which the four local leaders make the drug links strong."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import networkx as nx
import pytest

import chainmap
from chainmap.analysis.gaps import gaps
from chainmap.library import bundled_library

LEADERS = {  # the four pharmaceutical groups headquartered in 连云港 (issue 16)
    "hengrui_medicine": "600276.SH",
    "jiangsu_hansoh": None,  # the operating firm of 翰森制药 (3692.HK)
    "cttq_pharma": None,  # the operating firm of 中国生物制药 (1177.HK)
    "kanion": "600557.SH",
}
OWNERSHIP = {"央企", "国企", "民企", "外资"}


@pytest.fixture(scope="module")
def lib():
    return chainmap.load_library(bundled_library())


@pytest.fixture(scope="module")
def g(lib):
    return chainmap.build_graph(lib, None, lib.regions["lianyungang"])


@pytest.fixture(scope="module")
def pharma_records(lib):
    """Company records written in chains/companies/pharma.yaml (not the petrochemical firms on shared links)."""
    return [c for cid, c in lib.companies.items() if Path(lib.where[cid][0]).name == "pharma.yaml"]


def test_chain_follows_the_material_flow(lib):
    layout = lib.chains["pharma"]
    links = layout.links
    assert len(links) >= 20
    order = {link: i for i, (_, _, seg_links) in enumerate(layout.segments) for link in seg_links}
    flow = nx.DiGraph([(a, b) for a, b in lib.feeds if a in order and b in order])
    assert set(links) <= set(flow.nodes), set(links) - set(flow.nodes)  # no link stands alone
    for a, b in flow.edges:  # nothing flows back upstream across segments
        assert order[a] <= order[b], (a, b)
    # API reaches the patient through a drug product and distribution
    assert nx.has_path(flow, "api", "hospitals") and nx.has_path(flow, "pharma_excipients", "retail_pharmacy")
    assert lib.nodes["hospitals"].role == "service" and lib.nodes["tcm_herbs"].role == "resource"


def test_fine_chemicals_are_shared_with_petrochem_not_copied(lib, g):
    for link in ("benzene", "ethylene_oxide", "polypropylene"):
        assert {"petrochem", "pharma"} <= set(g.nodes[link]["chains"]), link
    assert ("benzene", "pharma_intermediates") in lib.feeds and ("ethylene_oxide", "pharma_excipients") in lib.feeds
    names = [lib.nodes[n].name for n in lib.chains["pharma"].links]
    assert len(names) == len(set(names))


def test_key_links_carry_technologies_and_components(lib):
    key = [n for n in lib.chains["pharma"].links if lib.nodes[n].key]
    assert {"api", "innovative_drugs", "biologics", "cdmo", "tcm_patent"} <= set(key)
    for link in key:
        assert len([t for a, t in lib.requires if a == link]) >= 2, link
        assert len([c for a, c in lib.uses if a == link]) >= 2, link


def test_at_least_thirty_firms_and_five_institutions(lib, g, pharma_records):
    firms = [n for n, d in g.nodes(data=True) if d["kind"] == "company" and "pharma" in d["chains"]]
    assert len(pharma_records) >= 30 and len(firms) >= 30
    inst = [n for n, d in g.nodes(data=True) if d["kind"] == "institution" and "pharma" in d["chains"]]
    assert len(inst) >= 5
    outside = {c.province for c in pharma_records if c.city != "连云港市" and c.province}
    assert len(outside) >= 8  # firms across China, not one province


def test_the_four_local_leaders_are_local(lib, g):
    region = lib.regions["lianyungang"]
    for cid, code in LEADERS.items():
        c = lib.companies[cid]
        assert g.nodes[cid]["local"], cid
        # headquartered in the city, or listed by the region profile (正大天晴: group seat in 南京, bases in 连云港)
        assert c.city == "连云港市" or cid in region.local_companies, cid
        assert c.stock_code == code, cid
        assert "pharma" in g.nodes[cid]["chains"], cid
    assert [cid for cid in LEADERS if lib.companies[cid].city == "连云港市"] == [
        "hengrui_medicine",
        "jiangsu_hansoh",
        "kanion",
    ]
    assert lib.companies["jiangsu_hansoh"].parent == "hansoh_pharma"
    assert lib.companies["hansoh_pharma"].stock_code == "3692.HK"
    assert lib.companies["cttq_pharma"].parent == "sino_biopharm"
    assert lib.companies["sino_biopharm"].stock_code == "1177.HK"


def test_records_are_fresh_and_consistent(pharma_records):
    fresh = [c for c in pharma_records if c.as_of >= dt.date(2024, 6, 1)]
    assert len(fresh) >= 0.8 * len(pharma_records), [c.id for c in pharma_records if c not in fresh]
    for c in pharma_records:
        assert ("上市" in c.tags) == bool(c.stock_code), c.id
        assert len(OWNERSHIP & set(c.tags)) <= 1, c.id
        assert c.status == "存续" and c.delisted is None, c.id
        assert bool(c.revenue) == bool(c.revenue_year), c.id


def test_lianyungang_is_strong_in_drugs_and_short_of_supplies(lib, g):
    df = gaps(g, lib.regions["lianyungang"])
    links = df[(df["kind"] == "link") & (df["chain"] == "pharma")].set_index("node")
    for link in ("api", "generic_drugs", "innovative_drugs"):
        assert links.at[link, "status"] == "strong", link  # 恒瑞, 豪森, 正大天晴, 德源
    assert links.at["tcm_patent", "status"] != "missing"  # 康缘药业
    assert links.at["pharma_intermediates", "gap_type"] == "fill"
    for link in ("pharma_excipients", "pharma_packaging", "pharma_equipment", "bioprocess_supplies"):
        assert links.at[link, "status"] == "missing", link
