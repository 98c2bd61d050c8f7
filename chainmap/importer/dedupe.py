"""The dedupe stage: each cleaned firm becomes a new record, is folded into an earlier row of the same
firm (same credit code, else same name without a conflicting code), takes over the record an earlier
import stored, or is skipped because the library keeps that firm by hand.

Memory is bounded by the chunk, not by the file: the identity of every record so far is kept as
hashed 64-bit keys in sorted numpy runs (:class:`KeyIndex`, 12 bytes a key), and the records
themselves go to temporary Parquet files (:class:`Records`); a duplicate row is kept as a patch and
folded into its record when the records are read back.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..store import COLUMNS, SCHEMA, TIES, to_table
from .background import Background
from .keys import _NONE, key_hashes, name_keys
from .prepare import Existing

__all__ = ["Deduper", "Folded", "KeyIndex", "Records", "key_hashes", "name_keys", "new_id", "read_ipc", "write_ipc"]

NEW, MERGED, HAND = 0, 1, 2


def new_id(code: str | None, namekey: str, taken: set[str]) -> str:
    """A stable id: from the credit code, else from the name (so a re-import finds the same id).

    Examples
    --------
    >>> taken = set()
    >>> new_id("91320700MA1MXXXX0X", "甲", taken), new_id(None, "甲", taken)[:5]
    ('imp_91320700ma1mxxxx0x', 'imp_n')
    """
    base = _base_id(code, namekey)
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}_{n}", n + 1
    taken.add(ident)
    return ident


def _base_id(code: str | None, namekey: str) -> str:
    return f"imp_{code.lower()}" if code else "imp_n" + hashlib.sha1(namekey.encode()).hexdigest()[:12]


class KeyIndex:
    """Hashed key -> record number (< 2**31), the first one added winning. Sorted numpy runs merged as they
    grow (like a log-structured merge tree): adding n keys costs O(n log n) in all, a look-up a few
    binary searches."""

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # oldest first

    def __len__(self) -> int:
        return sum(len(k) for k, _v in self.runs)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The record number of each key, -1 where absent."""
        order = np.argsort(keys)
        keys = keys[order]  # sorted needles: the binary searches walk memory in order
        found = np.full(len(keys), -1, dtype=np.int64)
        for k, v in self.runs:
            pos = np.minimum(np.searchsorted(k, keys), len(k) - 1)
            hit = (k[pos] == keys) & (found < 0)
            found[hit] = v[pos[hit]]
        out = np.empty_like(found)
        out[order] = found
        return out

    def get1(self, key: np.uint64) -> int:
        for k, v in self.runs:
            pos = int(np.searchsorted(k, key))
            if pos < len(k) and k[pos] == key:
                return int(v[pos])
        return -1

    def add(self, keys: np.ndarray, values: np.ndarray, present: np.ndarray | None = None) -> None:
        """Add keys not present yet (a key already present keeps its record; within ``keys`` the
        first occurrence wins). ``present``, when the caller knows it: which keys are present."""
        keep = (keys != _NONE) & ~(self.get(keys) >= 0 if present is None else present)
        keys, values = keys[keep], values[keep]
        if not len(keys):
            return
        keys, first = np.unique(keys, return_index=True)
        self.runs.append((keys, values[first].astype(np.int32)))  # record numbers: 12 bytes a key in all
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            (k1, v1), (k2, v2) = self.runs[-2], self.runs[-1]  # no key is in both
            k, v = np.concatenate([k1, k2]), np.concatenate([v1, v2])
            order = np.argsort(k, kind="stable")  # two sorted runs: merged in linear time
            self.runs[-2:] = [(k[order], v[order])]


_IPC = pa.ipc.IpcWriteOptions(compression="lz4")


def write_ipc(path: Path, t: pa.Table, create: bool = True) -> None:
    """A spill file: Arrow's own format (LZ4), written and read back at memory speed. With ``create``
    false the file must exist (a scratch file an aborted import has removed is not made again); it is
    then made in memory and written in one call (no Python call per buffer, no GIL asked for each)."""
    if create:
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, t.schema, options=_IPC) as w:
            w.write_table(t)
        return
    buf = pa.BufferOutputStream()
    with pa.ipc.new_file(buf, t.schema, options=_IPC) as w:
        w.write_table(t)
    with path.open("r+b") as fh:
        fh.write(buf.getvalue())


