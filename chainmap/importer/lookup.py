"""The firms earlier imports stored, indexed for look-ups as sorted numpy arrays of 64-bit key hashes
(:func:`.keys.key_hashes`, those the workers compute for the rows) with the first stored row holding
each: no Python object per stored firm. A hash only finds a candidate; the strings of the rows that hit
are compared, so a hash collision never merges two firms (it sends the look-up to an exact scan).

Stored rows are numbered across the store files in order (``files``, ``offsets``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .keys import _NONE, key_hash1, key_hashes, name_keys

__all__ = ["FirstRows", "StoredIndex", "TakenIds", "TakenOver"]


class FirstRows:
    """Sorted distinct hashes (0, no key, left out) and the first row holding each.

    Examples
    --------
    >>> ix = FirstRows(np.array([7, 0, 5, 7], np.uint64))
    >>> ix.get(np.array([7, 5, 6, 0], np.uint64)).tolist(), ix.get1(5), ix.dups.tolist()
    ([0, 2, -1, -1], 2, [7])
    """

    def __init__(self, h: np.ndarray):
        order = np.argsort(h)  # unstable (faster); the first row of a key is found below
        k = h[order]
        starts = np.flatnonzero(np.concatenate([[True], k[1:] != k[:-1]])) if len(k) else np.zeros(0, np.int64)
        self.keys = k[starts]
        self.first = np.minimum.reduceat(order, starts).astype(np.int32) if len(k) else np.zeros(0, np.int32)
        sizes = np.diff(np.append(starts, len(k)))
        self.dups = self.keys[(sizes > 1) & (self.keys != _NONE)]  # hashes more than one row holds
        if len(self.keys) and self.keys[0] == _NONE:
            self.keys, self.first = self.keys[1:], self.first[1:]

    def get(self, q: np.ndarray) -> np.ndarray:
        """The first row of each hash, -1 where none (or the hash is 0)."""
        out = np.full(len(q), -1, np.int64)
        if not len(self.keys) or not len(q):
            return out
        order = np.argsort(q)  # sorted needles: the binary searches walk the keys in order
        sq = q[order]
        pos = np.minimum(np.searchsorted(self.keys, sq), len(self.keys) - 1)
        hit = (self.keys[pos] == sq) & (sq != _NONE)
        out[order[hit]] = self.first[pos[hit]]
        return out

    def get1(self, h: int) -> int:
        pos = int(self.keys.searchsorted(np.uint64(h)))
        return int(self.first[pos]) if h and pos < len(self.keys) and int(self.keys[pos]) == h else -1


def _column(pool: dict[Path, pa.Table], name: str) -> pa.Array:
    """One column of every store as one array (look-ups take from it: a take from many chunks costs a
    copy of the whole column)."""
    chunks = [c for t in pool.values() for c in t[name].chunks]
    if len(chunks) == 1:  # one store read a column at a time (prepare.load_existing): no copy
        return chunks[0]
    return pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())


class StoredIndex:
    """Every stored record's credit code, name key and id, hashed and indexed: where an earlier import
    stored a firm (the first record of its credit code, else of its name, as :meth:`.Existing.stored`
    defines it), and whether an id is taken."""

    def __init__(self, pool: dict[Path, pa.Table]):
        self.files = list(pool)
        sizes = [len(t) for t in pool.values()]
        self.offsets = np.cumsum([0, *sizes]).astype(np.int64)
        self.n = int(self.offsets[-1])
        self.ids, self.codes = _column(pool, "id"), _column(pool, "credit_code")
        names = _column(pool, "name")
        # the ids' index on a second thread (numpy and Arrow let go of the interpreter while they work): the
        # idle core's share of indexing 917k stored firms (~1.3 s on one)
        with ThreadPoolExecutor(1, thread_name_prefix="chainmap-index") as bg:
            by_id = bg.submit(lambda: FirstRows(key_hashes(self.ids)))
            self.code_h = key_hashes(self.codes)  # per row: 0 where no code (null)
            empty = np.asarray(pc.equal(pc.binary_length(self.codes), 0).fill_null(False), bool) if self.n else None
            self.by_code = FirstRows(np.where(empty, _NONE, self.code_h) if empty is not None else self.code_h)
            # the names as compared, kept: a hit is checked against them (as the rows' keys were made); not
            # the names as written (a whole table asked for reads them from its file)
            self.name_keys = name_keys(names)
            del names
            self.by_name = FirstRows(key_hashes(self.name_keys))
            self.by_id = by_id.result()

    def columns(self, k: int, like: pa.Table) -> dict[str, pa.ChunkedArray]:
        """The ids and codes of the ``k``-th store, chunked as ``like``'s (slices: no copy)."""
        out = {}
        for c, arr in (("id", self.ids), ("credit_code", self.codes)):
            at, chunks = int(self.offsets[k]), []
            for piece in like[c].chunks:
                chunks.append(arr.slice(at, len(piece)))
                at += len(piece)
            out[c] = pa.chunked_array(chunks, arr.type)
        return out

    def where(self, row: int) -> tuple[Path, int]:
        """The store file and its row of a stored record."""
        k = int(np.searchsorted(self.offsets, row, side="right")) - 1
        return self.files[k], row - int(self.offsets[k])

    def code_at(self, row: int) -> str | None:
        return self.codes[row].as_py()

    def id_at(self, row: int) -> str:
        return self.ids[row].as_py()

    def _scan(self, values: pa.Array, value: str) -> int:
        """The first row whose code (or name key) is ``value``, by comparing every string: after a hash
        collision only."""
        return int(pc.index(values, pa.scalar(value, pa.string())).as_py())

    def code_row(self, code: str | None) -> int:
        """The first stored record of a credit code, -1 if none."""
        if not code:
            return -1
        r = self.by_code.get1(key_hash1(code))
        return r if r < 0 or self.code_at(r) == code else self._scan(self.codes, code)

    def name_row(self, nk: str) -> int:
        """The first stored record of a name key, -1 if none."""
        r = self.by_name.get1(key_hash1(nk))
        return r if r < 0 or self.name_keys[r].as_py() == nk else self._scan(self.name_keys, nk)

    def stored_row(self, code: str | None, nk: str) -> int:
        """Where an earlier import stored this firm: the first record of its credit code, else the first
        of its name if that one has no code or this one (-1: none)."""
        r = self.code_row(code)
        if r < 0:
            r = self.name_row(nk)
            if r >= 0 and code is not None and self.code_at(r) not in (None, code):
                r = -1
        return r

    def first_rows(self, codes: pa.Array, nks: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """The first stored rows of the hashes of these codes and name keys (-1: none)."""
        return self.by_code.get(key_hashes(codes)), self.by_name.get(key_hashes(nks))

    def stored_rows(
        self, codes: pa.Array, nks: pa.Array, first: tuple[np.ndarray, np.ndarray], rows: np.ndarray
    ) -> tuple[np.ndarray, bool]:
        """:meth:`stored_row` of the ``rows`` (a mask) of a chunk, -1 elsewhere, given ``first``: the first
        rows of the hashes of their codes and name keys (:meth:`FirstRows.get`); and whether a hash hit a
        record of another key (a collision: the caller then asks row by row)."""
        by_code, by_name = first
        out = np.full(len(codes), -1, np.int64)
        hit = rows & (by_code >= 0)
        at = np.flatnonzero(hit)
        same = _equal(codes, at, self.codes, by_code[at])
        out[at] = by_code[at]
        row_n = np.flatnonzero(rows & ~hit & (by_name >= 0))
        name_rows = by_name[row_n]
        same_n = _equal(nks, row_n, self.name_keys, name_rows)
        no_code = np.asarray(codes.is_null(), bool)[row_n] if codes.null_count else np.zeros(len(row_n), bool)
        fits = no_code | (self.code_h[name_rows] == _NONE)  # a code only if the record has none
        fits |= _equal(codes, row_n, self.codes, name_rows)  # or this one ("": no code to look up by)
        out[row_n[fits]] = name_rows[fits]
        return out, not (same.all() and same_n.all())

    def has_id(self, ident: str) -> bool:
        r = self.by_id.get1(key_hash1(ident))
        if r < 0:
            return False
        return self.id_at(r) == ident or int(pc.index(self.ids, pa.scalar(ident, pa.string())).as_py()) >= 0

    def id_rows(self, ident: str) -> np.ndarray:
        """Every stored row holding this id (one, but for a store with an id twice)."""
        h = key_hash1(ident)
        if np.uint64(h) in self.by_id.dups:
            return np.flatnonzero(np.asarray(pc.equal(self.ids, pa.scalar(ident, pa.string())).fill_null(False), bool))
        r = self.by_id.get1(h)
        return np.array([r] if r >= 0 and self.id_at(r) == ident else [], np.int64)

    def id_doubt(self, rows: np.ndarray) -> np.ndarray:
        """Per stored row: whether another row may hold the same id (a repeated hash)."""
        if not len(self.by_id.dups):
            return np.zeros(len(rows), bool)
        h = key_hashes(self.ids.take(pa.array(rows, pa.int64())))
        return np.isin(h, self.by_id.dups)


def _equal(a: pa.Array, a_rows: np.ndarray, b: pa.Array, b_rows: np.ndarray) -> np.ndarray:
    """Per pair: ``a[a_rows]`` equals ``b[b_rows]``."""
    if not len(a_rows):
        return np.ones(0, bool)
    left = a.take(pa.array(a_rows, pa.int64()))
    right = b.take(pa.array(b_rows, pa.int64()))
    return np.asarray(pc.fill_null(pc.equal(left, right), False), bool)


class TakenIds:
    """Every id taken (the library's, the stores', and those this run made): a set for the few, the
    stores' ids answered from their hash index.

    Examples
    --------
    >>> t = TakenIds({"a"})
    >>> t.add("b")
    >>> "a" in t, "b" in t, "c" in t
    (True, True, False)
    """

    def __init__(self, ids: set[str] | frozenset[str] = frozenset(), stored: StoredIndex | None = None):
        self.extra = set(ids)
        self.stored = stored

    def __contains__(self, ident: object) -> bool:
        if ident in self.extra:
            return True
        return isinstance(ident, str) and self.stored is not None and self.stored.n > 0 and self.stored.has_id(ident)

    def add(self, ident: str) -> None:
        self.extra.add(ident)

    def hashes(self, kind: str) -> np.ndarray:
        """Hashes of every taken id (``kind`` "id"), or of the codes ``c`` of the ids imp_<c in small
        letters and digits> (``kind`` "code"), upper-cased."""
        ids = pa.array(sorted(self.extra), pa.string())
        if self.stored is not None and self.stored.n:
            ids = pa.concat_arrays([ids, self.stored.ids])
        if kind == "code":
            ids = pc.ascii_upper(
                pc.utf8_slice_codeunits(ids.filter(pc.match_substring_regex(ids, r"^imp_[0-9a-z]*$")), 4)
            )
        return key_hashes(ids)


class TakenOver(Mapping[str, tuple[Path, int]]):
    """Stored id -> (store file, row) of every stored record this run takes over, in the order taken;
    kept as stored row numbers (no Python object per record until asked for)."""

    def __init__(self, index: StoredIndex):
        self.ix = index
        self.claimed = np.zeros(index.n, bool)  # per stored row
        self._rows = np.zeros(1024, np.int64)
        self._n = 0

    def claim(self, rows: np.ndarray) -> None:
        """Take over these stored rows (none taken yet, or only marked in ``claimed``), in this order."""
        if self._n + len(rows) > len(self._rows):
            grown = np.zeros(max(self._n + len(rows), len(self._rows) * 2), np.int64)
            grown[: self._n] = self._rows[: self._n]
            self._rows = grown
        self._rows[self._n : self._n + len(rows)] = rows
        self._n += len(rows)
        self.claimed[rows] = True

    def rows(self) -> np.ndarray:
        """The stored rows taken over, in the order taken."""
        return self._rows[: self._n]

    def ids(self) -> pa.Array:
        """Their ids, in the same order."""
        return self.ix.ids.take(pa.array(self.rows(), pa.int64()))

    def _row(self, ident: object) -> int:
        if not isinstance(ident, str):  # (``claimed`` may be ahead of the order kept: see Deduper.fold)
            return -1
        rows = self.ix.id_rows(ident)
        rows = rows[self.claimed[rows]]
        return int(rows[0]) if len(rows) else -1

    def __contains__(self, ident: object) -> bool:
        return self._row(ident) >= 0

    def __getitem__(self, ident: str) -> tuple[Path, int]:
        r = self._row(ident)
        if r < 0:
            raise KeyError(ident)
        return self.ix.where(r)

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids().to_pylist())

    def items(self) -> Iterator[tuple[str, tuple[Path, int]]]:  # type: ignore[override]
        """(id, (store file, row)) in the order taken, made a block at a time."""
        files, offsets, rows = self.ix.files, self.ix.offsets, self.rows()
        for s in range(0, len(rows), 65536):
            block = rows[s : s + 65536]
            k = np.searchsorted(offsets, block, side="right") - 1
            ids = self.ix.ids.take(pa.array(block, pa.int64())).to_pylist()
            yield from zip(
                ids,
                [(files[f], r) for f, r in zip(k.tolist(), (block - offsets[k]).tolist(), strict=True)],
                strict=True,
            )
