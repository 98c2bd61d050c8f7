"""Feasibility from relatedness (economic complexity): can the home region realistically attract a link?

From a table of firm placements (firm, province, city, node, registered capital) over many regions:

* RCA(r, i) = (x_ri / sum_i x_ri) / (sum_r x_ri / sum_ri x_ri), x = firm count (``rca``) or registered
  capital in yuan where known (``rca_capital``); the region "has" i when RCA >= 1 (Balassa; Hidalgo 2007);
* proximity phi_ij = min(P(i | j), P(j | i)), P(i | j) the share of firms operating j that also operate i
  (co-occurrence within firms, Neffke, Henning & Boschma 2011);
* density d_ri = sum_j M_rj phi_ij / sum_j phi_ij (j != i), M_rj = 1 when RCA(r, j) >= 1: the share of
  i's related links the region already has (Hidalgo et al. 2007).

Everything is computed per chain over that chain's links, so a chain's figures do not depend on which
other chains are selected. Without imported firms (a census of many regions, not the curated sample)
there is nothing to compute: :func:`feasibility` returns None and no figure is invented.

Examples
--------
>>> import pandas as pd
>>> p = pd.DataFrame({"firm": ["a", "a", "b", "c", "d"], "province": ["江苏省"] * 2 + ["浙江省"] * 3,
...                   "city": ["连云港市"] * 2 + ["宁波市"] * 3, "node": ["x", "y", "x", "y", "z"],
...                   "capital": [None] * 5})
>>> [float(v) for v in rca(p).round(2).loc["江苏省连云港市"]]
[1.25, 1.25, 0.0]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from ..vocab import columns

__all__ = ["density", "feasibility", "placements_from_graph", "proximity", "quadrant", "rca"]

PLACEMENT_COLUMNS = ["firm", "province", "city", "node", "capital"]
FEASIBILITY_COLUMNS = columns("feasibility")
QUADRANTS = {"strength": "优势", "threat": "威胁", "opportunity": "机会", "weakness": "劣势"}


def placements_from_graph(g: nx.MultiDiGraph, firms: Iterable[str]) -> pd.DataFrame:
    """One row per (firm, link it operates) for ``firms`` of ``g`` (the imported firms: a census, not the
    curated leaders). The scale engineer can back this with the store instead.

    Examples
    --------
    >>> g = nx.MultiDiGraph(); g.add_node("x", kind="link")
    >>> g.add_node("f", kind="company", province="江苏省", city="连云港市", registered_capital=5e7)
    >>> _ = g.add_edge("f", "x", key="operates")
    >>> placements_from_graph(g, ["f"]).values.tolist()
    [['f', '江苏省', '连云港市', 'x', 50000000.0]]
    """
    rows = []
    for f in sorted(set(firms)):
        if f not in g:
            continue
        d = g.nodes[f]
        cap = d.get("registered_capital")
        cap = float(cap) if cap and d.get("capital_currency", "CNY") == "CNY" else None
        for v, keys in sorted(g.succ[f].items()):
            if "operates" in keys:
                rows.append((f, d.get("province", ""), d.get("city", ""), v, cap))
    return pd.DataFrame(rows, columns=PLACEMENT_COLUMNS)


def _region_key(p: pd.DataFrame, level: str) -> pd.Series:
    return p["province"].fillna("") + (p["city"].fillna("") if level == "city" else "")


def _matrix(keys: pd.Series, nodes: pd.Series, values: np.ndarray) -> pd.DataFrame:
    rows, row_names = pd.factorize(keys, sort=True)
    cols, col_names = pd.factorize(nodes, sort=True)
    m = np.zeros((len(row_names), len(col_names)))
    np.add.at(m, (rows, cols), values)
    return pd.DataFrame(m, index=row_names, columns=col_names)


def rca(placements: pd.DataFrame, *, by: str = "count", level: str = "city") -> pd.DataFrame:
    """Region x node revealed comparative advantage, by firm ``count`` or registered ``capital``.

    Regions are keyed ``province + city`` (``level="city"``) or the province (``level="province"``).
    A firm counts once per node.

    Examples
    --------
    >>> p = pd.DataFrame({"firm": ["a", "b", "c"], "province": ["江苏省", "浙江省", "浙江省"],
    ...                   "city": ["", "", ""], "node": ["x", "x", "y"], "capital": [1e8, None, 3e8]})
    >>> [float(v) for v in rca(p, by="capital", level="province").loc["江苏省"]]
    [4.0, 0.0]
    """
    p = placements.drop_duplicates(["firm", "node"])
    key = _region_key(p, level)
    if by == "capital":
        known = p["capital"].notna().to_numpy()
        x = _matrix(key[known], p["node"][known], p["capital"][known].to_numpy(dtype=float))
    else:
        x = _matrix(key, p["node"], np.ones(len(p)))
    return _rca_of(x)


def _rca_of(x: pd.DataFrame) -> pd.DataFrame:
    """RCA from a region x node matrix of counts or capital."""
    total = x.to_numpy().sum()
    if total <= 0:
        return x * 0.0
    share_r = x.div(x.sum(axis=1).replace(0, np.nan), axis=0)
    share_all = x.sum(axis=0) / total
    return share_r.div(share_all.replace(0, np.nan), axis=1).fillna(0.0)


def proximity(placements: pd.DataFrame) -> pd.DataFrame:
    """Node x node proximity: min of the two conditional shares of firms operating both.

    >>> p = pd.DataFrame({"firm": ["a", "a", "b"], "node": ["x", "y", "x"]})
    >>> float(proximity(p).loc["x", "y"])
    0.5
    """
    p = placements.drop_duplicates(["firm", "node"])
    m = _matrix(p["firm"], p["node"], np.ones(len(p)))
    return _phi(m.to_numpy().T @ m.to_numpy(), m.columns)


def _phi(both: np.ndarray, nodes: pd.Index) -> pd.DataFrame:
    """Proximity from the node x node counts of firms working at both."""
    n = np.diag(both)
    with np.errstate(divide="ignore", invalid="ignore"):
        cond = both / n[np.newaxis, :]  # P(i | j): column j
        phi = np.minimum(cond, cond.T)
    phi = np.nan_to_num(phi)
    np.fill_diagonal(phi, 0.0)
    return pd.DataFrame(phi, index=nodes, columns=nodes)


def density(present: pd.DataFrame, phi: pd.DataFrame) -> pd.DataFrame:
    """Region x node density: sum_j M_rj phi_ij / sum_j phi_ij (0 where a node is related to none).

    >>> phi = pd.DataFrame([[0, 1.0], [1.0, 0]], index=["x", "y"], columns=["x", "y"])
    >>> density(pd.DataFrame({"x": [1.0], "y": [0.0]}, index=["r"]), phi).values.tolist()
    [[0.0, 1.0]]
    """
    nodes = list(phi.columns)
    m = present.reindex(columns=nodes, fill_value=0.0).astype(float)
    num = m.values @ phi.values
    den = phi.values.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(den > 0, num / den, 0.0)
    return pd.DataFrame(d, index=m.index, columns=nodes)


def quadrant(rca_value: float, density_value: float, cut: float) -> str:
    """PSWOT quadrant: RCA >= 1 (present) x density at least ``cut`` and above 0 (well supported).

    >>> quadrant(1.5, 0.6, 0.5), quadrant(0.0, 0.6, 0.5), quadrant(0.0, 0.0, 0.0)
    ('优势', '机会', '劣势')
    """
    dense = density_value > 0 and density_value >= cut
    if rca_value >= 1:
        return QUADRANTS["strength"] if dense else QUADRANTS["threat"]
    return QUADRANTS["opportunity"] if dense else QUADRANTS["weakness"]


def feasibility(
    placements: pd.DataFrame,
    home: tuple[str, str | None],
    chains: Mapping[str, list[str]],
    names: Mapping[str, str] | None = None,
    *,
    coded: Coded | None = None,
) -> pd.DataFrame | None:
    """Per chain and link: the home region's RCA (firm count and capital), density and PSWOT quadrant
    (density cut at the chain's median). ``home`` is (province, city); ``chains`` chain -> its links.
    None when ``placements`` is empty: feasibility is not computed. ``coded``: the placements already
    as codes (:meth:`Coded.from_parts`; then ``placements`` is not read).

    Examples
    --------
    >>> p = pd.DataFrame({"firm": ["a", "a", "b", "b", "c"], "province": ["江苏省", "江苏省", "浙江省", "浙江省", "浙江省"],
    ...                   "city": ["连云港市", "连云港市", "宁波市", "宁波市", "宁波市"],
    ...                   "node": ["x", "y", "y", "z", "z"], "capital": [None] * 5})
    >>> t = feasibility(p, ("江苏省", "连云港市"), {"c": ["x", "y", "z"]})
    >>> z = t.set_index("node").loc["z"]
    >>> float(z["rca"]), float(z["density"]), z["quadrant"]
    (0.0, 1.0, '机会')
    >>> feasibility(p.iloc[:0], ("江苏省", "连云港市"), {"c": ["x"]}) is None
    True
    """
    level = "city" if home[1] else "province"
    if coded is None:
        if placements.empty:
            return None
        coded = Coded.from_frame(placements, level)
    elif not len(coded.node):
        return None
    key = home[0] + (home[1] or "")
    rows = []
    for chain, links in chains.items():
        sub = coded.subset(links)
        if not sub.any():
            continue
        r = _rca_of(coded.matrix(sub))
        rc = _rca_of(coded.matrix(sub & coded.known, capital=True))
        phi = coded.proximity(sub)
        d = density((r >= 1).astype(float), phi)
        home_rca = r.loc[key] if key in r.index else pd.Series(0.0, index=r.columns)
        home_d = d.loc[key] if key in d.index else density(pd.DataFrame([home_rca * 0.0]), phi).iloc[0]
        cut = float(home_d.median())
        for n in links:
            if n not in r.columns:
                continue
            rv, dv = float(home_rca.get(n, 0.0)), float(home_d.get(n, 0.0))
            cap = float(rc.loc[key, n]) if key in rc.index and n in rc.columns else None
            rows.append(
                {
                    "chain": chain,
                    "node": n,
                    "name": (names or {}).get(n, n),
                    "rca": round(rv, 3),
                    "rca_capital": round(cap, 3) if cap is not None else None,
                    "density": round(dv, 3),
                    "present": rv >= 1,
                    "quadrant": quadrant(rv, dv, cut),
                }
            )
    return pd.DataFrame(rows, columns=FEASIBILITY_COLUMNS)


def _dense(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``codes`` (sorted) and each code's position among them, without sorting the codes."""
    present = np.bincount(codes, minlength=size) > 0
    return np.flatnonzero(present), (np.cumsum(present) - 1)[codes]


class Coded:
    """The placements as integer codes, once: each chain's RCA and proximity are then computed on its
    subset with array operations, to the numbers of :func:`rca` and :func:`proximity` (counts are exact;
    capital is added per cell from the smallest amount up, so the sums do not depend on the order of
    the rows and both ways of building this give the same bits). ``region``: codes into
    ``regions`` (sorted keys), ``node``: codes into ``nodes`` (sorted ids), ``firm``: a code per firm."""

    def __init__(self, region, regions, node, nodes, firm, capital):
        self.region, self.regions, self.node, self.nodes = region, regions, node, nodes
        self.firm, self.capital = firm, capital
        self.known = ~np.isnan(capital)

    @classmethod
    def from_frame(cls, placements: pd.DataFrame, level: str) -> Coded:
        """From a table of :data:`PLACEMENT_COLUMNS` (sorted by firm, then node)."""
        p = placements.drop_duplicates(["firm", "node"])
        region, regions = pd.factorize(_region_key(p, level), sort=True)
        node, nodes = pd.factorize(p["node"], sort=True)
        capital = p["capital"].to_numpy(dtype=float, na_value=np.nan)
        return cls(region, regions, node, nodes, pd.factorize(p["firm"])[0], capital)

    @classmethod
    def from_parts(cls, parts: list[dict[str, Any]], nodes: list[str]) -> Coded:
        """From parts, each a dict of arrays: ``firm`` (codes, distinct across parts), ``key`` (codes
        into the part's ``keys``: the region keys of :func:`rca`), ``node`` (codes into the sorted
        ``nodes``), ``capital`` (NaN: none)."""
        vocab = sorted({k for p in parts for k in p["keys"]})
        at = {k: i for i, k in enumerate(vocab)}
        key = np.concatenate([np.array([at[k] for k in p["keys"]], np.int64)[p["key"]] for p in parts])
        cols = {c: np.concatenate([np.asarray(p[c]) for p in parts]) for c in ("firm", "node", "capital")}
        capital = cols["capital"].astype(float)
        return cls(key, pd.Index(vocab), cols["node"], pd.Index(nodes), cols["firm"], capital)

    def subset(self, links: list[str]) -> np.ndarray:
        """Mask of the placements at ``links``."""
        codes = self.nodes.get_indexer(pd.Index(list(links), dtype=object))
        return np.isin(self.node, codes[codes >= 0])

    def matrix(self, mask: np.ndarray, capital: bool = False) -> pd.DataFrame:
        """Region x node counts (or capital) of the placements of ``mask``, named and sorted as
        :func:`_matrix` names and sorts them."""
        r, n = self.region[mask], self.node[mask]
        (ur, ri), (un, ni) = _dense(r, len(self.regions)), _dense(n, len(self.nodes))
        m = np.zeros((len(ur), len(un)))
        if capital:  # per cell, smallest first: the same sums whatever the order of the rows
            values = self.capital[mask]
            order = np.lexsort((values, ni, ri))
            ri, ni, values = ri[order], ni[order], values[order]
        else:
            values = np.ones(len(r))
        np.add.at(m, (ri, ni), values)
        return pd.DataFrame(m, index=self.regions.take(ur), columns=self.nodes.take(un))

    def proximity(self, mask: np.ndarray) -> pd.DataFrame:
        """:func:`proximity` of the placements of ``mask``: pairs of nodes counted firm by firm."""
        f, n = self.firm[mask], self.node[mask]
        un, c = _dense(n, len(self.nodes))
        order = np.argsort(f, kind="stable")
        f, c = f[order], c[order]
        starts = np.flatnonzero(np.concatenate(([True], f[1:] != f[:-1])))
        sizes = np.diff(np.append(starts, len(f)))
        per = np.repeat(sizes, sizes)  # each placement pairs with every placement of its firm
        first = np.repeat(np.repeat(starts, sizes), per)
        offset = np.arange(per.sum()) - np.repeat(np.cumsum(per) - per, per)
        i = np.repeat(np.arange(len(f)), per)
        k = len(un)
        both = np.bincount(c[i] * k + c[first + offset], minlength=k * k).reshape(k, k).astype(float)
        return _phi(both, self.nodes.take(un))


def coded_with_store(placements: pd.DataFrame, store: Any, level: str) -> Coded | None:
    """The graph's placements (:func:`placements_from_graph`) and those of the firms kept in the store
    (``store``: a :class:`chainmap.firmstore.StoreView`), as codes for :func:`feasibility`; None
    without a store."""
    if store is None:
        return None
    kept = store.placements(level)
    firm_codes, firms = pd.factorize(placements["firm"])
    keys = placements["province"].fillna("") + (placements["city"].fillna("") if level == "city" else "")
    key_codes, key_names = pd.factorize(keys)
    index = store.store.node_index
    graph_part = {
        "firm": firm_codes.astype(np.int64),
        "key": key_codes.astype(np.int64),
        "keys": list(key_names),
        "node": np.array([index[n] for n in placements["node"]], np.int64),
        "capital": placements["capital"].to_numpy(dtype=float, na_value=np.nan),
    }
    store_part = {**kept, "firm": kept["row"] + len(firms)}  # store rows: distinct firms
    return Coded.from_parts([graph_part, store_part], store.store.node_ids)