def read_ipc(path: Path) -> pa.Table:
    with pa.OSFile(str(path), "rb") as src:
        return pa.ipc.open_file(src).read_all()


class Records:
    """This run's records, in the order they were first seen: Arrow tables per chunk, spilled to
    temporary Arrow files when ``spill`` gives a path for each (memory bounded by the chunk; written and
    read back by a helper thread); a later duplicate row is kept as a patch and folded into its record
    by :meth:`batches`."""

    def __init__(self, spill: Callable[[], Path] | None = None) -> None:
        self.spill = spill
        self.parts: list[pa.Table | Path] = []
        self.offsets: list[int] = []
        self.size = 0
        self.patch_rows: list[pa.Table] = []  # duplicate rows, in the order they came
        self.patch_targets: list[np.ndarray] = []  # the record each is folded into
        self._io: Background | None = None

    def __len__(self) -> int:
        return self.size

    def add_table(self, t: pa.Table) -> None:
        if not len(t):
            return
        self.offsets.append(self.size)
        self.size += len(t)
        if self.spill is None:
            self.parts.append(t)
            return
        path = self.spill()
        self._io = self._io or Background()
        self._io.submit(write_ipc, path, t, False)
        self.parts.append(path)

    def _parts(self) -> Iterator[pa.Table]:
        """The parts in order, each spilled one read while the one before is used."""
        if not self.parts or isinstance(self.parts[0], pa.Table):
            yield from self.parts  # type: ignore[misc]  # kept in memory
            return
        io, self._io = self._io or Background(), None
        with io:
            io.finish()  # every spill written
            ahead = deque(io.submit(read_ipc, p) for p in self.parts[:2])
            for k in range(len(self.parts)):
                t = ahead.popleft().result()
                if k + 2 < len(self.parts):
                    ahead.append(io.submit(read_ipc, self.parts[k + 2]))
                yield t

    def add_patches(self, rows: pa.Table, targets: np.ndarray) -> None:
        if len(rows):
            self.patch_rows.append(rows)
            self.patch_targets.append(targets.astype(np.int64))

    def batches(self, codes: Callable[[int], str | None] | None = None) -> Iterator[pa.Table]:
        """The records part by part, duplicates folded in (in the order they came)."""
        targets = np.concatenate(self.patch_targets) if self.patch_targets else np.zeros(0, np.int64)
        rows = pa.concat_tables(self.patch_rows) if self.patch_rows else None
        order = np.argsort(targets, kind="stable")
        targets = targets[order]
        for t, lo in zip(self._parts(), self.offsets, strict=True):
            hi = lo + len(t)
            a, b = np.searchsorted(targets, lo), np.searchsorted(targets, hi)
            if a < b and rows is not None:
                t = _patched(t, lo, targets[a:b], rows.take(pa.array(order[a:b], pa.int64())))
            yield t.cast(SCHEMA)

    def table(self) -> pa.Table:
        parts = list(self.batches())
        return pa.concat_tables(parts) if parts else to_table([])


_LISTISH = ("id", "source", "evidence", "uncertain", *TIES)  # merged in Python; the rest by column


