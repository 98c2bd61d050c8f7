"""The store stage: this run's records against what the stores hold (new, changed, unchanged, older),
the counts, and one transaction that writes every changed store file and the rejects file at once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..model import Region
from ..store import COLUMNS, SIGNAL_SCHEMA, SIGNALS, TIES, is_ours, read_signals
from .dedupe import Deduper
from .merge import carry_over
from .options import ImportSummary
from .rewrite import rewrite_store
from .signals import changed_signal_rows, new_signals
from .store import Transaction, check_writable, comparable

__all__ = [
    "YAML_LIMIT",
    "compare",
    "count",
    "kept_over",
    "local_count",
    "other_chains_kept",
    "plan",
    "record_signals",
    "tally_ties",
    "ties_kept",
]

YAML_LIMIT = 2000  # above this many firms the auto store is Parquet (YAML loads at ~0.7 ms a firm)
_FOLDED_INDUSTRY = r"(?:^|；)所属行业：(?P<industry>[^；]*)"  # as store.to_yaml folds the industry into the note


def compare(
    dd: Deduper,
    kind: str,
    selected: set[str],
    partial: bool,
    pairs_out: list[tuple[pa.Table, pa.Table]] | None = None,
) -> tuple[pa.Table, pa.Table, set[str], int]:
    """(records to write, this run's firms as they stand now, ids of changed stored records, how many of
    those changed only their data date or source: :func:`versions`); the
    changed records with their stored versions (aligned) go to ``pairs_out``. A record whose rows had no
    scope and no products (:meth:`.dedupe.Deduper.silent`) keeps the stored placements (:func:`ties_kept`)."""
    new = dd.records.table()
    if not dd.prev_by_id:
        return new, new, set(), 0
    changed_ids: set[str] = set()
    refreshed = 0
    mask = pc.is_in(new["id"], value_set=pa.array(list(dd.prev_by_id), pa.string()))
    fresh, seen = new.filter(pc.invert(mask)), new.filter(mask)
    quiet = dd.silent(np.flatnonzero(np.asarray(mask, dtype=bool)))  # per record of ``seen``
    kept_parts, current_parts = [fresh], [fresh]
    for f in dd.ex.pool:
        pairs = sorted((cid, i) for cid, (pf, i) in dd.prev_by_id.items() if pf == f)
        if not pairs:
            continue
        old = dd.ex.pool.take(f, np.array([i for _c, i in pairs], np.int64))  # sorted by id, as `ours` is
        mine = np.asarray(pc.is_in(seen["id"], value_set=pa.array([c for c, _i in pairs], pa.string())), bool)
        ours = seen.filter(pa.array(mine))
        by_id = np.asarray(pc.sort_indices(ours, sort_keys=[("id", "ascending")]))
        ours = kept_over(ours.take(pa.array(by_id)), old, f)
        ours = ties_kept(ours, old, quiet[mine][by_id], selected if partial else None)
        keep, dated = versions(ours, old, kind)
        refreshed += dated
        kept = ours.filter(keep)
        if pairs_out is not None and len(kept):
            pairs_out.append((kept, old.filter(keep)))
        changed_ids.update(kept["id"].to_pylist())
        kept_parts.append(kept)
        current_parts += [kept, old.filter(pc.invert(keep))]
    return pa.concat_tables(kept_parts), pa.concat_tables(current_parts), changed_ids, refreshed


def kept_over(new: pa.Table, old: pa.Table, store: Path) -> pa.Table:
    """The newer records ``new`` of stored firms with the stored values they have none for
    (:func:`.merge.carry_over`; ``old`` aligned, read from the store file ``store``). A YAML store keeps no
    industry column: the industry the older import folded into the note (``所属行业：…``) is read back from
    it, and that note, made again from the newer record's evidence and industry, is not carried."""
    if store.suffix != ".parquet" and len(old):
        found = pc.struct_field(pc.extract_regex(old["note"], _FOLDED_INDUSTRY), [0])
        at = old.schema.get_field_index
        old = old.set_column(at("industry"), "industry", pc.coalesce(old["industry"], found))
        old = old.set_column(at("note"), "note", pa.nulls(len(old), pa.string()))
    return carry_over(new, old)


