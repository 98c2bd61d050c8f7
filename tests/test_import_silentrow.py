"""A row whose scope and products cells are blank says nothing of what the firm does: a stored firm it updates
keeps its placements (ties, evidence, uncertain nodes, with whatever its name adds), as a whole export with
neither column does; a row with a scope or products text re-matches the firm (the export says what it does
now); a firm folded from several rows keeps them only when every row was blank. Both store stages: the
streamed one (a Parquet store, ``importer/update.py``) and the table path (a YAML store, a ``--chain`` update,
``importer/write.py``). The exports are written here; what each firm's rows say is known by construction."""

from __future__ import annotations

import random
import shutil

import pytest

from chainmap import load_library
from chainmap.importer import ImportOptions, run, run_import, update
from chainmap.importer import store as istore
from chainmap.store import TIES, read_signals, read_table, store_files

from .test_import import write_csv
from .test_import_stages import _uscc

HEADER = ["企业名称", "统一社会信用代码", "登记状态", "注册资本", "所属城市", "主营产品", "经营范围"]
JIA = ["甲化工有限公司", _uscc(1), "存续", "100万元", "宁波", "", "乙中间体的生产"]  # a2 (chain alpha)
YI = ["乙新材料有限公司", _uscc(2), "存续", "200万元", "宁波", "", "丙材料的研发"]  # a3
BING = ["丙贸易有限公司", _uscc(3), "存续", "300万元", "苏州", "贝制品", ""]  # b2 (chain beta), by products


def imp(root, f, store="auto", workers=1, **kw):
    return run_import(load_library(root), ImportOptions(file=f, store=store, progress=False, workers=workers, **kw))


def records(root):
    return {r["name"]: r for f in store_files(root / "imported") for r in read_table(f).to_pylist()}


def placement(r):
    return {k: r[k] for k in (*TIES, "uncertain", "evidence")}


def ties(r):
    return {k: r[k] for k in (*TIES, "uncertain")}


def firm_signals(root, name):
    return [(s["kind"], s["old"], s["new"]) for s in read_signals(root / "imported").to_pylist() if s["name"] == name]


def first(root, tmp_path, store):
    s = imp(root, write_csv(tmp_path / "名单_20240101.csv", [HEADER, JIA, YI, BING]), store)
    assert (s.imported, s.placed) == (3, 3), s
    before = records(root)
    assert [before[r[0]]["operates"] for r in (JIA, YI, BING)] == [["a2"], ["a3"], ["b2"]]
    return before


@pytest.mark.parametrize("scope, products", [("", ""), ("-", ""), ("  ", "-")])
def test_a_blank_scope_keeps_the_stored_placements(mini, tmp_path, store, scope, products):
    before = first(mini, tmp_path, store)
    jia = [*JIA[:3], "250万元", JIA[4], products, scope]  # says nothing of what it does; a higher capital
    yi = [*YI[:6], "贝制品的生产"]  # says what it does now: 贝制品 (b2), no longer 丙材料
    bing = [*BING[:5], products, scope]  # placed by products before: now blank too
    s = imp(mini, write_csv(tmp_path / "名单_20240601.csv", [HEADER, jia, yi, bing]), store)
    assert (s.updated, s.placed, s.unplaced) == (3, 3, 0), s
    after = records(mini)
    for name in (JIA[0], BING[0]):
        assert placement(after[name]) == placement(before[name]), name
        assert after[name]["as_of"].isoformat() == "2024-06-01"
    assert after[JIA[0]]["capital_value"] == 2_500_000.0
    assert after[YI[0]]["operates"] == ["b2"]
    if store == "parquet":  # a YAML store keeps the evidence in its note
        assert "经营范围「贝制品」" in after[YI[0]]["evidence"] and after[JIA[0]]["evidence"]
    assert firm_signals(mini, JIA[0]) == [("capital_up", "100万元", "250万元")]  # nothing about its placement
    assert firm_signals(mini, BING[0]) == []
    assert s.nodes == {"a2": 1, "b2": 2}


@pytest.mark.parametrize("order", ["blank first", "scope first"])
def test_a_firm_folded_from_a_blank_row_and_a_row_with_a_scope_is_matched_again(mini, tmp_path, store, order):
    before = first(mini, tmp_path, store)
    blank = [*JIA[:5], "", ""]
    said = [*JIA[:5], "", "丙材料的研发"]  # the same firm (same credit code): now 丙材料 (a3)
    rows = [blank, YI, said] if order == "blank first" else [said, YI, blank]
    bing = [*BING[:5], "", ""]
    s = imp(mini, write_csv(tmp_path / "名单_20240601.csv", [HEADER, *rows, bing, bing]), store)  # 丙: two blanks
    assert (s.rows, s.merged, s.updated) == (5, 2, 3), s
    after = records(mini)
    assert after[JIA[0]]["operates"] == ["a3"], after[JIA[0]]
    assert placement(after[BING[0]]) == placement(before[BING[0]])  # every row blank: kept
    assert (s.placed, s.unplaced) == (3, 0)


