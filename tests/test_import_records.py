"""The records between the dedupe stage and the store: kept per chunk as placed and unplaced parts,
in memory or spilled, with duplicate rows folded in by array work exactly as :func:`merge_into` folds
them one by one; a duplicate that places a record moves it among the placed ones, at its place in the
order the records were first seen, in the store as on the table path."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from chainmap import load_library
from chainmap.importer import ImportOptions, run
from chainmap.importer.records import Records, merge_into
from chainmap.store import TIES, empty_record, to_table

from .test_import import write_csv
from .test_import_stages import _uscc

NODES = ["a1", "a2", "a3", "b1", "é9"]


def _record(rnd: random.Random, i: int) -> dict:
    """A record with gaps, ties, uncertain nodes, evidence (some parts below the threshold) and sources."""
    r = empty_record()
    r["id"] = f"imp_{i}"
    r["name"] = rnd.choice([None, "", f"甲{i}"])
    r["city"] = rnd.choice([None, "", "苏州市", "南京市"])
    r["capital_value"] = rnd.choice([None, 0.0, float(i)])
    for k in TIES:
        r[k] = rnd.choice([None, [], rnd.sample(NODES, rnd.randint(1, 2))]) if rnd.random() < 0.3 else None
    r["uncertain"] = rnd.choice([None, [], rnd.sample(NODES, rnd.randint(1, 3))])
    parts = [f"{n} 经营范围“乙{rnd.randint(0, 2)}”" + ("（未达阈值）" if rnd.random() < 0.5 else "") for n in NODES]
    r["evidence"] = rnd.choice([None, "", "；".join(rnd.sample(parts, rnd.randint(1, 3)))])
    r["source"] = [f"x.csv 第{i}行"] + ([f"x.csv 第{i % 5}行"] if rnd.random() < 0.2 else [])
    return r


def _reference(base: list[dict], patches: list[tuple[int, dict]]) -> list[dict]:
    out = [dict(r) for r in base]
    for target, row in patches:
        merge_into(out[target], dict(row))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("spilled", [False, True], ids=["memory", "spilled"])
def test_records_fold_patches_as_merge_into_and_split_placed_from_unplaced(tmp_path, seed, spilled):
    rnd = random.Random(seed)
    files = iter(range(10**6))

    def scratch() -> Path:
        p = tmp_path / f"spill{next(files)}.arrow"
        p.touch()  # the transaction makes its scratch files; the spill writes into them
        return p

    recs = Records(scratch if spilled else None)
    base: list[dict] = []
    patches: list[tuple[int, dict]] = []
    for _chunk in range(12):
        rows = [_record(rnd, len(base) + j) for j in range(rnd.randint(0, 40))]
        recs.add_chunk(to_table(rows))
        base += rows
        if base:
            dup = [
                (rnd.randrange(len(base)), _record(rnd, 10_000 + len(patches) + j)) for j in range(rnd.randint(0, 15))
            ]
            if dup:
                recs.add_patches(to_table([r for _t, r in dup]), np.array([t for t, _r in dup]))
                patches += dup
    want = _reference(base, patches)
    got = recs.table().to_pylist()
    assert got == want
    placed = [i for i, r in enumerate(want) if any(r[k] for k in TIES)]
    unplaced = [i for i in range(len(want)) if i not in set(placed)]
    for parts, numbers in ((recs.placed_parts(), placed), (recs.unplaced_parts(), unplaced)):
        seen = [(int(n), row) for t, ns in parts for n, row in zip(ns, t.to_pylist(), strict=True)]
        assert [n for n, _r in seen] == numbers  # in the order first seen
        assert all(row == want[n] for n, row in seen)
    moved = [t for t, row in patches if any(row[k] for k in TIES) and not any(base[t][k] for k in TIES)]
    assert moved  # some records were placed by a later row


def test_a_duplicate_that_places_a_firm_moves_it_among_the_placed_in_order(mini, tmp_path, monkeypatch):
    """Row 2's firm is unplaced in its chunk; its duplicate far below (another chunk) names a product
    on a chain node: the store holds it placed, between the placed firms first seen before and after
    it, with both rows as sources -- on the streamed path as on the table path."""
    from chainmap.importer import stream

    rows = [["企业名称", "统一社会信用代码", "经营范围", "主营产品", "所属城市"]]
    for i in range(300):
        scope = "乙中间体的生产" if i % 2 else "日用百货销售"
        rows.append([f"甲{i}化工有限公司", _uscc(i), scope, "", "苏州市"])
    rows.append(["甲0化工有限公司", _uscc(0), "", "丙材料", "苏州市"])  # firm 0, placed by this row
    f = write_csv(tmp_path / "名单.csv", rows)
    monkeypatch.setattr(run, "BLOCK_BYTES", 2048)
    tables = {}
    for label, streamed in (("stream", True), ("table", False)):
        monkeypatch.setattr(run, "can_stream", stream.can_stream if streamed else (lambda *a: False))
        o = tmp_path / label / "x.parquet"
        s = run.run_import(load_library(mini), ImportOptions(file=f, output=o, progress=False, workers=1))
        assert s.merged == 1 and s.placed == 151
        tables[label] = pq.read_table(o)
    assert tables["stream"].equals(tables["table"])
    t = tables["stream"].to_pylist()
    names = [r["name"] for r in t]
    assert names[:3] == ["甲0化工有限公司", "甲1化工有限公司", "甲3化工有限公司"]
    first = t[0]
    assert first["placed"] and first["source"] == ["名单.csv 第2行", "名单.csv 第302行"]
    assert names[151] == "甲2化工有限公司" and not t[151]["placed"]
