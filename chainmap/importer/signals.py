"""Change signals between exports (what makes a lead "hot"): when a newer export of firms the store
already holds is imported, each change is recorded with the newer export's date -- ``new`` (a firm not
seen before), ``capital_up`` (registered capital increased), ``status`` (登记状态 changed), ``moved``
(city changed), ``placed`` (newly on a chain node). Kept in ``imported/changes.signals`` (Parquet), read
with :func:`chainmap.store.recent_signals`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..money import Amount
from ..store import SIGNAL_SCHEMA, TIES
from .clean import amount_text

__all__ = ["changed_signal_rows", "changed_signals", "firm_chains", "new_signals", "node_chains"]


def node_chains(lib: Any) -> dict[str, list[str]]:
    """node id -> the chains that hold it (a link in its chains; a technology or component in the
    chains of the links that need it)."""
    out: dict[str, set[str]] = {}
    for cid, chain in lib.chains.items():
        for link in chain.links:
            out.setdefault(link, set()).add(cid)
    for pairs in (lib.requires, lib.uses):
        for link, node in pairs:
            out.setdefault(node, set()).update(out.get(link, ()))
    return {n: sorted(c) for n, c in out.items()}


def _chains(ties: list[list[str] | None], chains_of: dict[str, list[str]]) -> list[str]:
    return sorted({c for nodes in ties for n in (nodes or []) for c in chains_of.get(n, [])})


def _ties(rec: dict[str, Any]) -> list[list[str] | None]:
    return [rec[k] for k in TIES]


def _money(value: float | None, currency: str | None) -> str | None:
    return None if value is None else amount_text(Amount(value, currency or "CNY"))


def changed_signals(new: pa.Table, old: pa.Table, chains_of: dict[str, list[str]], source: str) -> pa.Table:
    """Signals of the stored records a newer export changed (``new`` and ``old`` aligned, changed rows
    only)."""
    rows: list[dict[str, Any]] = []
    cols = ["id", "name", "credit_code", "capital_value", "capital_currency", "status", "city", "as_of", *TIES]
    for n, o in zip(new.select(cols).to_pylist(), old.select(cols).to_pylist(), strict=True):
        if o["as_of"] is not None and n["as_of"] is not None and n["as_of"] <= o["as_of"]:
            continue  # the same export again, or an older one: nothing happened since
        base = {
            "id": n["id"],
            "name": n["name"],
            "credit_code": n["credit_code"],
            "date": n["as_of"],
            "since": o["as_of"],
            "chains": _chains(_ties(n), chains_of),
            "source_file": source,
        }
        nv, ov = n["capital_value"], o["capital_value"]
        same_currency = (n["capital_currency"] or "CNY") == (o["capital_currency"] or "CNY")
        if nv is not None and ov is not None and same_currency and nv > ov:
            rows.append(
                base
                | {
                    "kind": "capital_up",
                    "old": _money(ov, o["capital_currency"]),
                    "new": _money(nv, n["capital_currency"]),
                }
            )
        if n["status"] and o["status"] and n["status"] != o["status"]:
            rows.append(base | {"kind": "status", "old": o["status"], "new": n["status"]})
        if n["city"] and o["city"] and n["city"] != o["city"]:
            rows.append(base | {"kind": "moved", "old": o["city"], "new": n["city"]})
        was = any(o[k] for k in TIES)
        if not was and any(n[k] for k in TIES):
            rows.append(
                base | {"kind": "placed", "old": None, "new": "、".join(sorted({x for k in TIES for x in n[k]}))}
            )
    return pa.Table.from_pylist(rows, schema=SIGNAL_SCHEMA)


def changed_signal_rows(
    new: pa.Table, old: pa.Table, chains_of: dict[str, list[str]], source: str
) -> tuple[pa.Table, np.ndarray]:
    """:func:`changed_signals` by column (the same rows, in the same order: per record its kinds in turn),
    and the row of ``new`` each signal is about. Only the few capital and placed texts are made per row."""
    if not len(new):
        return SIGNAL_SCHEMA.empty_table(), np.zeros(0, np.int64)
    live = ~np.asarray(pc.fill_null(pc.less_equal(new["as_of"], old["as_of"]), False), dtype=bool)
    nv, ov = new["capital_value"], old["capital_value"]
    same_cur = pc.equal(pc.fill_null(new["capital_currency"], "CNY"), pc.fill_null(old["capital_currency"], "CNY"))
    cap = live & _true(pc.and_kleene(same_cur, pc.greater(nv, ov)))
    status = live & _true(_differ(new["status"], old["status"]))
    moved = live & _true(_differ(new["city"], old["city"]))
    placed = live & ~_tied(old) & _tied(new)
    rows = [np.flatnonzero(m) for m in (cap, status, moved, placed)]
    at = np.concatenate(rows)
    order = np.lexsort((np.repeat(np.arange(4), [len(r) for r in rows]), at))  # by record, then kind
    if not len(at):
        return SIGNAL_SCHEMA.empty_table(), at
    take = pa.array(at)
    money = ["capital_value", "capital_currency"]
    was = old.select(money).take(pa.array(rows[0])).to_pylist()
    now = new.select(money).take(pa.array(rows[0])).to_pylist()
    olds = [
        pa.array([_money(o["capital_value"], o["capital_currency"]) for o in was], pa.string()),
        _text(old["status"], rows[1]),
        _text(old["city"], rows[2]),
        pa.nulls(len(rows[3]), pa.string()),
    ]
    ties = new.select(list(TIES)).take(pa.array(rows[3])).to_pylist()
    news = [
        pa.array([_money(n["capital_value"], n["capital_currency"]) for n in now], pa.string()),
        _text(new["status"], rows[1]),
        _text(new["city"], rows[2]),
        pa.array(["、".join(sorted({x for k in TIES for x in t[k] or []})) for t in ties], pa.string()),
    ]
    kinds = [pa.array([k] * len(r), pa.string()) for k, r in zip(_CHANGE_KINDS, rows, strict=True)]
    chains = firm_chains(new.select(list(TIES)).take(take), chains_of)
    sig = pa.table(
        {
            "kind": pa.concat_arrays(kinds),
            "id": new["id"].take(take),
            "name": new["name"].take(take),
            "credit_code": new["credit_code"].take(take),
            "date": new["as_of"].take(take),
            "since": old["as_of"].take(take),
            "old": pa.concat_arrays(olds),
            "new": pa.concat_arrays(news),
            "chains": chains,
            "source_file": pa.array([source] * len(at), pa.string()),
        }
    )
    return sig.take(pa.array(order)).cast(SIGNAL_SCHEMA), at[order]


_CHANGE_KINDS = ("capital_up", "status", "moved", "placed")


def _text(col: pa.ChunkedArray, rows: np.ndarray) -> pa.Array:
    return pc.cast(col.take(pa.array(rows)), pa.string()).combine_chunks()


def _true(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False), dtype=bool)


def _differ(a: pa.ChunkedArray, b: pa.ChunkedArray) -> pa.ChunkedArray:
    """Both set (not null, not empty) and different."""
    return pc.and_kleene(pc.and_kleene(pc.not_equal(a, ""), pc.not_equal(b, "")), pc.not_equal(a, b))


def _tied(t: pa.Table) -> np.ndarray:
    """Per record: tied to some node (a list of any length above 0 in a tie column)."""
    out = np.zeros(len(t), dtype=bool)
    for k in TIES:
        out |= np.asarray(pc.fill_null(pc.list_value_length(t[k]), 0)) > 0
    return out


def firm_chains(t: pa.Table, chains_of: dict[str, list[str]]) -> pa.Array:
    """Per firm of ``t``, the chains of the nodes it is tied to (sorted, no repeats), by column: each
    (firm, node) pair gives its chains' numbers, the unique (firm, chain) pairs make the lists.

    Examples
    --------
    >>> t = pa.table({"operates": [["a2"], None], "makes": [["x", "a3"], []], "holds": [None, ["a2"]]})
    >>> firm_chains(t, {"a2": ["pet", "pta"], "a3": ["pet"]}).to_pylist()
    [['pet', 'pta'], ['pet', 'pta']]
    """
    names = sorted({c for cs in chains_of.values() for c in cs})
    nodes = sorted(chains_of)
    deg = np.array([len(set(chains_of[n])) for n in nodes], dtype=np.int64)
    members = np.array([names.index(c) for n in nodes for c in sorted(set(chains_of[n]))], dtype=np.int64)
    firms, node = [], []
    for k in TIES:
        col = t[k].combine_chunks() if isinstance(t[k], pa.ChunkedArray) else t[k]
        firms.append(np.asarray(pc.list_parent_indices(col)))
        node.append(pc.list_flatten(col))
    at = pc.index_in(
        pa.concat_arrays(node) if node else pa.array([], pa.string()), value_set=pa.array(nodes, pa.string())
    )
    known = np.asarray(pc.is_valid(at))
    firm = np.concatenate(firms)[known] if firms else np.zeros(0, np.int64)
    at = np.asarray(at.filter(pa.array(known))).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(deg)])[at]
    count = deg[at]
    first = np.repeat(np.cumsum(count) - count, count)
    chain = members[np.repeat(starts, count) + np.arange(int(count.sum())) - first]
    pairs = np.sort(np.repeat(firm, count) * max(len(names), 1) + chain)
    pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])] if len(pairs) else pairs
    row, chain = pairs // max(len(names), 1), pairs % max(len(names), 1)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=len(t)))]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(names, pa.string()).take(pa.array(chain)))


def new_signals(fresh: pa.Table, chains_of: dict[str, list[str]], source: str) -> pa.Table:
    """A ``new`` signal per firm the store had not seen (only when the store already held firms)."""
    if not len(fresh):
        return SIGNAL_SCHEMA.empty_table()
    chains = firm_chains(fresh, chains_of)
    n = len(fresh)
    return pa.table(
        {
            "kind": pa.array(["new"] * n, pa.string()),
            "id": fresh["id"],
            "name": fresh["name"],
            "credit_code": fresh["credit_code"],
            "date": fresh["as_of"],
            "since": pa.nulls(n, pa.date32()),
            "old": pa.nulls(n, pa.string()),
            "new": pc.cast(fresh["city"], pa.string()),
            "chains": chains,
            "source_file": pa.array([source] * n, pa.string()),
        },
        schema=SIGNAL_SCHEMA,
    )
