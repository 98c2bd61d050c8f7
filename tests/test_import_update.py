"""The streamed store stage of imports that update stored firms (importer/update.py) against the table path
(importer/write.py), on exports whose changes are known by construction: every output file byte for byte
and the summary, with row groups and chunks made tiny so that every cut of the row groups is exercised."""

from __future__ import annotations

import csv
import random
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from chainmap import load_library
from chainmap.importer import ImportOptions, gather, run, update, write
from chainmap.importer import store as istore
from chainmap.importer.pool import StoredPool
from chainmap.importer.rewrite import rewrite_without
from chainmap.importer.signals import changed_signal_rows, changed_signals
from chainmap.importer.store import Transaction
from chainmap.store import SCHEMA, empty_record, to_table

from .test_import import write_csv
from .test_import_stages import _uscc

HEADER = ["企业名称", "统一社会信用代码", "登记状态", "注册资本", "所属城市", "主营产品", "经营范围"]
SCOPES = ["乙中间体的生产", "日用百货销售", "丙材料", ""]


def _firm(i: int, rnd: random.Random) -> list[str]:
    name = f"甲{i}化工有限公司" if i % 6 else f"乙（宁波）　{i}材料有限公司"  # full-width brackets and space
    code = "" if i % 5 == 0 else _uscc(i)  # some firms have no credit code
    return [name, code, "存续", f"{100 + i}万元", rnd.choice(["宁波", "苏州", "南京"]), "", rnd.choice(SCOPES)]


def _exports(tmp_path):
    rnd = random.Random(7)
    first = [_firm(i, rnd) for i in range(60)]
    second = []
    for i, row in enumerate(first):
        if i % 13 == 12:
            continue  # dropped from the newer export
        r = list(row)
        if i % 3 == 0:
            r[3] = f"{500 + i}万元"  # capital up
        if i % 7 == 0:
            r[4] = "杭州"  # moved
        if i % 11 == 0:
            r[2] = "注销"  # deregistered (a known firm: kept)
        if i % 4 == 1:
            r[5] = "贝制品"  # newly placed
        second.append(r)
    second += [_firm(100 + i, rnd) for i in range(12)]  # new firms
    second.append(["甲1化工有限公司", _uscc(1), "存续", "", "宁波", "丙材料", ""])  # a duplicate row, far below
    second.insert(3, ["乙（宁波）　0材料有限公司", _uscc(900), "存续", "", "宁波", "", ""])  # its code learnt
    second.append(["甲5化工有限公司", "", "存续", "", "苏州", "", "日用百货销售"])  # a namesake without code
    other = [_firm(i, rnd) for i in range(30, 40)] + [_firm(200 + i, rnd) for i in range(8)]
    w = lambda name, rows: write_csv(tmp_path / name, [HEADER, *rows])  # noqa: E731
    return w("名单_20240101.csv", first), w("名单_20240601.csv", second), w("其他_20240301.csv", other)


def _silent(tmp_path, rows):
    """A status and capital refresh of ``rows``: no products, no scope column (the stored placements stay)."""
    keep = [i for i, h in enumerate(HEADER) if h not in ("主营产品", "经营范围")]
    out = [[r[i] for i in keep] for r in rows]
    for i, r in enumerate(out):
        if i % 2 == 0:
            r[3] = f"{900 + i}万元"
    return write_csv(tmp_path / "状态_20240901.csv", [[HEADER[i] for i in keep], *out])


def _chain_rows(rows):
    """A later export for a ``--chain`` update: some scopes changed (placements on and off alpha's nodes)."""
    out = [list(r) for r in rows]
    for i, r in enumerate(out):
        if i % 3 == 1:
            r[6] = SCOPES[(SCOPES.index(r[6]) + 1) % len(SCOPES)] if r[6] in SCOPES else ""
    return out


def _rows(f):
    with f.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))[1:]


def _imp(root, f, out=None, **kw):
    return run.run_import(
        load_library(root), ImportOptions(file=f, output=out, store="parquet", progress=False, workers=1, **kw)
    )


def _state(root, s):
    files = {p.name: p.read_bytes() for p in sorted((root / "imported").iterdir()) if p.is_file()}
    summary = {k: v for k, v in s.as_dict().items() if k not in ("seconds", "output", "rejects", "moved_from", "file")}
    return files, summary, [p.rsplit("/", 1)[-1] for p in s.moved_from]