def ties_kept(new: pa.Table, old: pa.Table, silent: np.ndarray, selected: set[str] | None = None) -> pa.Table:
    """The newer records ``new`` of stored firms (``old``: the stored ones, aligned) with the stored placements
    kept where the newer record says nothing of what the firm does (``silent``: no scope, no products; a
    newer export never erases what it does not say): every stored tie, open review node and evidence part,
    with the newer name's (:func:`other_chains_kept` with no chain looked at). The other records are
    re-matched: their own match, with (``selected``: a ``--chain`` update's nodes) the stored ties to the
    chains the run did not look at.

    Examples
    --------
    >>> from chainmap.store import empty_record, to_table
    >>> old = to_table([empty_record() | {"id": i, "operates": ["a2"]} for i in ("甲", "乙")])
    >>> new = to_table([empty_record() | {"id": i, "operates": []} for i in ("甲", "乙")])
    >>> ties_kept(new, old, np.array([True, False]))["operates"].to_pylist()
    [['a2'], []]
    """
    if silent.all():
        return other_chains_kept(new, old, set())
    base = new if selected is None else other_chains_kept(new, old, selected)
    if not silent.any():
        return base
    at = pa.array(np.flatnonzero(silent))
    kept = other_chains_kept(new.take(at), old.take(at), set())
    where = np.arange(len(new), dtype=np.int64)
    where[silent] = len(new) + np.arange(len(at))
    for k in (*TIES, "uncertain", "evidence"):
        col = pa.chunked_array([*base[k].chunks, *kept[k].cast(base[k].type).chunks], base[k].type)
        base = base.set_column(base.schema.get_field_index(k), k, col.take(pa.array(where)))
    return base


def other_chains_kept(new: pa.Table, old: pa.Table, selected: set[str]) -> pa.Table:
    """A ``--chain`` update's records (``old``: the stored ones, aligned) with what the run did not look at
    kept: the ties and open review nodes of the stored record on nodes outside ``selected`` (the run's
    chains' nodes), and the parts of its evidence about them -- the run matched only its own chains, so
    an empty answer on the others means "not asked", not "no longer". (Before, the ties were carried
    only into the copy compared, and the record written lost them.)"""
    if not len(new):
        return new
    cols = _all_kept(new, old) if not selected else _kept_rows(new, old, selected)
    for k, v in cols.items():
        new = new.set_column(new.schema.get_field_index(k), k, v)
    return new


def _kept_rows(new: pa.Table, old: pa.Table, selected: set[str]) -> dict[str, pa.Array]:
    """:func:`other_chains_kept`'s columns for a ``--chain`` update, by column: every list the sorted union
    of the newer record's and the stored one's outside ``selected``, the open review nodes less the placed
    ones (as :func:`.merge.merged` has it); the evidence by :func:`_evidence_outside`."""
    sel = pa.array(sorted(selected), pa.string())
    cols = {
        k: _union_sorted(new[k], _outside(old[k], sel)).cast(new.schema.field(k).type) for k in (*TIES, "uncertain")
    }
    cols["uncertain"] = _less(cols["uncertain"], [cols[k] for k in TIES])  # placed now: no open question
    cols["evidence"] = _evidence_outside(new["evidence"], old["evidence"], sel)
    return cols


def _outside(lists: pa.ChunkedArray | pa.Array, sel: pa.Array) -> pa.Array:
    """Per row, the values of a list column not in ``sel`` (order kept; a null list as an empty one)."""
    lists = lists.combine_chunks() if isinstance(lists, pa.ChunkedArray) else lists
    row = np.asarray(pc.list_parent_indices(lists), dtype=np.int64)
    flat = pc.list_flatten(lists)
    keep = ~np.asarray(pc.is_in(flat, value_set=sel), dtype=bool)
    return _lists(row[keep], flat.filter(pa.array(keep)), len(lists))


def _lists(row: np.ndarray, values: pa.Array, n: int) -> pa.ListArray:
    """A list column of ``n`` rows from values and their rows (rising)."""
    off = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(row, minlength=n), out=off[1:])
    return pa.ListArray.from_arrays(pa.array(off), values)


