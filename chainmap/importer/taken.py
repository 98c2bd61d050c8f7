"""The stored records an import takes over (``Deduper.prev_by_id``): found by id in this run's records
(hashes, then the ids checked); their stored versions are gathered from the stores (:mod:`.gather`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .dedupe import Deduper
from .keys import key_hashes

__all__ = ["Prev", "prev_index"]


@dataclass
class Prev:
    """The stored records this run takes over (``Deduper.prev_by_id``), in the order of their ids' hashes:
    the id, its store (number in ``Existing.pool``) and row there, its place in the order taken; their rank in (store, id) order, made
    when first asked for (none is asked for when no record changed)."""

    hashes: np.ndarray
    ids: pa.Array
    file: np.ndarray
    row: np.ndarray
    taken: np.ndarray  # the place of each in the order taken (the order of the chunks, nearly)
    _rank: np.ndarray | None = None

    @property
    def rank(self) -> np.ndarray:
        if self._rank is None:
            keys = pa.table({"f": self.file, "id": self.ids})
            order = pc.sort_indices(keys, sort_keys=[("f", "ascending"), ("id", "ascending")])
            self._rank = np.empty(len(self.ids), np.int64)
            self._rank[np.asarray(order)] = np.arange(len(self.ids))
        return self._rank

    def find(self, ids: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """The rows of ``ids`` that are taken-over records (ascending), and their index here."""
        if not len(self.hashes) or not len(ids):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        h = key_hashes(ids)
        o = np.argsort(h)
        j = np.empty(len(h), np.int64)
        j[o] = np.minimum(np.searchsorted(self.hashes, h[o]), len(self.hashes) - 1)  # sorted needles: in order
        hit = np.flatnonzero(self.hashes[j] == h)
        if len(hit):  # the hashes agree: the ids must too
            arr = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
            same = np.asarray(pc.fill_null(pc.equal(self.ids.take(pa.array(j[hit])), arr.take(pa.array(hit))), False))
            hit = hit[same]
        return hit, j[hit]


def prev_index(dd: Deduper) -> Prev | None:
    """:class:`Prev` of ``dd``; None when two ids share a hash (then the table path)."""
    at = {f: i for i, f in enumerate(dd.ex.pool)}
    file, row = taken_rows(dd, at)
    o = np.argsort(row, kind="stable") if len(at) == 1 else np.lexsort((row, file))  # rows of a run: mostly rising
    file, row, taken = file[o], row[o], o
    ids = dd.prev_by_id.ids().take(pa.array(o))  # the stored ids, from the look-up's one array
    h = key_hashes(ids)
    o = np.argsort(h)
    h = h[o]
    if len(h) > 1 and (h[1:] == h[:-1]).any():
        return None
    return Prev(h, ids.take(pa.array(o)), file[o], row[o], taken[o])


def taken_rows(dd: Deduper, at: dict[Path, int]) -> tuple[np.ndarray, np.ndarray]:
    """Store (its index in ``at``, the order of ``dd.ex.pool`` and of the look-up's files) and row of every
    taken-over record, in the order taken: from the look-up's stored row numbers (asking the mapping
    ``prev_by_id`` id by id cost 6 of the 9.5 s of a 200k-row re-import)."""
    index = dd.ex.index
    assert list(index.files) == list(at)  # the pool's order is the look-up's
    g = dd.prev_by_id.rows()
    file = np.searchsorted(index.offsets, g, side="right") - 1
    return file.astype(np.int64), g - index.offsets[file]