def _patched(t: pa.Table, lo: int, targets: np.ndarray, rows: pa.Table) -> pa.Table:
    """``t`` (records ``lo``...) with the duplicate ``rows`` folded into their ``targets`` (as
    :func:`merge_into` one by one, in the order they came): the plain columns by array work -- a gap
    (null or empty text) takes the first value of a later row --, ties, uncertain nodes, evidence and
    sources per record."""
    idx = np.unique(targets)
    k = len(idx)
    base = t.take(pa.array(idx - lo, pa.int64()))
    group = np.concatenate([np.arange(k), np.searchsorted(idx, targets)])  # base rows first, then patches
    order = np.argsort(group, kind="stable")  # per record: its base row, then its patches as they came
    both = pa.concat_tables([base, rows.cast(base.schema)]).take(pa.array(order))
    starts = np.searchsorted(group[order], np.arange(k))
    cols = {}
    for name in both.column_names:
        if name in _LISTISH:
            continue
        col = both[name].combine_chunks()
        filled = pc.is_valid(col)
        if pa.types.is_string(col.type):
            filled = pc.and_(filled, pc.not_equal(col, ""))
        pos = np.where(np.asarray(pc.fill_null(filled, False)), np.arange(len(col)), len(col))
        first = np.minimum.reduceat(pos, starts)
        cols[name] = col.take(pa.array(np.where(first < len(col), first, starts)))
    recs = base.select(list(_LISTISH)).to_pylist()
    for g, new in zip(np.searchsorted(idx, targets).tolist(), rows.select(list(_LISTISH)).to_pylist(), strict=True):
        merge_lists(recs[g], new)
    lists = pa.Table.from_pylist(recs, schema=pa.schema([SCHEMA.field(c) for c in _LISTISH]))
    merged = pa.table([cols[c] if c in cols else lists[c] for c in t.column_names], names=t.column_names).cast(t.schema)
    at = np.arange(len(t), dtype=np.int64)
    at[idx - lo] = len(t) + np.arange(k)  # each patched record in its place
    where = pa.array(at)
    out = []
    for name in t.column_names:  # a column the patches left as it was is kept (no copy of the part)
        col, new = t[name], merged[name]
        same = new.equals(base[name])
        out.append(col if same else pa.chunked_array([*col.chunks, *new.chunks], col.type).take(where))
    return pa.table(out, schema=t.schema)


def merge_into(rec: dict[str, Any], new: dict[str, Any]) -> None:
    """Fold a duplicate row into a record: fill its gaps, add ties and the row's source."""
    for k in COLUMNS:
        if k in _LISTISH:
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


class Folded:
    """What the dedupe stage decided for one chunk's rows: ``ids`` (an Arrow array, null for the rows
    that make no record) is set once the chunk is decided."""

    def __init__(self, n: int):
        self.ids: pa.Array = pa.nulls(n, pa.string())
        self.slow_ids: dict[int, str] = {}  # row -> id, for the rows decided one by one
        self.action = np.zeros(n, dtype=np.int8)  # NEW, MERGED or HAND
        self.target: dict[int, int] = {}  # row -> record it is merged into

    @property
    def hand(self) -> int:
        return int((self.action == HAND).sum())


