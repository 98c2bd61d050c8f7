"""The dedupe stage's key index and set membership (chainmap/importer/keyindex.py)."""

from __future__ import annotations

import numpy as np
import pytest

from chainmap.importer.keyindex import KeyIndex, member


@pytest.mark.parametrize("size", [0, 1, 7, 300, 4000, 20000])
def test_member_agrees_with_isin(size: int) -> None:
    # a small set goes through the top-bits filter, a big one straight to the binary searches: both
    # must answer as np.isin does, also for keys that share their top bits with a member but differ below
    rng = np.random.default_rng(size)
    keys = rng.integers(0, 2**63, 16000, dtype=np.int64).astype(np.uint64) * np.uint64(2)
    members = np.unique(np.concatenate([keys[: size // 2], rng.integers(0, 2**63, size - size // 2).astype(np.uint64)]))
    near = members[: min(len(members), 50)] ^ np.uint64(1)  # same top bits, another key
    probe = np.concatenate([keys, near])
    assert member(probe, members).tolist() == np.isin(probe, members).tolist()


def test_member_of_row_numbers() -> None:
    # row numbers (int64, all top bits zero) are looked up without the filter
    rows = np.array([5, 9, 2, 9], np.int64)
    assert member(rows, np.array([2, 9], np.int64)).tolist() == [False, True, True, True]


def test_key_index_first_added_wins_across_runs() -> None:
    ix = KeyIndex()
    for lo in range(0, 4000, 500):  # runs merged as they grow
        ix.add(np.arange(lo, lo + 1000, dtype=np.uint64) + np.uint64(1), np.arange(lo, lo + 1000))
    got = ix.get(np.array([1, 500, 1000, 4500, 4501], np.uint64))
    assert got.tolist() == [0, 499, 999, 4499, -1]
    assert len(ix) == 4500
