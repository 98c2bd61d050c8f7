"""Duplicate rows of a firm folded into its record: :func:`merge_into` one row at a time (the reference),
:func:`merged` for many records at once by array work, with the same result. A newer export's record of a
stored firm keeps the stored values it has no value for: :func:`carry_over`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..store import COLUMNS, TIES
from .keys import _offsets

__all__ = ["CARRIED_WITH", "LISTISH", "carry_over", "merge_into", "merge_lists", "merged"]

LISTISH = ("id", "source", "evidence", "uncertain", *TIES)  # folded as lists; the rest by column
# An amount and its currency: a newer record without the amount takes both stored values, or neither.
CARRIED_WITH = {"capital_value": "capital_currency", "paid_in_value": "paid_in_currency"}
_NOT_CARRIED = ("as_of", "placed", *CARRIED_WITH.values())  # the export's date; placed follows the ties


def merged(base: pa.Table, pos: np.ndarray, rows: pa.Table) -> dict[str, pa.Array]:
    """The records ``base`` (one row each) with the duplicate ``rows`` folded in (``pos``: the record of
    each, ascending; as :func:`merge_into` one by one, in the order they came), by array work: a gap of a
    plain column (null or empty text) takes the first value of a later row; ties and sources are united,
    uncertain nodes lose the placed ones; only the evidence is folded row by row. Returns the columns
    that may have changed (the list columns, and the plain ones with a gap), one value per record."""
    k = len(base)
    group = np.concatenate([np.arange(k), pos])  # base rows first, then patches
    order = np.argsort(group, kind="stable")  # per record: its base row, then its patches as they came
    both = pa.concat_tables([base, rows.cast(base.schema)]).take(pa.array(order))
    grp = group[order]  # the record of each row of ``both``
    return _plain(base, both, grp, k) | _lists(both, grp, k)


def _gaps(col: pa.Array) -> np.ndarray:
    """Per value: null, or an empty text."""
    gap = np.asarray(col.is_null(), dtype=bool)
    if pa.types.is_string(col.type) and len(col):
        off = _offsets(col)[0]
        gap |= off[1:] == off[:-1]
    return gap


def _plain(base: pa.Table, both: pa.Table, grp: np.ndarray, k: int) -> dict[str, pa.Array]:
    """The plain columns with a gap in some record, each gap filled from the record's first later row
    that has a value."""
    starts = np.searchsorted(grp, np.arange(k))
    out = {}
    for name in both.column_names:
        if name in LISTISH:
            continue
        if not _gaps(base[name].combine_chunks()).any():
            continue
        col = both[name].combine_chunks()
        at = np.where(_gaps(col), len(col), np.arange(len(col)))
        first = np.minimum.reduceat(at, starts)
        out[name] = col.take(pa.array(np.where(first < len(col), first, starts)))
    return out


def _lists(both: pa.Table, grp: np.ndarray, k: int) -> dict[str, pa.Array]:
    """Ties (sorted union), uncertain nodes (sorted union less the placed ones), sources (each new
    one appended) and evidence of the ``k`` records."""
    cols = {c: both[c].combine_chunks() for c in (*TIES, "uncertain")}
    flat = [pc.list_flatten(cols[c]) for c in cols]
    rows = [np.asarray(pc.list_parent_indices(cols[c]), dtype=np.int64) for c in cols]
    words = pc.dictionary_encode(pa.concat_arrays(flat))
    by_word = pc.array_sort_indices(words.dictionary)
    dictionary = words.dictionary.take(by_word)  # sorted: rank = position
    rank = np.empty(len(dictionary), np.int64)
    rank[np.asarray(by_word)] = np.arange(len(dictionary))
    codes = rank[np.asarray(words.indices, dtype=np.int64)] if len(words.indices) else np.zeros(0, np.int64)
    d = max(len(dictionary), 1)
    keys, tied, placed, out = [], [], np.zeros(0, np.int64), {}
    at = 0
    for c, r in zip(cols, rows, strict=True):
        key = grp[r] * d + codes[at : at + len(r)]
        at += len(r)
        if c != "uncertain":
            tied.append((key, r))
        u = np.unique(key)
        keys.append(u)
        placed = np.union1d(placed, u) if c != "uncertain" else placed
    keys[-1] = np.setdiff1d(keys[-1], placed, assume_unique=True)
    for c, u in zip(cols, keys, strict=True):
        offsets = np.concatenate([[0], np.cumsum(np.bincount(u // d, minlength=k))]).astype(np.int32)
        out[c] = pa.ListArray.from_arrays(pa.array(offsets), dictionary.take(pa.array(u % d)))
    out["source"] = _sources(both["source"].combine_chunks(), grp, k)
    out["evidence"] = _evidence(both["evidence"].combine_chunks(), grp, k, _FirstRows(tied), dictionary, d)
    return out


class _FirstRows:
    """By (record, node) key, the first row that ties the record to the node (from ``tied``: pairs of
    keys and rows)."""

    def __init__(self, tied: list[tuple[np.ndarray, np.ndarray]]):
        key = np.concatenate([k for k, _r in tied]) if tied else np.zeros(0, np.int64)
        row = np.concatenate([r for _k, r in tied]) if tied else np.zeros(0, np.int64)
        order = np.lexsort((row, key))  # by key, then row: the first of each key is its first row
        key, row = key[order], row[order]
        first = np.concatenate([[True], key[1:] != key[:-1]]) if len(key) else np.zeros(0, bool)
        self.keys, self.rows = key[first], row[first]

    def get(self, key: int, default: int) -> int:
        i = int(np.searchsorted(self.keys, key))
        return int(self.rows[i]) if i < len(self.keys) and self.keys[i] == key else default


def _sources(col: pa.Array, grp: np.ndarray, k: int) -> pa.Array:
    """Per record, the sources of its rows in turn, a later row's only where no earlier row has them."""
    flat = pc.list_flatten(col)
    row = np.asarray(pc.list_parent_indices(col), dtype=np.int64)
    code = np.asarray(pc.dictionary_encode(flat).indices.fill_null(-1), dtype=np.int64) + 1
    key = grp[row] * (len(flat) + 1) + code
    _u, first, inv = np.unique(key, return_index=True, return_inverse=True)
    keep = row == row[first][inv]  # in the first row that has it (all of the base row's)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(grp[row[keep]], minlength=k))]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), flat.filter(pa.array(keep)))


