"""Per-chain counts of a graph: what `chainmap validate` reports and what the data checks assert."""

from __future__ import annotations

import networkx as nx
import pandas as pd

__all__ = ["chain_counts"]

COUNTED = ("link", "technology", "component", "institution", "company")


def chain_counts(g: nx.MultiDiGraph) -> pd.DataFrame:
    """One row per chain of ``g``: number of links (and key links), technologies, components,
    institutions and companies that belong to it (a shared node counts for each of its chains).

    Examples
    --------
    >>> g = nx.MultiDiGraph(chains=["x"])
    >>> g.add_node("chain:x", kind="chain", name="X链", chains=["x"])
    >>> g.add_node("a", kind="link", name="A", chains=["x"], key=True)
    >>> chain_counts(g)[["chain", "links", "key_links"]].values.tolist()
    [['x', 1, 1]]
    """
    rows = []
    for cid in g.graph.get("chains", []):
        row = {"chain": cid, "name": g.nodes[f"chain:{cid}"]["name"], "segments": 0, "key_links": 0}
        row.update({k: 0 for k in COUNTED})
        for _n, d in g.nodes(data=True):
            if cid not in d.get("chains", ()):
                continue
            kind = d["kind"]
            if kind in COUNTED:
                row[kind] += 1
            if kind == "segment":
                row["segments"] += 1
            if kind == "link" and d.get("key"):
                row["key_links"] += 1
        rows.append(row)
    cols = ["chain", "name", "segments", "link", "key_links", "technology", "component", "institution", "company"]
    return pd.DataFrame(rows, columns=cols).rename(
        columns={
            "link": "links",
            "technology": "technologies",
            "component": "components",
            "institution": "institutions",
            "company": "companies",
        }
    )
