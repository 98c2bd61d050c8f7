"""The issue's done-when checks on the bundled library, tried as a domain expert would, and one basis for
every output: the same node in the same chain reads the same in the CLI (json, csv, xlsx) and the API."""

from __future__ import annotations

import io
import json
import re

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

import chainmap
from chainmap.cli import main
from chainmap.graph import is_local
from chainmap.vocab import COMPANY_STATUS_ACTIVE, GAP_LABELS, STATUS_LABELS, headers

from .conftest import BUNDLED

COMPARED = ["status", "gap_type", "priority", "reason"]


@pytest.fixture(scope="module")
def lib():
    return chainmap.load(BUNDLED)


@pytest.fixture(scope="module")
def full(lib):
    return chainmap.analyse(lib, None, "lianyungang")


def _own_flow(lib, chain: str) -> nx.DiGraph:
    links = set(lib.chains[chain].links)
    f = nx.DiGraph()
    f.add_nodes_from(links)
    f.add_edges_from((a, b) for a, b in lib.feeds if a in links and b in links)
    return f


def test_no_fill_gap_without_present_links_within_reach_on_both_sides_in_its_own_chain(lib, full):
    reach = full.region.thresholds.fill_reach
    fills = full.chain_gaps[(full.chain_gaps["gap_type"] == "fill") & (full.chain_gaps["kind"] == "link")]
    assert len(fills)
    for chain, rows in full.chain_gaps.groupby("chain"):
        present = set(rows.loc[(rows["kind"] == "link") & (rows["status"] != "missing"), "node"])
        flow = _own_flow(lib, chain)
        for node in fills.loc[fills["chain"] == chain, "node"]:
            up = nx.single_source_shortest_path_length(flow.reverse(), node, cutoff=reach)
            down = nx.single_source_shortest_path_length(flow, node, cutoff=reach)
            assert present & (set(up) - {node}), (chain, node)
            assert present & (set(down) - {node}), (chain, node)


def test_resource_and_service_links_are_neither_gaps_nor_targets(lib, full):
    roles = {n for n, node in lib.nodes.items() if node.role}
    assert {"crude_oil", "wheat", "corn", "soybean", "lithium_resources", "grain_port_logistics"} <= roles
    rows = full.chain_gaps[full.chain_gaps["node"].isin(roles)]
    assert len(rows) and rows["gap_type"].isna().all() and (rows["priority"] == 0).all()
    assert set(rows["status"]) >= {"missing"}  # still shown with their status
    for covers in full.all_targets["covers"]:
        assert not roles & set(covers)
    # no firm working only at resource / service links is a target (中储粮, 中国海油 ...)
    only_roles = {
        cid for cid, c in lib.companies.items() if c.operates and set(c.operates) <= roles and not (c.makes or c.holds)
    }
    members = {m for ms in full.all_targets["members"] for m in ms}
    names = {lib.companies[c].display_name for c in only_roles}
    assert not names & members


def _top(lib, cid: str) -> str:
    seen = {cid}
    while lib.companies[cid].parent in lib.companies and lib.companies[cid].parent not in seen:
        cid = lib.companies[cid].parent
        seen.add(cid)
    return cid


def test_every_group_with_a_local_site_is_an_existing_investor(lib, full):
    region = full.region
    local_groups = {_top(lib, cid) for cid, c in lib.companies.items() if is_local(c, region)}
    t = full.all_targets
    assert t["group"].is_unique  # one group, one row
    for row in t.itertuples():
        assert row.group == _top(lib, row.company)
        existing = row.group in local_groups
        assert row.track == ("existing" if existing else "new"), row.name
        if existing:
            assert "已在我市投资" in row.why and "争取" in row.why, row.why
    assert "dongfang_shenghong" in set(t.loc[t["track"] == "existing", "group"])


def test_no_firm_that_is_not_active_is_a_target(lib, full):
    active = {cid for cid, c in lib.companies.items() if c.status in COMPANY_STATUS_ACTIVE}
    assert set(full.all_targets["company"]) <= active
    names = {c.display_name for cid, c in lib.companies.items() if cid not in active}
    assert not names & {m for ms in full.all_targets["members"] for m in ms}
    assert all(lib.companies[c].status not in COMPANY_STATUS_ACTIVE for c in full.excluded["company"])


def test_every_why_can_be_read_aloud(full):
    t = full.all_targets
    assert len(t) and t["why"].map(len).max() <= 40
    assert (t["why_detail"].map(len) >= t["why"].map(len)).all()
    assert t["as_of"].str.match(r"^\d{4}-\d{2}-\d{2}$").all()