def test_a_chain_update_keeps_every_stored_tie_of_a_blank_row(mini, tmp_path):
    # 甲 sits on a2 (alpha) and b2 (beta); a --chain alpha update with its scope blank keeps both, while 乙,
    # matched against alpha again, moves from a3 to a2 (and keeps nothing of alpha's a3)
    jia = [*JIA[:5], "贝制品", "乙中间体的生产"]
    imp(mini, write_csv(tmp_path / "名单_20240101.csv", [HEADER, jia, YI]), "parquet")
    before = records(mini)
    assert before[JIA[0]]["operates"] == ["a2", "b2"]
    newer = [HEADER, [*JIA[:5], "", ""], [*YI[:6], "乙中间体"]]
    s = imp(mini, write_csv(tmp_path / "名单_20240601.csv", newer), "parquet", chains=["alpha"])
    assert (s.updated, s.placed) == (2, 2), s
    after = records(mini)
    assert placement(after[JIA[0]]) == placement(before[JIA[0]])
    assert after[YI[0]]["operates"] == ["a2"]


def _exports(tmp_path, rnd):
    """An older export of 40 firms and a newer one of the same firms (some twice) with blank or changed
    scopes and products, and new firms; per firm of the newer one: whether every row of it is blank."""
    scopes = ["乙中间体的生产", "丙材料的研发", "日用百货销售", "共用体生产", ""]
    products = ["", "", "贝制品", "甲原料"]

    def row(i, blank):
        name = f"甲{i}化工有限公司" if i % 7 else f"乙（宁波）{i}材料有限公司"
        code = "" if i % 9 == 0 else _uscc(i)
        if blank:
            return [name, code, "存续", f"{100 + i}万元", "宁波", rnd.choice(["", "-"]), rnd.choice(["", "-", "—"])]
        return [name, code, "存续", f"{100 + i}万元", "宁波", rnd.choice(products), rnd.choice(scopes[:-1])]

    old = [row(i, False) for i in range(40)]
    new, silent = [], {}
    for i in range(46):
        blanks = [rnd.random() < 0.4 for _ in range(1 if rnd.random() < 0.7 else 2)]
        rows = [row(i, b) for b in blanks]
        new += rows
        silent[rows[0][0]] = all(blanks)
    rnd.shuffle(new)  # a firm's rows apart, in different chunks
    header = [HEADER, *old]
    return (
        write_csv(tmp_path / "名单_20240101.csv", header),
        write_csv(tmp_path / "名单_20240601.csv", [HEADER, *new]),
        silent,
    )


def test_both_store_stages_keep_the_same_placements(mini, tmp_path, monkeypatch):
    older, newer, silent = _exports(tmp_path, random.Random(5))
    monkeypatch.setattr(run, "BLOCK_BYTES", 300)  # a few rows a chunk: a firm's rows folded across chunks
    monkeypatch.setattr(istore, "ROW_GROUP", 4)
    monkeypatch.setattr(update, "BUCKET", 3)
    # what each firm's newer rows say, matched with no stored record: the newer ties of a re-matched firm
    alone = tmp_path / "alone"
    shutil.copytree(mini, alone)
    imp(alone, newer, "parquet")
    said = records(alone)
    out, real_parallel = {}, run.PARALLEL_BYTES
    for mode in ("stream", "workers", "table", "yaml"):
        root = tmp_path / mode
        shutil.copytree(mini, root)
        if mode == "workers":  # cleaned and matched in worker processes: the flag comes back with the chunk
            monkeypatch.setattr(run, "PARALLEL_BYTES", 0)
        if mode == "table":
            monkeypatch.setattr(run, "PARALLEL_BYTES", real_parallel)
            monkeypatch.setattr(run, "can_stream_update", lambda *a: None)
        kind, workers = "yaml" if mode == "yaml" else "parquet", 2 if mode == "workers" else 1
        imp(root, older, kind, workers)
        before = records(root)
        s = imp(root, newer, kind, workers)
        after = records(root)
        look = placement if mode != "yaml" else ties  # a YAML store keeps the evidence in its note
        for name, quiet in silent.items():
            if name not in before:  # a new firm: as matched
                assert look(after[name]) == look(said[name]), name
            elif quiet:  # the stored placements (none of these names places a firm)
                assert look(after[name]) == look(before[name]), name
            else:
                assert look(after[name]) == look(said[name]), name
        out[mode] = (s.placed, s.unplaced, s.nodes, s.signals, after)
        if mode != "yaml":
            out[mode] += ({f.name: f.read_bytes() for f in sorted((root / "imported").iterdir()) if f.is_file()},)
    assert out["stream"] == out["table"] == out["workers"]
    assert out["yaml"][:4] == out["stream"][:4]
    strip = lambda recs: {n: ties(r) for n, r in recs.items()}  # noqa: E731
    assert strip(out["yaml"][4]) == strip(out["stream"][4])
    kept = [n for n, q in silent.items() if q and any(records(tmp_path / "stream")[n][k] for k in TIES)]
    assert len(kept) >= 5  # the test has placements to keep