def _evidence(col: pa.Array, grp: np.ndarray, k: int, first_row: _FirstRows, words: pa.Array, d: int) -> pa.Array:
    """Per record, its evidence with each later row's folded in as :func:`merge_lists` does (a part
    "below the threshold" dropped once its node is placed: ``first_row``, by (record, node) key, the
    first row that ties the record to the node). A record none of whose later rows brings evidence
    other than its own keeps its own (found by array work); the others are folded one by one."""
    starts = np.searchsorted(grp, np.arange(k + 1))
    own = col.take(pa.array(starts[:-1]))  # the records' evidence as added
    same = np.asarray(pc.fill_null(pc.equal(col, own.take(pa.array(grp))), False), dtype=bool)
    busy = np.unique(grp[~(_gaps(col) | same)])
    if not len(busy):
        return own
    index = {w: i for i, w in enumerate(words.to_pylist())}
    at = np.concatenate([np.arange(starts[g], starts[g + 1]) for g in busy])
    ev = dict(zip(at.tolist(), col.take(pa.array(at)).to_pylist(), strict=True))
    folded = []
    for g in busy.tolist():
        rec = ev[int(starts[g])]
        for r in range(int(starts[g]) + 1, int(starts[g + 1])):
            new = ev[r]
            if not new or new == rec:
                continue
            parts = [p for e in (rec, new) if e for p in e.split("；")]
            parts = [p for p in parts if not (p.endswith("（未达阈值）") and _placed_by(p, g, r, first_row, index, d))]
            rec = "；".join(dict.fromkeys(parts))
        folded.append(rec)
    mask = np.zeros(k, dtype=bool)
    mask[busy] = True
    return pc.replace_with_mask(own, pa.array(mask), pa.array(folded, pa.string()))


def _placed_by(part: str, g: int, r: int, first_row: _FirstRows, index: dict[str, int], d: int) -> bool:
    """Whether the node a part of evidence names is placed for record ``g`` by its row ``r``."""
    w = index.get(part.split(" ", 1)[0])
    return w is not None and first_row.get(g * d + w, r + 1) <= r


def merge_into(rec: dict[str, Any], new: dict[str, Any]) -> None:
    """Fold a duplicate row into a record: fill its gaps, add ties and the row's source."""
    for k in COLUMNS:
        if k in LISTISH:
            continue
        if rec.get(k) in (None, "") and new.get(k) not in (None, ""):
            rec[k] = new[k]
    merge_lists(rec, new)


def merge_lists(rec: dict[str, Any], new: dict[str, Any]) -> None:
    """The list part of :func:`merge_into`: ties, uncertain nodes, evidence, sources."""
    for k in TIES:
        rec[k] = sorted(set(rec[k] or []) | set(new[k] or []))
    placed = {n for k in TIES for n in rec[k]}
    rec["uncertain"] = sorted((set(rec["uncertain"] or []) | set(new["uncertain"] or [])) - placed)
    if new["evidence"] and new["evidence"] != rec.get("evidence"):
        parts = [p for e in (rec.get("evidence"), new["evidence"]) if e for p in e.split("；")]
        parts = [p for p in parts if not (p.endswith("（未达阈值）") and p.split(" ", 1)[0] in placed)]
        rec["evidence"] = "；".join(dict.fromkeys(parts))
    rec["source"] = list(rec["source"] or []) + [s for s in new["source"] if s not in (rec["source"] or [])]


