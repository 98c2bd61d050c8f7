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
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .heap import release_freed
from .keyindex import KeyIndex, member
from .keys import _NONE, _offsets, key_hashes, name_keys
from .lookup import TakenOver
from .prepare import Existing
from .records import Records, merge_into, merge_lists, read_ipc, write_ipc

__all__ = [
    "Deduper",
    "Folded",
    "KeyIndex",
    "Records",
    "key_hashes",
    "merge_into",
    "merge_lists",
    "name_keys",
    "new_id",
    "read_ipc",
    "write_ipc",
]

NEW, MERGED, HAND = 0, 1, 2
VECTOR_TAKE_OVER = True  # rows that plainly take a stored record over decided at once (False: one by one)


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


_CODE_ID = re.compile(r"imp_[0-9a-z]*")  # the id of a code of digits and capital letters


def _plain_codes(codes: pa.Array) -> bool:
    """Whether every code is of digits and capital letters (ASCII) only."""
    off, data = _offsets(codes)
    d = data[off[0] : off[-1]] if len(codes) else data[:0]
    return bool((((d >= 48) & (d <= 57)) | ((d >= 65) & (d <= 90))).all())


class Deduper:
    """Identity across the whole import: records by credit code and by name key (hashed), and which
    stored records this run takes over (``prev_by_id``) or drops (``superseded``: now kept by hand)."""

    def __init__(self, existing: Existing, spill: Callable[[], Path] | None = None):
        self.ex = existing
        self.records = Records(spill)
        self.code_idx = KeyIndex()
        self.name_idx = KeyIndex()
        self._codes = np.zeros(1024, dtype=np.uint64)  # record -> hash of its credit code (0: none yet)
        self._n = 0  # records so far (``_codes`` grows by a quarter: no copy of it per chunk)
        # record -> every row of it said nothing of what the firm does (no scope, no products): kept only
        # when the stores hold records (only a record taking a stored one over reads it)
        self._silent = np.zeros(1024, dtype=bool) if existing.rows else None
        self.new_firms = 0  # records that came from a firm no store held
        # stored id -> (store file, row) of every stored record this run takes over (a read-only mapping
        # kept as stored row numbers; ``claim`` adds)
        self.prev_by_id = TakenOver(existing.index)
        self.superseded: set[str] = set()
        self._hand: tuple[np.ndarray, np.ndarray] | None = None  # hashes of the hand-kept codes and names
        self._claims: list[tuple[int, int]] = []  # (row, stored row) a chunk's rows decided one by one took
        # ids taken (``ex.taken``), hashed once needed: the ids (for any code), and the codes whose
        # imp_<code> ids are taken (for a chunk of codes of digits and capitals only: their hashes are
        # those the worker made); each with the ids taken since, not yet in it
        self._taken: dict[str, tuple[KeyIndex, list[str]]] = {}

    @property
    def made(self) -> int:
        """Records made so far (a chunk's new records are numbered on from here, in row order)."""
        return self._n

    def fold(
        self,
        codes: list[str | None] | pa.Array | pa.ChunkedArray,
        namekeys: list[str] | pa.Array | pa.ChunkedArray,
        code_arr: pa.Array | pa.ChunkedArray | None = None,
        hashes: tuple[np.ndarray, np.ndarray] | None = None,
        silent: np.ndarray | None = None,
    ) -> Folded:
        """Decide each row of a chunk (``codes`` and ``namekeys`` per row, as lists or Arrow arrays;
        ``code_arr``, optional, the codes as an Arrow array; ``hashes``, optional, their
        :func:`.keys.key_hashes` computed already, by a worker process; ``silent``, optional, per row: it
        has no scope and no products, :attr:`.rows.Chunk.silent`)."""
        code_a, name_a = _strings(code_arr if code_arr is not None else codes), _strings(namekeys)
        n = len(code_a)
        out = Folded(n)
        ch, nh = hashes if hashes is not None else (key_hashes(code_a), key_hashes(name_a))
        other, code_hit, name_hit = self._slow_rows(ch, nh)
        ix = self.ex.index
        first = (ix.by_code.get(ch), ix.by_name.get(nh)) if ix.n else None  # the stores' first rows of the keys
        stored = (first[0] >= 0) | (first[1] >= 0) if first is not None else np.zeros(n, bool)
        over, target = self._taking_over(other, stored, first, code_a, name_a)
        slow = (other | stored) & ~over
        self._claims = []
        base = self._n
        if base + n > len(self._codes):
            size = max(base + n, len(self._codes) * 5 // 4)
            self._codes = np.concatenate([self._codes, np.zeros(size - len(self._codes), np.uint64)])
            if self._silent is not None:
                self._silent = np.concatenate([self._silent, np.zeros(size - len(self._silent), bool)])
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
        self._taken_in_order(over, target)
        idx = np.nonzero(fast)[0]
        g_of[idx] = base + new_before[idx] + np.searchsorted(np.nonzero(slow & (g_of >= 0))[0], idx)
        out.ids = self._ids(fast, code_a, name_a, out.slow_ids, ch, (over, target))
        new = g_of >= 0
        self._n = base + int(new.sum())
        self._codes[self._n : base + n] = 0
        self._codes[g_of[new]] = ch[new]
        for key, g in code_add.items():
            self._codes[g] = key
        learnt = np.array(list(code_add), np.uint64)
        self.code_idx.add(
            np.concatenate([ch[new], learnt]),
            np.concatenate([g_of[new], np.array(list(code_add.values()), np.int64)]),
            np.concatenate([code_hit[new] >= 0, self.code_idx.get(learnt) >= 0]),  # as looked up before the chunk
        )
        self.name_idx.add(nh[new], g_of[new], name_hit[new] >= 0)
        self._note_silent(out, g_of, new, silent)
        return out

    def _note_silent(self, out: Folded, g_of: np.ndarray, new: np.ndarray, silent: np.ndarray | None) -> None:
        """A chunk's records (``g_of`` per row, ``new`` its rows that made one) silent where their rows are; a
        record a row that says something is folded into is not."""
        if self._silent is None:
            return
        if silent is not None:
            self._silent[g_of[new]] = silent[new]
        if out.target:
            rows = np.fromiter(out.target, np.int64, len(out.target))
            said = rows if silent is None else rows[~silent[rows]]
            self._silent[[out.target[i] for i in said.tolist()]] = False

    def silent(self, recs: np.ndarray) -> np.ndarray:
        """Per record number: every row of it had no scope and no products (it says nothing of what the firm
        does, so a stored record it takes over keeps its placements)."""
        if self._silent is None:
            return np.zeros(len(recs), dtype=bool)
        return self._silent[recs]

    @property
    def rec_code(self) -> np.ndarray:
        """Record -> hash of its credit code (0: none yet); its length is the number of records."""
        return self._codes[: self._n]

    def _slow_rows(self, ch: np.ndarray, nh: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows that need a look one by one: seen earlier in this run, sharing a code or name with
        another row of the chunk, or kept by hand (as far as hashes tell); and the record of each row's
        code and name among the earlier chunks' (-1: none). (Rows a store holds need one too, but for
        some :meth:`_taking_over` decides at once.)"""
        code_hit, name_hit = self.code_idx.get(ch), self.name_idx.get(nh)
        slow = (code_hit >= 0) & (ch != _NONE)
        slow |= name_hit >= 0
        for h in (ch, nh):
            present = np.sort(h[h != _NONE])
            dup = present[1:][present[1:] == present[:-1]]  # sorted, a key once per repeat
            if len(dup):
                slow |= member(h, dup) & (h != _NONE)
        hand_codes, hand_names = self._hand_hashes()
        slow |= (member(ch, hand_codes) & (ch != _NONE)) | member(nh, hand_names)
        return slow, code_hit, name_hit

    def _hand_hashes(self) -> tuple[np.ndarray, np.ndarray]:
        """Hashes of the credit codes and names of the firms the library keeps by hand (sorted)."""
        if self._hand is None:
            ex = self.ex
            self._hand = (np.unique(key_hashes(list(ex.hand_code))), np.unique(key_hashes(list(ex.hand_name))))
        return self._hand

    def _taking_over(
        self,
        other: np.ndarray,
        stored: np.ndarray,
        first: tuple[np.ndarray, np.ndarray] | None,
        code_a: pa.Array,
        name_a: pa.Array,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The rows that take a stored record over, decided at once (a mask), and the stored row of each:
        rows no earlier row of the run shares a key with, no hand-kept firm, whose stored record no other
        row of the chunk may claim and none has taken yet. What :meth:`_fold_one` would decide for them,
        in any order (the rest, and every row of a chunk where a hash hit a record of another key, go
        one by one)."""
        none = np.zeros(len(stored), bool), np.full(len(stored), -1, np.int64)
        only_stored = stored & ~other
        if first is None or not only_stored.any() or not VECTOR_TAKE_OVER:
            return none
        ix = self.ex.index
        target, collided = ix.stored_rows(code_a, name_a, first, stored)  # of every row that may claim one
        if collided:
            return none
        ok = only_stored & (target >= 0)
        aimed = np.sort(target[target >= 0])
        twice = aimed[1:][aimed[1:] == aimed[:-1]]  # stored rows two rows of the chunk may claim
        if len(twice):
            ok &= ~member(target, twice)
        at = np.flatnonzero(ok)
        free = ~self.prev_by_id.claimed[target[at]] & ~ix.id_doubt(target[at])
        ok[at[~free]] = False
        self.prev_by_id.claimed[target[ok]] = True  # in the mapping's order after the chunk (see fold)
        return ok, target

    def _taken_in_order(self, over: np.ndarray, target: np.ndarray) -> None:
        """The chunk's stored records taken over into ``prev_by_id`` in the order of their rows, those
        decided at once with those decided one by one (as when every row went one by one)."""
        rows = np.flatnonzero(over)
        stored = target[rows]
        if self._claims:
            slow_rows, slow_stored = np.array(self._claims, np.int64).T
            order = np.argsort(np.concatenate([rows, slow_rows]), kind="stable")
            stored = np.concatenate([stored, slow_stored])[order]
        self.prev_by_id.claim(stored)

    def _ids(
        self,
        fast: np.ndarray,
        code_a: pa.Array,
        name_a: pa.Array,
        slow_ids: dict[int, str],
        ch: np.ndarray,
        over: tuple[np.ndarray, np.ndarray],
    ) -> pa.Array:
        """The ids of a chunk's rows: for the rows no earlier record or stored firm claims (``fast`` but
        not ``over[0]``), imp_<credit code> (built with Arrow), else -- no code, or that id taken -- as
        :func:`new_id` makes them; the stored ids for the rows that take a stored record (``over``: the
        mask, and the stored row of each); ``slow_ids`` for the rows decided one by one; null for the
        rows that make no record. ``ch``: the codes' hashes."""
        took, target = over
        fast = fast & ~took
        plain = _plain_codes(code_a)
        lower = pc.ascii_lower(code_a) if plain else pc.utf8_lower(code_a)  # the same for ASCII
        ids = pc.binary_join_element_wise("imp_", lower, "")
        taken = self._taken_hits(ids, ch, "code", fast) if plain else self._taken_hits(ids, key_hashes(ids), "id", fast)
        redo = fast & (ids.is_null().to_numpy(zero_copy_only=False) | taken)
        if took.any():
            stored = self.ex.index.ids.take(pa.array(np.where(took, target, 0), pa.int64()))
            ids = pc.if_else(pa.array(took), stored, ids)
        other = ~(fast | took) | redo
        if other.any():
            at = np.flatnonzero(other)
            fixed = [slow_ids.get(i) for i in at.tolist()]  # null: a row merged or kept by hand
            mint = np.flatnonzero(redo)  # new ids made in row order (a taken one gets a suffix)
            made = zip(code_a.take(mint).to_pylist(), name_a.take(mint).to_pylist(), strict=True)
            for k, (c, nk) in zip(np.searchsorted(at, mint).tolist(), made, strict=True):
                fixed[k] = self._new_id(c, nk)
            ids = pc.replace_with_mask(ids, pa.array(other), pa.array(fixed, pa.string()))
        self.new_firms += int(fast.sum())
        return ids

    def _new_id(self, code: str | None, namekey: str) -> str:
        ident = new_id(code, namekey, self.ex.taken)
        for _index, pending in self._taken.values():
            pending.append(ident)
        return ident

    def _taken_hits(self, ids: pa.Array, h: np.ndarray, kind: str, rows: np.ndarray) -> np.ndarray:
        """Per id, whether it is taken already, for the ``rows``: ``h`` hashes the ids (``kind`` "id"),
        or the codes, all of digits and capital letters (``kind`` "code": imp_<code> is taken when a
        taken id is imp_ and the code in small letters). Hashes first, the few hits checked in the set."""
        if not rows.any():
            return np.zeros(len(h), bool)
        if kind not in self._taken:  # the taken ids hashed, the stores' with Arrow
            index = KeyIndex()
            hashes = self.ex.taken.hashes(kind)
            index.add(hashes, np.zeros(len(hashes), np.int64))
            self._taken[kind] = (index, [])
            del hashes
            release_freed()  # hashing every stored id left ~150 MB of freed temporaries in the heap (1M ids)
        index, pending = self._taken[kind]
        if pending:
            keys = pending if kind == "id" else [t[4:].upper() for t in pending if _CODE_ID.fullmatch(t)]
            index.add(key_hashes(keys), np.zeros(len(keys), np.int64))
            pending.clear()
        hits = (index.get(h) >= 0) & (h != _NONE) & rows
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
            stale = ex.index.stored_row(c, nk)
            if stale >= 0:  # an earlier import's record of a firm now kept by hand: drop it
                self.superseded.add(ex.index.id_at(stale))
            return False
        e = self._earlier(c, hc, hn, code_add, name_add, known)
        if e is not None:
            out.action[i], out.target[i] = MERGED, e
            return False
        prev = ex.index.stored_row(c, nk)
        if prev >= 0 and ex.index.id_at(prev) in self.prev_by_id:
            prev = -1  # two firms of this file claim one stored record (same name, no code): keep both
        if prev >= 0:
            ident = ex.index.id_at(prev)
            self.prev_by_id.claimed[prev] = True
            self._claims.append((i, prev))
        else:
            ident = self._new_id(c, nk)
            self.new_firms += 1
        out.slow_ids[i] = ident
        if c:
            code_add[hc] = g
        name_add.setdefault(hn, g)
        self._codes[g] = hc
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
            if cand >= 0 and (c is None or self._codes[cand] in (_NONE, hc)):
                g = cand
        if g is not None and c and self._codes[g] == _NONE:
            self._codes[g] = hc
            code_add[hc] = g
        return g

    def add(self, table: pa.Table, folded: Folded, spilled: tuple[Path, np.ndarray] | None = None) -> None:
        """The chunk's records (ids and ties set) in; duplicates kept as patches of their records. With
        ``spilled`` (a file a worker wrote ``table`` to, and per row whether it is placed) the file is
        kept and the ids set when it is read back (``table``'s ids are then not read)."""
        if spilled is None:
            self.records.add_chunk(table, folded.action == NEW)
        else:
            self.records.add_spilled(spilled[0], spilled[1], folded.action == NEW, folded.ids)
        if folded.target:
            order = sorted(folded.target)
            self.records.add_patches(
                table.take(pa.array(order, pa.int64())), np.array([folded.target[i] for i in order], np.int64)
            )