def _parts(text: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(row, part) of every non-empty "；"-separated part of an evidence column."""
    text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    lists = pc.split_pattern(pc.fill_null(text, ""), "；")
    row, flat = np.asarray(pc.list_parent_indices(lists), dtype=np.int64), pc.list_flatten(lists)
    keep = np.asarray(pc.greater(pc.binary_length(flat), 0), dtype=bool)
    return row[keep], flat.filter(pa.array(keep))


def _evidence_outside(new: pa.ChunkedArray, old: pa.ChunkedArray, sel: pa.Array) -> pa.Array:
    """Per record, the newer evidence ("node hits" parts joined by "；") with the stored parts about nodes
    outside ``sel``; the stored text itself where its parts about ``sel`` are the newer ones (no change)."""
    n = len(new)
    nrow, nval = _parts(new)
    orow, oval = _parts(old)
    node = pc.list_element(pc.split_pattern(oval, " ", max_splits=1), 0)
    inside = np.asarray(pc.is_in(node, value_set=sel), dtype=bool)
    same = pc.equal(_joined_sorted(nrow, nval, n), _joined_sorted(orow[inside], oval.filter(pa.array(inside)), n))
    row = np.concatenate([nrow, orow[~inside]])
    order = np.argsort(row, kind="stable")  # per record: its newer parts, then the stored ones kept
    vals = pa.concat_arrays([nval, oval.filter(pa.array(~inside))]).take(pa.array(order))
    joined = pc.binary_join(_lists(row[order], vals, n), "；")
    joined = pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)
    return pc.if_else(same, old.combine_chunks() if isinstance(old, pa.ChunkedArray) else old, joined)


def _joined_sorted(row: np.ndarray, values: pa.Array, n: int) -> pa.Array:
    """Per row, its values sorted and joined (a comparable key of the set of parts)."""
    t = pa.table({"p": row, "v": values}).sort_by([("p", "ascending"), ("v", "ascending")])
    return pc.binary_join(_lists(t["p"].to_numpy(), t["v"].combine_chunks(), n), "\x1f")


def _all_kept(new: pa.Table, old: pa.Table) -> dict[str, pa.Array]:
    """:func:`_kept_rows` with no chain looked at (an export that says nothing of what firms do: every
    stored tie stays), by column: record by record it cost ~2 s per 100k records."""
    cols = {k: _union_sorted(new[k], old[k]).cast(new.schema.field(k).type) for k in (*TIES, "uncertain")}
    cols["uncertain"] = _less(cols["uncertain"], [cols[k] for k in TIES])  # placed now: no open question
    blank = lambda c: pc.or_(pc.is_null(c), pc.equal(c, "")).fill_null(True)  # noqa: E731
    ev_new, ev_old = new["evidence"].combine_chunks(), old["evidence"].combine_chunks()
    kept = pc.if_else(blank(ev_old), pa.scalar(None, pa.string()), ev_old)
    # not null_handling="skip": pyarrow 26 gives an empty array when every input is null
    both = pc.if_else(pc.is_null(kept), ev_new, pc.binary_join_element_wise(ev_new, kept, "；"))
    cols["evidence"] = pc.if_else(blank(ev_new), ev_old, both)
    return cols


def _pairs(lists: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(row, "row\x1fvalue") of every value of a list column."""
    row = np.asarray(pc.list_parent_indices(lists), dtype=np.int64)
    return row, pc.binary_join_element_wise(pa.array(row).cast(pa.string()), pc.list_flatten(lists), "\x1f")


def _less(lists: pa.Array, others: list[pa.Array]) -> pa.Array:
    """Per row, the values of ``lists`` that no list of ``others`` holds in that row (order kept)."""
    row, key = _pairs(lists)
    drop = pa.concat_arrays([_pairs(o)[1] for o in others])
    keep = ~np.asarray(pc.is_in(key, value_set=drop), dtype=bool)
    off = np.zeros(len(lists) + 1, dtype=np.int32)
    np.cumsum(np.bincount(row[keep], minlength=len(lists)), out=off[1:])
    return pa.ListArray.from_arrays(pa.array(off), pc.list_flatten(lists).filter(pa.array(keep))).cast(lists.type)


def _union_sorted(a: pa.ChunkedArray | pa.Array, b: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Per row, the sorted union of two list columns' values (a null list as an empty one)."""
    a = a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a
    b = b.combine_chunks() if isinstance(b, pa.ChunkedArray) else b
    parent = np.concatenate([np.asarray(pc.list_parent_indices(x), dtype=np.int64) for x in (a, b)])
    t = pa.table({"p": parent, "v": pa.concat_arrays([pc.list_flatten(a), pc.list_flatten(b)])})
    t = t.sort_by([("p", "ascending"), ("v", "ascending")])
    p, v = t["p"].to_numpy(), t["v"].combine_chunks()
    keep = np.ones(len(p), dtype=bool)
    if len(p) > 1:
        same = np.asarray(pc.fill_null(pc.equal(v.slice(1), v.slice(0, len(v) - 1)), False), dtype=bool)
        keep[1:] = ~((p[1:] == p[:-1]) & same)
    off = np.zeros(len(a) + 1, dtype=np.int32)
    np.cumsum(np.bincount(p[keep], minlength=len(a)), out=off[1:])
    return pa.ListArray.from_arrays(pa.array(off), v.filter(pa.array(keep)))


#: What a newer export changes in every record it repeats: not a fact about the firm.
PROVENANCE = ("as_of", "source")


def versions(new: pa.Table, old: pa.Table, kind: str) -> tuple[pa.Array, int]:
    """(per record, ``new`` and ``old`` aligned: True where the new version replaces the stored one -- it
    differs, and is not from an older export; how many of those differ only in :data:`PROVENANCE`): a
    newer export's record of a firm nothing happened to is written (its date moves on) but says nothing
    new. One pass over the columns."""
    older = pc.fill_null(pc.less(new["as_of"], old["as_of"]), False)
    if kind != "parquet":  # few records (YAML): row by row
        out, dated = [], 0
        for rec, o, too_old in zip(new.to_pylist(), old.to_pylist(), older.to_pylist(), strict=True):
            a, b = comparable(rec, kind), comparable(o, kind)
            out.append(not too_old and a != b)
            dated += out[-1] and _facts(a) == _facts(b)
        return pa.array(out, pa.bool_()), dated
    facts = dates = None
    for c in COLUMNS:
        if c == "placed":
            continue
        a, b = new[c], old[c]
        if a.null_count == len(a) and b.null_count == len(b):
            continue  # a column neither fills: equal
        if pa.types.is_list(a.type):
            a, b = pc.binary_join(a, "\x1f"), pc.binary_join(b, "\x1f")
        eq = pc.or_(pc.fill_null(pc.equal(a, b), False), pc.and_(pc.is_null(a), pc.is_null(b)))
        if c in PROVENANCE:
            dates = eq if dates is None else pc.and_(dates, eq)
        else:
            facts = eq if facts is None else pc.and_(facts, eq)
    ones = pa.array(np.ones(len(new), dtype=bool))
    facts = ones if facts is None else facts
    same = facts if dates is None else pc.and_(facts, dates)
    out = pc.and_(pc.invert(same), pc.invert(older))
    return out, int(pc.sum(pc.and_(out, facts)).as_py() or 0)


def _facts(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rec.items() if k not in PROVENANCE}


def auto_kind(dd: Deduper, output: Path, kind: str, n_new: int) -> tuple[Path, str]:
    """The auto store stays YAML up to :data:`YAML_LIMIT` firms, then moves to Parquet."""
    if kind != "auto":
        return output, kind
    out_res = output.resolve()
    base_n = dd.ex.pool.rows(out_res) if out_res in dd.ex.pool else 0
    if base_n + n_new <= YAML_LIMIT:
        return output, "yaml"
    output = output.with_suffix(".parquet")
    check_writable(output)
    return output, "parquet"


def plan(
    dd: Deduper,
    tx: Transaction,
    s: ImportSummary,
    base_key: Path,
    output: Path,
    kind: str,
    mine: pa.Table,
    changed_ids: set[str],
    info: dict[str, Any],
) -> None:
    """Every store this run changes goes into the transaction: the output gains new and changed
    records, the other stores lose the changed ones (a firm has one record, in the store of its latest
    import), records of firms now kept by hand go."""
    out_res = output.resolve()
    moved = pa.array(sorted(changed_ids | dd.superseded), pa.string())
    for f in dd.ex.pool:
        if f == base_key or not len(moved):
            continue
        gone = np.asarray(pc.is_in(dd.ex.pool.ids(f), value_set=moved), dtype=bool)
        if gone.any():
            if gone.all():
                tx.remove(f)
            else:
                rewrite_store(tx, f, dd.ex.pool, gone, info)
            s.moved_from.append(str(f))
    base = dd.ex.pool.get(base_key)
    rewrite = base is None or base_key != out_res or len(mine) > 0
    if base is not None and dd.superseded:
        gone = pc.is_in(base["id"], value_set=pa.array(sorted(dd.superseded), pa.string()))
        if pc.any(gone).as_py():
            base, rewrite = base.filter(pc.invert(gone)), True
    if rewrite:
        final = (
            mine
            if base is None
            else pa.concat_tables([base.filter(pc.invert(pc.is_in(base["id"], value_set=mine["id"]))), mine])
        )
        if len(final) or base is not None:
            tx.write_table(output, final, kind, info)
    stale = output.with_suffix(".yaml")
    if kind == "parquet" and stale.exists() and is_ours(stale):
        tx.remove(stale)  # the list outgrew YAML: one store per import


def count(
    s: ImportSummary, t: pa.Table, region: Region | None, skip: Counter[str], reject: Counter[str], warn: Counter[str]
) -> None:
    """Placed / unplaced / local firms and firms per node, over this run's firms as stored."""
    n = None
    for k in TIES:
        m = pc.fill_null(pc.list_value_length(t[k]), 0)
        n = m if n is None else pc.add(n, m)
    s.placed = (pc.sum(pc.greater(n, 0)).as_py() or 0) if len(t) else 0
    s.unplaced = len(t) - s.placed
    counts: Counter[str] = Counter()
    tally_ties(t, counts)
    s.nodes = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    if region is not None:
        s.local = local_count(t, region) if len(t) else 0
    s.skipped_reasons = dict(skip.most_common())
    s.rejected_reasons = dict(reject.most_common())
    s.warnings = dict(warn.most_common())


def tally_ties(t: pa.Table, nodes: Counter[str]) -> None:
    """Add to ``nodes`` how many of ``t``'s firms sit at each node (every tie role)."""
    for k in TIES:
        flat = pc.list_flatten(t[k])
        if len(flat):
            vc = pc.value_counts(flat)
            for v, c in zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True):
                nodes[v] += c


def local_count(t: pa.Table, r: Region) -> int:
    """How many of ``t``'s firms are in the region (its city, or its province and districts)."""
    if r.city:
        return pc.sum(pc.equal(t["city"], r.city)).as_py() or 0
    inside = pc.and_(
        pc.equal(t["province"], r.province), pc.is_in(t["district"], value_set=pa.array(r.districts, pa.string()))
    )
    return pc.sum(inside).as_py() or 0


def record_signals(
    dd: Deduper,
    tx: Transaction | None,
    s: ImportSummary,
    pairs: list[tuple[pa.Table, pa.Table]],
    mine: pa.Table,
    chains_of: dict[str, list[str]],
    source: str,
    folder: Path,
) -> None:
    """Signals of this run (changes of stored firms; new firms when the store already held some),
    appended to the folder's signal file in the same transaction as the stores."""
    parts = [changed_signal_rows(new, old, chains_of, source)[0] for new, old in pairs]
    if dd.ex.pool:
        fresh = mine.filter(pc.invert(pc.is_in(mine["id"], value_set=pa.array(list(dd.prev_by_id), pa.string()))))
        parts.append(new_signals(fresh, chains_of, source))
    found = pa.concat_tables(parts) if parts else SIGNAL_SCHEMA.empty_table()
    s.signals = dict(Counter(found["kind"].to_pylist()).most_common())
    if tx is not None and len(found):
        tx.write_raw_parquet(folder / SIGNALS, pa.concat_tables([read_signals(folder), found]))
