"""Hashed 64-bit keys -> record numbers, for the dedupe stage (:mod:`.dedupe`): sorted numpy runs
behind a one-hash Bloom filter, and membership in a small sorted set of keys."""

from __future__ import annotations

import numpy as np

from .keys import _NONE

__all__ = ["KeyIndex", "member"]


class KeyIndex:
    """Hashed key -> record number (< 2**31), the first one added winning. Sorted numpy runs merged as they
    grow (like a log-structured merge tree): adding n keys costs O(n log n) in all, a look-up a few
    binary searches -- made only for the keys a one-hash Bloom filter (8 to 16 bits a key) lets
    through: most keys of an import are new, and the filter turns most of them away.

    Examples
    --------
    >>> ix = KeyIndex()
    >>> ix.add(np.array([5, 7, 5], np.uint64), np.array([0, 1, 2]))
    >>> ix.get(np.array([7, 5, 6], np.uint64)).tolist(), len(ix)
    ([1, 0, -1], 2)
    """

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # oldest first
        self.n = 0
        self._bits = np.zeros(1 << 13, np.uint8)  # bit ``key >> shift`` set for every key added
        self._shift = np.uint64(64 - 16)

    def __len__(self) -> int:
        return self.n

    def _maybe(self, keys: np.ndarray) -> np.ndarray:
        """Per key: perhaps present (False: certainly absent)."""
        at = keys >> self._shift
        return (self._bits[at >> np.uint64(3)] >> (at & np.uint64(7)).astype(np.uint8)) & 1 == 1

    def _mark(self, keys: np.ndarray) -> None:
        """Set the filter's bits of ``keys`` (sorted)."""
        at = keys >> self._shift
        byte, bit = at >> np.uint64(3), np.left_shift(1, (at & np.uint64(7)).astype(np.uint8))
        if not len(byte):
            return
        starts = np.flatnonzero(np.concatenate([[True], byte[1:] != byte[:-1]]))  # sorted keys: runs of a byte
        self._bits[byte[starts]] |= np.bitwise_or.reduceat(bit, starts)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The record number of each key, -1 where absent."""
        out = np.full(len(keys), -1, dtype=np.int64)
        if not self.runs:
            return out
        cand = np.flatnonzero(self._maybe(keys))
        order = cand[np.argsort(keys[cand])]
        needles = keys[order]  # sorted needles: the binary searches walk memory in order
        found = np.full(len(needles), -1, dtype=np.int64)
        for k, v in self.runs:
            pos = np.minimum(np.searchsorted(k, needles), len(k) - 1)
            hit = (k[pos] == needles) & (found < 0)
            found[hit] = v[pos[hit]]
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
        order = np.argsort(keys)  # an unstable sort (4 times faster than a stable one)
        keys = keys[order]
        starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
        if len(starts) < len(keys):  # a key repeated: its first occurrence wins
            keys, order = keys[starts], np.minimum.reduceat(order, starts)
        self.runs.append((keys, values[order].astype(np.int32)))  # record numbers: 12 bytes a key in all
        self.n += len(keys)
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            (k1, v1), (k2, v2) = self.runs[-2], self.runs[-1]  # no key is in both
            k, v = np.concatenate([k1, k2]), np.concatenate([v1, v2])
            order = np.argsort(k, kind="stable")  # two sorted runs: merged in linear time
            self.runs[-2:] = [(k[order], v[order])]
        if self.n > len(self._bits):  # fewer than 8 bits a key: a new filter, of 8 to 16
            size = 1 << int(np.ceil(np.log2(self.n)))
            self._bits, self._shift = np.zeros(size, np.uint8), np.uint64(64 - int(np.log2(size * 8)))
            for k, _v in self.runs:
                self._mark(k)
        else:
            self._mark(keys)


_TOP = np.uint64(48)  # a key's top 16 bits: its slot in the filter of a small set


def member(keys: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Per key: in ``sorted_set`` (a sorted array, few keys: binary searches, no sort of ``keys``). A set
    much smaller than ``keys`` (the hand-kept firms, a chunk's repeated keys) first turns most keys away
    by their top bits: a binary search per key cost 1-2 ms a chunk, the filter ~0.1 ms."""
    out = np.zeros(len(keys), dtype=bool)
    if not len(sorted_set):
        return out
    at = np.arange(len(keys))
    if keys.dtype == np.uint64 and 4 * len(sorted_set) < len(keys):  # hashes: spread over the top bits
        slots = np.zeros(1 << 16, dtype=bool)
        slots[sorted_set >> _TOP] = True
        at = np.flatnonzero(slots[keys >> _TOP])
    some = keys[at]
    out[at] = sorted_set[np.minimum(np.searchsorted(sorted_set, some), len(sorted_set) - 1)] == some
    return out
