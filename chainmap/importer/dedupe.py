"""The dedupe stage: each cleaned firm becomes a new record, is folded into an earlier row of the same
firm (same credit code, else same name without a conflicting code), takes over the record an earlier
import stored, or is skipped because the library keeps that firm by hand."""

from __future__ import annotations

import bisect
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..store import COLUMNS, TIES, to_table
from .prepare import Existing

__all__ = ["Deduper", "Folded", "Records", "new_id"]

NEW, MERGED, HAND = 0, 1, 2


def new_id(code: str | None, namekey: str, taken: set[str]) -> str:
    """A stable id: from the credit code, else from the name (so a re-import finds the same id).

    Examples
    --------
    >>> taken = set()
    >>> new_id("91320700MA1MXXXX0X", "甲", taken), new_id(None, "甲", taken)[:5]
    ('imp_91320700ma1mxxxx0x', 'imp_n')
    """
    base = f"imp_{code.lower()}" if code else "imp_n" + hashlib.sha1(namekey.encode()).hexdigest()[:12]
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}_{n}", n + 1
    taken.add(ident)
    return ident


class Records:
    """This run's records as Arrow tables, one per chunk (memory bounded by the chunk, not by Python
    objects per row); a record is pulled out as a dict only when a later duplicate is merged into it."""

    def __init__(self) -> None:
        self.batches: list[pa.Table] = []
        self.offsets: list[int] = []
        self.size = 0
        self.patched: dict[int, dict[str, Any]] = {}

    def __len__(self) -> int:
        return self.size

    def add_table(self, t: pa.Table) -> None:
        if len(t):
            self.offsets.append(self.size)
            self.batches.append(t)
            self.size += len(t)

    def get(self, i: int) -> dict[str, Any]:
        if i not in self.patched:
            b = bisect.bisect_right(self.offsets, i) - 1
            self.patched[i] = self.batches[b].slice(i - self.offsets[b], 1).to_pylist()[0]
        return self.patched[i]

    def table(self) -> pa.Table:
        t = pa.concat_tables(self.batches) if self.batches else to_table([])
        if self.patched:
            idx = sorted(self.patched)
            mask = pc.invert(pc.is_in(pa.array(range(len(t))), value_set=pa.array(idx)))
            t = pa.concat_tables([t.filter(mask), to_table([self.patched[i] for i in idx])])
            self.patched = {}
        return t


class Folded:
    """What the dedupe stage decided for one chunk's rows."""

    def __init__(self, n: int):
        self.ids: list[str | None] = [None] * n
        self.action = np.zeros(n, dtype=np.int8)  # NEW, MERGED or HAND
        self.target: dict[int, int] = {}  # row -> record it is merged into

    @property
    def hand(self) -> int:
        return int((self.action == HAND).sum())


class Deduper:
    """Identity across the whole import: records by credit code and by name key, and which stored
    records this run takes over (``prev_by_id``) or drops (``superseded``: now kept by hand)."""

    def __init__(self, existing: Existing):
        self.ex = existing
        self.records = Records()
        self.code_idx: dict[str, int] = {}
        self.name_idx: dict[str, int] = {}
        self.codes: list[str | None] = []
        self.first_row: list[bool] = []  # record index -> True when it came from a new firm
        self.prev_by_id: dict[str, tuple[Path, int]] = {}
        self.superseded: set[str] = set()

    def fold(self, codes: list[str | None], namekeys: list[str]) -> Folded:
        out = Folded(len(codes))
        ex = self.ex
        for i, (c, nk) in enumerate(zip(codes, namekeys, strict=True)):
            if ex.hand(c, nk) is not None:
                out.action[i] = HAND
                stale = ex.stored(c, nk)
                if stale is not None:  # an earlier import's record of a firm now kept by hand: drop it
                    self.superseded.add(ex.ids[stale[0]][stale[1]])
                continue
            g = self._earlier(c, nk)
            if g is not None:
                out.action[i], out.target[i] = MERGED, g
                continue
            prev = ex.stored(c, nk)
            if prev is not None and ex.ids[prev[0]][prev[1]] in self.prev_by_id:
                prev = None  # two firms of this file claim one stored record (same name, no code): keep both
            if prev is not None:
                ident = ex.ids[prev[0]][prev[1]]
                self.prev_by_id[ident] = prev
            else:
                ident = new_id(c, nk, ex.taken)
            out.ids[i] = ident
            g = len(self.codes)
            self.codes.append(c)
            self.first_row.append(prev is None)
            if c:
                self.code_idx[c] = g
            self.name_idx.setdefault(nk, g)
        return out

    def _earlier(self, c: str | None, nk: str) -> int | None:
        """An earlier row's record of the same firm (its credit code learnt if it had none)."""
        g = self.code_idx.get(c) if c else None
        if g is None and nk in self.name_idx:
            cand = self.name_idx[nk]
            if c is None or self.codes[cand] in (None, c):
                g = cand
        if g is not None and c and not self.codes[g]:
            self.codes[g] = c
            self.code_idx[c] = g
        return g

    def add(self, table: pa.Table, folded: Folded) -> None:
        """The chunk's records (ids and ties set) in; duplicates folded into their earlier rows."""
        new = np.nonzero(folded.action == NEW)[0]
        self.records.add_table(table.take(pa.array(new, pa.int64())) if len(new) < len(table) else table)
        if folded.target:
            order = sorted(folded.target)
            rows = table.take(pa.array(order, pa.int64())).to_pylist()
            for i, row in zip(order, rows, strict=True):
                self.merge(folded.target[i], row)

    def merge(self, g: int, new: dict[str, Any]) -> None:
        """Fold a duplicate row into record ``g``: fill its gaps, add ties and the row's source."""
        rec = self.records.get(g)
        for k in COLUMNS:
            if k in ("id", "source", "evidence", "uncertain", *TIES):
                continue
            if rec.get(k) in (None, "") and new.get(k) not in (None, ""):
                rec[k] = new[k]
        for k in TIES:
            rec[k] = sorted(set(rec[k] or []) | set(new[k] or []))
        placed = {n for k in TIES for n in rec[k]}
        rec["uncertain"] = sorted((set(rec["uncertain"] or []) | set(new["uncertain"] or [])) - placed)
        if new["evidence"] and new["evidence"] != rec.get("evidence"):
            placed = {n for k in TIES for n in rec[k]}
            parts = [p for e in (rec.get("evidence"), new["evidence"]) if e for p in e.split("；")]
            parts = [p for p in parts if not (p.endswith("（未达阈值）") and p.split(" ", 1)[0] in placed)]
            rec["evidence"] = "；".join(dict.fromkeys(parts))
        rec["source"] = list(rec["source"] or []) + [s for s in new["source"] if s not in (rec["source"] or [])]
        if new.get("credit_code") and not self.codes[g]:
            self.codes[g] = new["credit_code"]
            self.code_idx[new["credit_code"]] = g
