"""The shortcuts of `chainmap validate` give what the long way gives: per-chain counts without a graph of
every firm equal the counts of the full graph (shared nodes, firms in several chains, hostile names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainmap.analysis.summary import chain_counts
from chainmap.graph import build_graph
from chainmap.load import load_library
from chainmap.validate import summary_counts, validate

from .conftest import BUNDLED, MINI
from .synth import write_library


@pytest.mark.parametrize("which", ["bundled", "mini", "synth"])
def test_summary_counts_equal_the_graph_counts(which, tmp_path: Path):
    root = {"bundled": BUNDLED, "mini": MINI}.get(which) or write_library(tmp_path, firms=300, hostile="<b>=1+1")
    lib = load_library(root)
    fast = summary_counts(lib)
    assert fast.equals(chain_counts(build_graph(lib)))
    assert fast["companies"].sum() > 0


def test_validate_report_counts_firms_per_chain(tmp_path: Path):
    root = write_library(tmp_path, firms=90)
    report = validate([root])
    assert report.ok
    (row,) = report.results[0].chains
    assert row["chain"] == "synth" and row["companies"] == 90 and report.results[0].companies == 90