def test_one_large_plant_makes_pta_strong(full):
    row = full.gaps.set_index("node").loc["pta"]
    assert row["status"] == "strong" and "390万吨/年" in row["reason"]


def test_first_wave_has_twenty_distinct_firms_and_opens_gaps(full):
    w = full.first_wave
    assert len(w) == 20 and w["company"].is_unique and list(w["wave_rank"]) == list(range(1, 21))
    assert w.iloc[0]["company"] == full.all_targets.iloc[0]["company"]
    covered = set()
    for row in w.itertuples():
        assert row.marginal <= row.score + 1e-9
        covered |= set(full.all_targets.set_index("company").at[row.company, "covers"])
    top20 = set().union(*map(set, full.all_targets.head(20)["covers"]))
    assert len(covered) >= len(top20)  # the portfolio covers at least as many gaps as the top 20 by score


# ---------------------------------------------------------------- one basis everywhere


def _cli(*args: str) -> bytes:
    r = CliRunner().invoke(main, ["--chains", str(BUNDLED), *args], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.stdout_bytes


def _from_people(df: pd.DataFrame) -> pd.DataFrame:
    h = headers("gaps")
    df = df.rename(columns=lambda c: re.sub(r"[（(][^）)]*[）)]$", "", str(c)))  # the workbook adds units
    status = {v: k for k, v in STATUS_LABELS.items()}
    gap = {v: k for k, v in GAP_LABELS.items()}
    out = pd.DataFrame(
        {
            "node": df[h["node"]],
            "status": df[h["status"]].map(status),
            "gap_type": df[h["gap_type"]].map(lambda v: gap.get(v) if isinstance(v, str) and v else None),
            "priority": df[h["priority"]].astype(float),
            "reason": df[h["reason"]],
        }
    )
    return out.set_index("node")


def _norm(df: pd.DataFrame) -> pd.DataFrame:
    out = df.set_index("node")[COMPARED].copy()
    out["gap_type"] = [v if isinstance(v, str) else None for v in out["gap_type"]]
    out["priority"] = out["priority"].astype(float)
    return out.sort_index()


@pytest.mark.parametrize("chain", ["polyester", "petrochem"])
def test_the_same_node_reads_the_same_in_every_output(lib, full, chain, tmp_path):
    api_alone = _norm(chainmap.analyse(lib, [chain], "lianyungang").gaps)
    api_in_all = _norm(full.gaps_of_chain(chain))
    pd.testing.assert_frame_equal(api_alone, api_in_all)

    as_json = _norm(pd.DataFrame(json.loads(_cli("gaps", chain, "--format", "json"))))
    pd.testing.assert_frame_equal(as_json, api_alone)

    as_csv = _from_people(pd.read_csv(io.BytesIO(_cli("gaps", chain, "--format", "csv")), encoding="utf-8-sig"))
    pd.testing.assert_frame_equal(as_csv.sort_index()[COMPARED], api_alone, check_dtype=False)

    out = tmp_path / "gaps.xlsx"
    _cli("gaps", chain, "--format", "xlsx", "-o", str(out))
    every_node = _from_people(pd.read_excel(out, sheet_name="全部节点状态").fillna("")).sort_index()[COMPARED]
    pd.testing.assert_frame_equal(every_node, api_alone, check_dtype=False)
    gaps_only = _from_people(pd.read_excel(out, sheet_name="缺链清单").fillna("")).sort_index()[COMPARED]
    pd.testing.assert_frame_equal(gaps_only, api_alone.loc[gaps_only.index], check_dtype=False)
    assert set(gaps_only.index) == set(api_alone.index[api_alone["gap_type"].notna()])

    # gaps --all: a node whose most urgent result comes from this chain reads as in `gaps CHAIN`
    every = pd.DataFrame(json.loads(_cli("gaps", "--all", "--format", "json")))
    mine = _norm(every[every["chain"] == chain])
    assert len(mine)
    pd.testing.assert_frame_equal(mine, api_alone.loc[mine.index])
    # and the API's one-row-per-node table says the same
    pd.testing.assert_frame_equal(_norm(full.gaps[full.gaps["chain"] == chain]), mine)


def test_completeness_per_chain_counts_that_chain_alone(lib, full):
    comp = full.completeness.set_index("chain")
    for chain in ("polyester", "petrochem"):
        alone = chainmap.analyse(lib, [chain], "lianyungang").completeness.set_index("chain").loc[chain]
        cols = ["fill", "extend", "strengthen", "completeness"]
        assert [float(v) for v in comp.loc[chain, cols]] == [float(v) for v in alone[cols]]