def test_streamed_update_equals_the_table_path(mini, tmp_path, monkeypatch):
    first, second, other = _exports(tmp_path)
    silent = _silent(tmp_path, _rows(second))
    narrow = write_csv(tmp_path / "名单_20241001.csv", [HEADER, *_chain_rows(_rows(second))])
    monkeypatch.setattr(run, "BLOCK_BYTES", 256)  # a few rows a chunk
    monkeypatch.setattr(istore, "ROW_GROUP", 4)  # row groups cut everywhere
    monkeypatch.setattr(update, "BUCKET", 3)  # the changed records over many scratch files
    monkeypatch.setattr(gather, "SPAN", 5)  # the stored records gathered into many ranges
    monkeypatch.setattr(write, "YAML_LIMIT", 20)  # an auto store grows out of YAML soon
    calls, whole = [], []
    real, real_item = update.stream_update, StoredPool.__getitem__

    def item(pool, key):  # a streamed update never reads a Parquet store whole
        if calls and calls[-1] == "in" and key in pool._lazy:
            whole.append(key)
        return real_item(pool, key)

    def streamed(*a):
        calls.append("in")
        try:
            return real(*a)
        finally:
            calls[-1] = "out"

    monkeypatch.setattr(StoredPool, "__getitem__", item)
    results = {}
    for mode in ("stream", "table"):
        root = tmp_path / mode
        shutil.copytree(mini, root)
        if mode == "stream":
            monkeypatch.setattr(run, "stream_update", streamed)
        else:
            monkeypatch.setattr(run, "can_stream_update", lambda *a: None)
        imported = root / "imported"
        steps = [_imp(root, first, imported / "first.parquet"), _imp(root, other, imported / "other.parquet")]
        firms = root / "companies" / "firms.yaml"  # a stored firm now kept by hand: its record goes
        firms.write_text(
            firms.read_text(encoding="utf-8")
            + "  - id: hand_1\n    name: 甲2化工有限公司\n    source: 测试数据\n    as_of: 2024-05-01\n",
            encoding="utf-8",
        )
        out = []
        for f, o in (
            (second, imported / "second.parquet"),  # a new store: records move out of the two others
            (first, imported / "second.parquet"),  # an older export than the store: nothing changes
            (second, imported / "first.parquet"),  # into the first store's file: its records come first
            (first, imported / "first.parquet"),  # back again: an older export
            (silent, imported / "second.parquet"),  # placements kept: records move to the placed row groups
            (narrow, imported / "second.parquet"),  # --chain alpha: the ties to the other chains stay
        ):
            s = _imp(root, f, o, chains=["alpha"]) if f == narrow else _imp(root, f, o)
            out.append(_state(root, s))
        grow = tmp_path / mode / "增长.csv"  # an auto YAML store outgrowing YAML: its records into the Parquet one
        write_csv(grow, [HEADER, *(r for r in _rows(first)[:10])])
        steps.append(run.run_import(load_library(root), ImportOptions(file=grow, progress=False, workers=1)))
        write_csv(grow, [HEADER, *_rows(second)])
        s = run.run_import(load_library(root), ImportOptions(file=grow, progress=False, workers=1))
        assert s.store == "parquet" and not (imported / "增长.yaml").exists()
        out.append(_state(root, s))
        results[mode] = [_state(root, steps[0]), *out]
    assert len(calls) >= 5 and not whole
    for got, want in zip(results["stream"], results["table"], strict=True):
        assert got[1] == want[1] and got[2] == want[2]
        assert got[0].keys() == want[0].keys()
        for name in got[0]:
            assert got[0][name] == want[0][name], name
    s2 = results["stream"][1][1]
    assert s2["signals"].keys() == {"capital_up", "moved", "status", "placed", "new"}
    quiet = results["stream"][5][1]  # the refresh without products or scope: the placed firms stay placed
    assert quiet["placed"] >= s2["placed"] - 2 and quiet["placed"] > 10, quiet
    assert s2["updated"] > 40 and s2["imported"] >= 12