def _strings(values: list[str | None] | pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values.cast(pa.string()) if isinstance(values, pa.Array) else pa.array(values, pa.string())


def _placed_ids(n: int, idx: np.ndarray, fast: pa.Array, slow: dict[int, str]) -> pa.Array:
    """The ids of a chunk's rows: ``fast`` for the rows ``idx``, ``slow`` by row, null elsewhere."""
    rows = sorted(slow)
    src = np.full(n, len(idx) + len(rows), dtype=np.int64)  # the null at the end
    src[idx] = np.arange(len(idx))
    src[rows] = len(idx) + np.arange(len(rows))
    parts = [fast, pa.array([slow[i] for i in rows], pa.string()), pa.nulls(1, pa.string())]
    return pa.concat_arrays(parts).take(pa.array(src))


class Deduper:
    """Identity across the whole import: records by credit code and by name key (hashed), and which
    stored records this run takes over (``prev_by_id``) or drops (``superseded``: now kept by hand)."""

    def __init__(self, existing: Existing, spill: Callable[[], Path] | None = None):
        self.ex = existing
        self.records = Records(spill)
        self.code_idx = KeyIndex()
        self.name_idx = KeyIndex()
        self.rec_code = np.zeros(0, dtype=np.uint64)  # record -> hash of its credit code (0: none yet)
        self.new_firms = 0  # records that came from a firm no store held
        self.prev_by_id: dict[str, tuple[Path, int]] = {}
        self.superseded: set[str] = set()
        self._known: tuple[np.ndarray, np.ndarray] | None = None
        self._taken: KeyIndex | None = None  # hashes of the ids taken (``ex.taken``), once needed
        self._taken_new: list[str] = []  # ids taken since, not yet in ``_taken``

    def fold(
        self,
        codes: list[str | None] | pa.Array | pa.ChunkedArray,
        namekeys: list[str] | pa.Array | pa.ChunkedArray,
        code_arr: pa.Array | pa.ChunkedArray | None = None,
        hashes: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> Folded:
        """Decide each row of a chunk (``codes`` and ``namekeys`` per row, as lists or Arrow arrays;
        ``code_arr``, optional, the codes as an Arrow array; ``hashes``, optional, their
        :func:`.keys.key_hashes` computed already, by a worker process)."""
        code_a, name_a = _strings(code_arr if code_arr is not None else codes), _strings(namekeys)
        n = len(code_a)
        out = Folded(n)
        ch, nh = hashes if hashes is not None else (key_hashes(code_a), key_hashes(name_a))
        slow, code_hit, name_hit = self._slow_rows(ch, nh)
        base = len(self.rec_code)
        self.rec_code = np.concatenate([self.rec_code, np.zeros(n, dtype=np.uint64)])
        fast = ~slow
        new_before = np.cumsum(fast) - fast  # fast rows before each row (every fast row is new)
        g_of = np.full(n, -1, dtype=np.int64)
        slow_new = 0
        code_add: dict[np.uint64, int] = {}
        name_add: dict[np.uint64, int] = {}
        slow_idx = np.flatnonzero(slow)
        slow_codes, slow_names = code_a.take(slow_idx).to_pylist(), name_a.take(slow_idx).to_pylist()
        slow_rows = zip(slow_idx.tolist(), slow_codes, slow_names, strict=True)
        for i, c, nk in slow_rows:
            g = base + int(new_before[i]) + slow_new
            known = (int(code_hit[i]), int(name_hit[i]))
            if self._fold_one(out, i, c, nk, ch[i], nh[i], g, code_add, name_add, known):
                g_of[i] = g
                slow_new += 1
        idx = np.nonzero(fast)[0]
        g_of[idx] = base + new_before[idx] + np.searchsorted(np.nonzero(slow & (g_of >= 0))[0], idx)
        out.ids = _placed_ids(n, idx, self._fast_ids(idx, code_a, name_a), out.slow_ids)
        new = g_of >= 0
        total = base + int(new.sum())
        self.rec_code = self.rec_code[:total]
        self.rec_code[g_of[new]] = ch[new]
        for key, g in code_add.items():
            self.rec_code[g] = key
        learnt = np.array(list(code_add), np.uint64)
        self.code_idx.add(
            np.concatenate([ch[new], learnt]),
            np.concatenate([g_of[new], np.array(list(code_add.values()), np.int64)]),
            np.concatenate([code_hit[new] >= 0, self.code_idx.get(learnt) >= 0]),  # as looked up before the chunk
        )
        self.name_idx.add(nh[new], g_of[new], name_hit[new] >= 0)
        return out

    def _slow_rows(self, ch: np.ndarray, nh: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows that need a look one by one: kept by hand or stored before, seen earlier in this run,
        or sharing a code or name with another row of the chunk; and the record of each row's code and
        name among the earlier chunks' (-1: none)."""
        ex = self.ex
        code_hit, name_hit = self.code_idx.get(ch), self.name_idx.get(nh)
        slow = (code_hit >= 0) & (ch != _NONE)
        slow |= name_hit >= 0
        for h in (ch, nh):
            present = h[h != _NONE]
            uniq, counts = np.unique(present, return_counts=True)
            dup = uniq[counts > 1]
            if len(dup):
                slow |= np.isin(h, dup) & (h != _NONE)
        if self._known is None:  # hashes of the codes and names the library or a store holds
            codes_known = [*ex.hand_code, *ex.by_code]
            names_known = [*ex.hand_name, *ex.by_name]
            self._known = (np.unique(key_hashes(codes_known)), np.unique(key_hashes(names_known)))
        kc, kn = self._known
        if len(kc):
            slow |= np.isin(ch, kc) & (ch != _NONE)
        if len(kn):
            slow |= np.isin(nh, kn)
        return slow, code_hit, name_hit

    def _fast_ids(self, idx: np.ndarray, code_a: pa.Array, name_a: pa.Array) -> pa.Array:
        """Ids of the rows no earlier record or stored firm claims (rows ``idx``): imp_<credit code>
        (built with Arrow), else -- no code, or that id taken -- as :func:`new_id` makes them."""
        ids = pc.binary_join_element_wise("imp_", pc.utf8_lower(code_a.take(pa.array(idx, pa.int64()))), "")
        redo = ids.is_null().to_numpy(zero_copy_only=False) | self._taken_hits(ids)
        if redo.any():
            at = idx[redo]
            pairs = zip(code_a.take(at).to_pylist(), name_a.take(at).to_pylist(), strict=True)
            fixed = [self._new_id(c, nk) for c, nk in pairs]
            ids = pc.replace_with_mask(ids, pa.array(redo), pa.array(fixed, pa.string()))
        self.new_firms += len(idx)
        return ids

    def _new_id(self, code: str | None, namekey: str) -> str:
        ident = new_id(code, namekey, self.ex.taken)
        self._taken_new.append(ident)
        return ident

    def _taken_hits(self, ids: pa.Array) -> np.ndarray:
        """Per id, whether it is taken already (hashes first, the few hits checked in the set)."""
        if self._taken is None:
            self._taken = KeyIndex()
            self._taken_new = list(self.ex.taken)
        if self._taken_new:
            h = key_hashes(self._taken_new)
            self._taken.add(h, np.zeros(len(h), np.int64))
            self._taken_new = []
        h = key_hashes(ids)
        hits = (self._taken.get(h) >= 0) & (h != _NONE)
        for k in np.flatnonzero(hits).tolist():
            hits[k] = ids[k].as_py() in self.ex.taken
        return hits

    def _fold_one(
        self,
        out: Folded,
        i: int,
        c: str | None,
        nk: str,
        hc: Any,
        hn: Any,
        g: int,
        code_add: dict,
        name_add: dict,
        known: tuple[int, int],
    ) -> bool:
        """One row the slow way; True when it becomes a new record (numbered ``g``). ``known``: the
        record of its code and of its name among the earlier chunks' (-1: none)."""
        ex = self.ex
        if ex.hand(c, nk) is not None:
            out.action[i] = HAND
            stale = ex.stored(c, nk)
            if stale is not None:  # an earlier import's record of a firm now kept by hand: drop it
                self.superseded.add(ex.ids[stale[0]][stale[1]])
            return False
        e = self._earlier(c, hc, hn, code_add, name_add, known)
        if e is not None:
            out.action[i], out.target[i] = MERGED, e
            return False
        prev = ex.stored(c, nk)
        if prev is not None and ex.ids[prev[0]][prev[1]] in self.prev_by_id:
            prev = None  # two firms of this file claim one stored record (same name, no code): keep both
        if prev is not None:
            ident = ex.ids[prev[0]][prev[1]]
            self.prev_by_id[ident] = prev
        else:
            ident = self._new_id(c, nk)
            self.new_firms += 1
        out.slow_ids[i] = ident
        if c:
            code_add[hc] = g
        name_add.setdefault(hn, g)
        self.rec_code[g] = hc
        return True

    def _earlier(
        self, c: str | None, hc: Any, hn: Any, code_add: dict, name_add: dict, known: tuple[int, int]
    ) -> int | None:
        """An earlier row's record of the same firm (its credit code learnt if it had none)."""
        g = None
        if c:
            g = code_add.get(hc, -1)
            g = known[0] if g < 0 else g
            g = None if g < 0 else g
        if g is None:
            cand = name_add.get(hn, -1)
            cand = known[1] if cand < 0 else cand
            if cand >= 0 and (c is None or self.rec_code[cand] in (_NONE, hc)):
                g = cand
        if g is not None and c and self.rec_code[g] == _NONE:
            self.rec_code[g] = hc
            code_add[hc] = g
        return g

    def add(self, table: pa.Table, folded: Folded) -> None:
        """The chunk's records (ids and ties set) in; duplicates kept as patches of their records."""
        new = np.nonzero(folded.action == NEW)[0]
        self.records.add_table(table.take(pa.array(new, pa.int64())) if len(new) < len(table) else table)
        if folded.target:
            order = sorted(folded.target)
            self.records.add_patches(
                table.take(pa.array(order, pa.int64())), np.array([folded.target[i] for i in order], np.int64)
            )
