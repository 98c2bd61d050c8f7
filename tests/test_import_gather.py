"""The stored records an update takes over, gathered from the stores row group by row group
(importer/gather.py, importer/pool.py): the same rows as a take from the whole tables, whatever the order
the store stage asks for them in, and no store read whole."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from chainmap.importer import gather
from chainmap.importer import store as istore
from chainmap.importer.gather import Gathered
from chainmap.importer.pool import KEY_COLUMNS, StoredPool, read_columns
from chainmap.importer.rewrite import rewrite_store, rewrite_without
from chainmap.importer.store import Transaction
from chainmap.importer.taken import Prev
from chainmap.store import empty_record, read_table, to_table


def _store(path, n, rnd, tag):
    recs = []
    for i in range(n):
        r = empty_record() | {"id": f"imp_{tag}{i}", "name": f"{tag}{i}公司", "source": ["x"], "as_of": None}
        r["operates"] = ["a1"] if rnd.random() < 0.6 else []
        r["city"] = rnd.choice(["宁波", "苏州", None])
        recs.append(r)
    tx = Transaction(path.parent)
    tx.write_table(path, to_table(recs), "parquet", {"source_file": path.name})
    tx.commit()
    return read_table(path)


def _pool(paths):
    keys = {p: read_columns(p, KEY_COLUMNS) for p in paths}
    return StoredPool(keys, {p: p for p in paths})


@pytest.mark.parametrize("seed", range(3))
def test_gathered_rows_equal_a_take_from_the_whole_tables(tmp_path, monkeypatch, seed):
    monkeypatch.setattr(istore, "ROW_GROUP", 7)
    monkeypatch.setattr(gather, "SPAN", 9)  # many ranges; two held at a time
    rnd = random.Random(seed)
    paths = [tmp_path / "a.parquet", tmp_path / "b.parquet"]
    tables = [_store(p, n, rnd, tag) for p, n, tag in zip(paths, (83, 41), "甲乙", strict=True)]
    pool = _pool(paths)
    # taken-over records: some rows of each store, taken in a shuffled order (a store in id order, an export
    # in the platform's)
    picks = [(f, r) for f, t in enumerate(tables) for r in range(len(t)) if rnd.random() < 0.7]
    rnd.shuffle(picks)
    file = np.array([f for f, _ in picks])
    row = np.array([r for _, r in picks])
    prev = Prev(np.zeros(len(picks), np.uint64), pa.array([""] * len(picks)), file, row, np.arange(len(picks)))
    tx = Transaction(tmp_path)
    got = Gathered(pool, prev, tx)
    assert len(got.files) > 3 and pool._lazy.keys() == set(paths)  # scratch ranges; no store read whole
    for _ in range(20):  # asked in any order, across ranges: the same rows as a take
        k = np.array(rnd.sample(range(len(picks)), rnd.randint(0, 25)), np.int64)
        want = [tables[file[i]].slice(row[i], 1).to_pylist()[0] for i in k]
        assert got.take(k).to_pylist() == want
    got.close()
    tx.abort()
    for f, t in enumerate(tables):  # the table path's take: any order, repeats
        rows = np.array([rnd.randrange(len(t)) for _ in range(30)], np.int64)
        assert pool.take(paths[f], rows).to_pylist() == t.take(pa.array(rows)).to_pylist()
    assert pool._lazy.keys() == set(paths)
    assert not list(tmp_path.glob(".spill*"))


def test_a_store_rewritten_from_its_file_equals_the_whole_table_rewritten(tmp_path, monkeypatch):
    monkeypatch.setattr(istore, "ROW_GROUP", 5)
    rnd = random.Random(4)
    f = tmp_path / "s" / "s.parquet"
    f.parent.mkdir()
    t = _store(f, 97, rnd, "丙")
    gone = np.array([rnd.random() < 0.3 for _ in range(len(t))])
    gone[10:25] = True  # whole row groups gone: not read
    out = {}
    for label in ("file", "table"):
        tx = Transaction(f.parent)
        if label == "file":
            rewrite_store(tx, f, _pool([f]), gone, {"source_file": "x"})
        else:
            rewrite_without(tx, f, t, gone, {"source_file": "x"})
        out[label] = [tx.replace[0][0].read_bytes()]
        tx.abort()
    assert out["file"] == out["table"]
    md = pq.read_metadata(f)
    assert md.num_row_groups > 10