def carry_over(new: pa.Table, old: pa.Table) -> pa.Table:
    """The newer records ``new`` of stored firms with each gap of a plain column (null or empty text:
    :func:`_gaps`; the export had no such column, or a blank or ``-`` cell) filled from the stored record
    ``old`` (aligned row by row, same columns): a value the newer record has wins, an amount and its
    currency are carried together (:data:`CARRIED_WITH`), ``id``, ``as_of``, the ties, evidence and
    uncertain nodes stay the newer record's. A record that kept a stored value keeps the stored sources
    after its own (the value's provenance); the others keep their own only. By column, over the columns
    where the newer records have a gap and the stored ones a value.

    Examples
    --------
    >>> from chainmap.store import empty_record, to_table
    >>> old = empty_record() | {"name": "甲", "credit_code": "91350100M000100Y43", "city": "宁波市",
    ...                          "capital_value": 1e6, "capital_currency": "CNY", "source": ["a.csv 第2行"]}
    >>> new = empty_record() | {"name": "甲", "city": "杭州市", "source": ["b.csv 第9行"]}
    >>> rec = carry_over(to_table([new]), to_table([old])).to_pylist()[0]
    >>> rec["credit_code"], rec["city"], rec["capital_value"], rec["source"]
    ('91350100M000100Y43', '杭州市', 1000000.0, ['b.csv 第9行', 'a.csv 第2行'])
    """
    carried = np.zeros(len(new), dtype=bool)
    for name in new.column_names:
        if name in LISTISH or name in _NOT_CARRIED:
            continue
        take = _carried(new[name], old[name])
        if take is None:
            continue
        carried |= take
        mask = pa.array(take)
        for c in (name, CARRIED_WITH[name]) if name in CARRIED_WITH else (name,):
            stored = old[c] if old[c].type == new[c].type else old[c].cast(new[c].type)
            new = new.set_column(new.schema.get_field_index(c), c, pc.if_else(mask, stored, new[c]))
    if carried.any():
        i = new.schema.get_field_index("source")
        new = new.set_column(i, "source", _kept_sources(new["source"], old["source"], carried))
    return new


def _column_gaps(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """:func:`_gaps` of a column, chunk by chunk (no copy of the column)."""
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    if not chunks:
        return np.zeros(0, dtype=bool)
    return np.concatenate([_gaps(c) for c in chunks])


def _carried(new: pa.ChunkedArray, old: pa.ChunkedArray) -> np.ndarray | None:
    """Per record, whether the newer value is a gap the stored one fills; None when none is."""
    string = pa.types.is_string(new.type)
    if not len(new) or (new.null_count == 0 and not string) or old.null_count == len(old):
        return None
    take = _column_gaps(new)
    if not take.any():
        return None
    take &= ~_column_gaps(old)
    return take if take.any() else None


def _kept_sources(new: pa.ChunkedArray, old: pa.ChunkedArray, carried: np.ndarray) -> pa.Array:
    """The sources of every record: for a ``carried`` one its own, then the stored ones it lacks; the
    others' own. Each stored source is compared with the record's own by position (a record has one or
    two: a loop over those positions, not over records; hashing every distinct source cost 4x more)."""
    at = np.flatnonzero(carried)
    m, every = len(at), bool(carried.all())
    mine, was = (new, old) if every else (new.take(pa.array(at)), old.take(pa.array(at)))
    mine, was = mine.combine_chunks(), was.combine_chunks().cast(new.type)
    fa, fb = pc.list_flatten(mine), pc.list_flatten(was)
    ra = np.asarray(pc.list_parent_indices(mine), dtype=np.int64)
    rb = np.asarray(pc.list_parent_indices(was), dtype=np.int64)
    own = np.bincount(ra, minlength=m)
    start = np.concatenate([[0], np.cumsum(own)])
    dup = np.zeros(len(fb), dtype=bool)
    for j in range(int(own.max(initial=0))):
        idx = np.flatnonzero(own[rb] > j)
        same = pc.equal(fb.take(pa.array(idx)), fa.take(pa.array(start[rb[idx]] + j)))
        dup[idx] |= np.asarray(pc.fill_null(same, False), dtype=bool)
    parent = np.concatenate([ra, rb[~dup]])
    order = np.argsort(parent, kind="stable")  # per record: its own sources, then the stored ones kept
    offsets = np.concatenate([[0], np.cumsum(np.bincount(parent, minlength=m))]).astype(np.int32)
    values = pa.concat_arrays([fa, fb.filter(pa.array(~dup))]).take(pa.array(order))
    united = pa.ListArray.from_arrays(pa.array(offsets), values).cast(new.type)
    if every:
        return united
    pick = np.arange(len(carried))
    pick[at] = len(carried) + np.arange(m)
    return pa.concat_arrays([new.combine_chunks(), united]).take(pa.array(pick))