def test_rewrite_without_makes_the_row_groups_of_the_table_path(tmp_path, monkeypatch):
    """A store rewritten row group by row group without some rows: the bytes of a whole filtered table."""
    monkeypatch.setattr(istore, "ROW_GROUP", 5)
    rnd = random.Random(3)
    recs = []
    for i in range(97):
        r = empty_record() | {"id": f"imp_{i}", "name": f"甲{i}", "source": ["x"], "as_of": None}
        r["operates"] = ["a1"] if rnd.random() < 0.6 else []
        recs.append(r)
    t = to_table(recs)
    t = pa.concat_tables([t.slice(0, 7), t.slice(7, 30), t.slice(37, 3), t.slice(40)])  # uneven chunks
    gone = np.array([rnd.random() < 0.3 for _ in range(len(t))])
    got, want = {}, {}
    for label, out in (("rows", got), ("whole", want)):
        tx = Transaction(tmp_path / label)
        f = tmp_path / label / "s.parquet"
        if label == "rows":
            rewrite_without(tx, f, t, gone, {"source_file": "x"})
        else:
            tx.write_table(f, t.filter(pa.array(~gone)), "parquet", {"source_file": "x"})
        tx.commit()
        out["bytes"] = f.read_bytes()
        md = pq.ParquetFile(f).metadata
        out["groups"] = [md.row_group(i).num_rows for i in range(md.num_row_groups)]
    assert got == want and len(want["groups"]) > 10 and any(n != 5 for n in want["groups"][:-1])


@pytest.mark.parametrize("seed", range(4))
def test_change_signals_by_column_equal_the_row_by_row_ones(seed):
    rnd = random.Random(seed)

    def rec(i):
        r = empty_record() | {"id": f"imp_{i}", "name": f"甲{i}", "source": ["x"]}
        r["as_of"] = rnd.choice([None, *(np.datetime64("2024-01-01") + np.arange(3)).astype(object)])
        r["capital_value"] = rnd.choice([None, 1e6, 5e6, 2.5e7])
        r["capital_currency"] = rnd.choice([None, "CNY", "USD"])
        r["status"] = rnd.choice([None, "", "存续", "注销"])
        r["city"] = rnd.choice([None, "", "宁波市", "苏州市"])
        r["operates"] = rnd.choice([[], ["a1"], ["a2", "a1"]])
        r["makes"] = rnd.choice([[], ["a3"]])  # the row-by-row reference takes no null list here
        return r

    new, old = to_table([rec(i) for i in range(200)]), to_table([rec(i) for i in range(200)])
    chains = {"a1": ["alpha"], "a2": ["alpha", "beta"], "a3": ["beta"]}
    want = changed_signals(new, old, chains, "名单.csv")
    got, rows = changed_signal_rows(new, old, chains, "名单.csv")
    assert got.equals(want) and len(want) > 20
    assert got["id"].to_pylist() == new["id"].take(pa.array(rows)).to_pylist()
    assert new.schema == SCHEMA


def test_an_update_stopped_in_its_store_stage_leaves_the_stores_as_they_were(mini, tmp_path, monkeypatch):
    """Ctrl-C while the streamed stage writes (records held in scratch files, the new store half written):
    every file of the store folder as before, no temporary file left."""
    first, second, _other = _exports(tmp_path)
    monkeypatch.setattr(update, "BUCKET", 3)
    out = mini / "imported" / "first.parquet"
    _imp(mini, first, out)
    before = {p.name: p.read_bytes() for p in (mini / "imported").iterdir()}

    def stop(*_a):
        raise KeyboardInterrupt

    monkeypatch.setattr(update, "_others", stop)
    with pytest.raises(KeyboardInterrupt):
        _imp(mini, second, out)
    after = {p.name: p.read_bytes() for p in (mini / "imported").iterdir()}
    assert after == before


def test_taken_rows_from_the_lookup_arrays_equal_the_mapping(mini, tmp_path, monkeypatch):
    """The stores and rows of the taken-over records, read from the look-up's row numbers, are those the
    mapping ``prev_by_id`` gives id by id, over several stores (records moving out of two of them)."""
    from chainmap.importer import taken

    first, second, other = _exports(tmp_path)
    monkeypatch.setattr(run, "BLOCK_BYTES", 256)
    seen = []
    real = taken.taken_rows

    def spy(dd, at):
        file, row = real(dd, at)
        want = [(at[p], r) for p, r in dd.prev_by_id.values()]
        seen.append(len(want))
        assert list(zip(file.tolist(), row.tolist(), strict=True)) == want
        return file, row

    monkeypatch.setattr(taken, "taken_rows", spy)
    imported = mini / "imported"
    _imp(mini, first, imported / "first.parquet")
    _imp(mini, other, imported / "other.parquet")
    _imp(mini, second, imported / "second.parquet")
    assert seen and seen[-1] > 40
