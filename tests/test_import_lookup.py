"""The stored firms looked up as arrays (sorted key hashes, strings compared on a hit) answer as the
per-firm dictionaries they replace did, also when every hash collides; the rows that take a stored record
over, decided at once, are decided as one by one (ids, merges, hand-kept firms, namesakes, codes learnt
later, the order taken); an update import gives the same files either way."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from chainmap import load_library
from chainmap.importer import ImportOptions, dedupe, lookup, run_import
from chainmap.importer import keys as keys_mod
from chainmap.importer.dedupe import Deduper
from chainmap.importer.keys import key_hash1, key_hashes
from chainmap.importer.prepare import Existing, load_existing, namekey
from chainmap.store import read_table

from .test_import import write_csv
from .test_import_stages import _uscc

NAMES = ["甲（苏州）化工有限公司", "甲(苏州)化工 有限公司", "乙化工有限公司", "乙化工\u3000有限公司", "丙材料有限公司"]


def _weak(monkeypatch):
    """Hashes of 3 bits: nearly every look-up hits a record of another key."""

    def weak(values):
        h = key_hashes(values)
        return np.where(h == 0, h, (h & np.uint64(7)) + np.uint64(1))

    def weak1(value):
        h = key_hash1(value)
        return h if h == 0 else (h & 7) + 1

    for mod in (dedupe, lookup):
        monkeypatch.setattr(mod, "key_hashes", weak)
    monkeypatch.setattr(lookup, "key_hash1", weak1)


def _firm(j: int, rnd: random.Random) -> tuple[str | None, str]:
    """Firm ``j``: its own name and code mostly; else a namesake (full-width and half-width alike),
    no code, an empty code, or the code of another firm."""
    r = rnd.random()
    name = rnd.choice(NAMES) if r < 0.12 else f"丁{j}贸易有限公司"
    code = None if 0.12 <= r < 0.24 else "" if r < 0.27 else _uscc(j - 3) if r < 0.3 else _uscc(j)
    return code, name


def _pool(seed: int, twice_id: bool) -> dict[Path, pa.Table]:
    """Two stores of 150 and 100 firms (:func:`_firm`); ``twice_id``: the second store repeats ids of
    the first."""
    rnd = random.Random(seed)
    pool = {}
    for k, (lo, hi) in enumerate(((0, 150), (150, 250))):
        codes, names = zip(*(_firm(j, rnd) for j in range(lo, hi)), strict=True)
        ids = [f"imp_{k}_{i}" for i in range(hi - lo)]
        if twice_id and k == 1:
            ids[::7] = [f"imp_0_{i}" for i in range(0, hi - lo, 7)]
        pool[Path(f"/s/{k}.parquet")] = pa.table(
            {"id": ids, "credit_code": pa.array(codes, pa.string()), "name": names}
        )
    return pool


def _reference(pool: dict[Path, pa.Table]):
    """The look-up as the dictionaries per stored firm made it."""
    by_code, by_name = {}, {}
    for f, t in pool.items():
        for i, (c, n) in enumerate(zip(t["credit_code"].to_pylist(), t["name"].to_pylist(), strict=True)):
            if c:
                by_code.setdefault(c, (f, i))
            by_name.setdefault(namekey(n), (f, i, c))

    def stored(code, nk):
        prev = by_code.get(code) if code else None
        if prev is None and nk in by_name:
            pf, pi, pcode = by_name[nk]
            if code is None or pcode in (None, code):
                prev = (pf, pi)
        return prev

    return stored


@pytest.mark.parametrize("weak", [False, True], ids=["hashes", "colliding"])
def test_stored_firms_are_found_as_the_dictionaries_found_them(monkeypatch, weak):
    if weak:
        _weak(monkeypatch)
    pool = _pool(1, twice_id=True)
    ex, stored = Existing(pool), _reference(pool)
    names = [*NAMES, "丁3贸易有限公司", "丁160贸易有限公司", "丁1000贸易有限公司"]
    queries = [(c, namekey(n)) for c in [None, "", *(_uscc(i) for i in range(0, 260, 7))] for n in names]
    assert [ex.stored(c, nk) for c, nk in queries] == [stored(c, nk) for c, nk in queries]
    assert sum(stored(c, nk) is not None for c, nk in queries) > len(queries) // 3
    codes = pa.array([c for c, _ in queries], pa.string())
    nks = pa.array([nk for _, nk in queries])
    ix = ex.index
    first = (ix.by_code.get(lookup.key_hashes(codes)), ix.by_name.get(lookup.key_hashes(nks)))
    rows, collided = ix.stored_rows(codes, nks, first, np.ones(len(queries), bool))
    assert collided == weak
    if not weak:
        assert [ix.where(r) if r >= 0 else None for r in rows.tolist()] == [stored(c, nk) for c, nk in queries]
    ex.hand_code = {_uscc(14): "hand"}
    raw = [(c, n) for c in [None, "", *(_uscc(i) for i in range(0, 260, 7))] for n in [*names, None]]
    want = [n is not None and ex.known(c, namekey(n)) for c, n in raw]
    rows_codes, rows_names = pa.array([c for c, _ in raw], pa.string()), pa.array([n for _, n in raw], pa.string())
    assert ex.known_rows(rows_codes, rows_names).tolist() == want and any(want) and not all(want)
    assert ex.known_rows(None, rows_names).tolist() == [
        n is not None and ex.known(None, namekey(n), code_column=False) for _, n in raw
    ]
    ids = [i for t in pool.values() for i in t["id"].to_pylist()]
    assert all(i in ex.taken for i in ids) and "imp_0_999" not in ex.taken and "imp_2_0" not in ex.taken
    assert sorted(ex.index.id_rows("imp_0_7").tolist()) == [7, 157]  # in both stores


def _chunks(seed: int) -> list[list[tuple[str | None, str]]]:
    """Rows of an update: the stored firms and 50 new ones in another order (:func:`_firm`: by code, by
    name alone, a code the store lacked, namesakes), a tenth of them repeated in the chunk or later."""
    rnd = random.Random(seed + 100)
    order = list(range(300))
    rnd.shuffle(order)
    rows = [(c, namekey(n)) for c, n in (_firm(j, rnd) for j in order)]
    for _ in range(30):
        at = rnd.randrange(len(rows))
        rows.insert(min(len(rows), at + rnd.randint(1, 90)), rows[at])
    for j in rnd.sample(range(250), 20):  # a firm renamed (found by code) next to a row of its old name
        at = rnd.randrange(len(rows))
        rows[at:at] = [(_uscc(j), f"丁{j}新材料有限公司"), (None, f"丁{j}贸易有限公司")][:: rnd.choice([1, -1])]
    out = []
    while rows:
        size = rnd.randint(20, 80)
        out.append(rows[:size])
        rows = rows[size:]
    return out


def _fold_all(pool, chunks, vector: bool, monkeypatch) -> tuple:
    monkeypatch.setattr(dedupe, "VECTOR_TAKE_OVER", vector)
    ex = Existing(pool, taken={"imp_" + _uscc(3).lower()})
    ex.hand_code = {_uscc(5): "hand_a", _uscc(160): "hand_d"}
    ex.hand_name = {namekey("乙化工有限公司"): ("hand_b", None), namekey("丙材料有限公司"): ("hand_c", _uscc(9))}
    dd = Deduper(ex)
    one_by_one = []
    monkeypatch.setattr(Deduper, "_fold_one", _counting(Deduper._fold_one, one_by_one))
    out = []
    for chunk in chunks:
        f = dd.fold([c for c, _ in chunk], [n for _, n in chunk])
        out.append((f.ids.to_pylist(), f.action.tolist(), f.target))
    taken = list(dd.prev_by_id.items())
    assert taken == [(i, dd.prev_by_id[i]) for i in dd.prev_by_id]
    return out, taken, sorted(dd.superseded), dd.rec_code.tolist(), dd.new_firms, len(one_by_one)


def _counting(fn, calls):
    def wrapped(self, *a):
        calls.append(1)
        return fn(self, *a)

    return wrapped


@pytest.mark.parametrize("weak", [False, True], ids=["hashes", "colliding"])
@pytest.mark.parametrize("seed", [2, 3, 4])
def test_rows_taking_a_stored_record_at_once_are_decided_as_one_by_one(monkeypatch, weak, seed):
    if weak:
        _weak(monkeypatch)
    pool = _pool(seed, twice_id=seed == 4)
    chunks = _chunks(seed)
    fast, slow = (_fold_all(pool, chunks, v, monkeypatch) for v in (True, False))
    assert fast[:-1] == slow[:-1]
    assert fast[-1] <= slow[-1] if weak else fast[-1] < slow[-1] * 0.8  # the path at once did decide rows
    actions = {a for _ids, acts, _t in slow[0] for a in acts}
    assert actions == {dedupe.NEW, dedupe.MERGED, dedupe.HAND} and slow[1] and slow[2] and slow[4]


def test_a_stored_record_two_rows_claim_in_the_first_chunk_is_taken_once(monkeypatch):
    """Namesakes with two codes and a stored record of that name without one: the first row takes it
    over, the second is a new firm (also when both come in the run's first chunk)."""
    pool = {
        Path("/s/0.parquet"): pa.table(
            {"id": ["imp_old"], "credit_code": pa.array([None], pa.string()), "name": ["甲公司"]}
        )
    }
    for vector in (True, False):
        monkeypatch.setattr(dedupe, "VECTOR_TAKE_OVER", vector)
        dd = Deduper(Existing(pool))
        f = dd.fold([_uscc(1), _uscc(2), None], ["甲公司", "甲公司", "乙公司"])
        assert f.ids.to_pylist() == ["imp_old", "imp_" + _uscc(2).lower(), f.ids[2].as_py()]
        assert dict(dd.prev_by_id.items()) == {"imp_old": (Path("/s/0.parquet"), 0)} and dd.new_firms == 2


HEADER = ["企业名称", "统一社会信用代码", "登记状态", "注册资本", "所属城市", "主营产品", "经营范围"]


def _export(seed: int, n: int, older: bool = False) -> list[list[str]]:
    """An export of firms known by construction: names with full-width brackets and spaces, firms
    without a code (namesakes among them), the library's hand-kept firm, a code given only by a later
    row; a later export changes capital, status and city and adds firms."""
    rnd = random.Random(seed)
    rows = [HEADER]
    for k in range(n):
        code = _uscc(k) if k % 5 else ""
        name = f"甲{k % 27}（苏州）化工 有限公司" if k % 9 == 0 else f"乙{k}化工有限公司"
        capital = f"{100 + (k if seed and k % 3 == 0 else 0)}万元"
        status = "注销" if seed and k % 11 == 0 else "存续"
        city = rnd.choice(["宁波", "苏州"]) if seed else "宁波"
        rows.append([name, code, status, capital, city, "乙中间体" if k % 2 else "丙材料", ""])
    rows.append(["本地甲原料股份有限公司", "", "存续", "", "宁波", "乙中间体", ""])  # kept by hand
    rows.append(["乙10化工有限公司", _uscc(10), "存续", "", "宁波", "", ""])  # the code of a firm stored without
    rows += [[f"庚{k}新材料有限公司", _uscc(5000 + k), "存续", "", "苏州", "丙材料", ""] for k in range(seed * 7)]
    return rows if not older else rows[:1] + rows[1:][::-1]


@pytest.mark.parametrize("chain", [False, True], ids=["all", "chain"])
def test_an_update_import_writes_the_same_files_either_way(mini, tmp_path, monkeypatch, chain):
    first = write_csv(tmp_path / "名单_20240101.csv", _export(0, 240))
    later = write_csv(tmp_path / "名单_20240601.csv", _export(1, 240))
    older = write_csv(tmp_path / "名单_20231201.csv", _export(2, 240, older=True))
    files = {}
    for vector in (True, False):
        monkeypatch.setattr(dedupe, "VECTOR_TAKE_OVER", vector)
        lib = tmp_path / f"lib{vector}"
        lib.mkdir()
        root = Path(__import__("shutil").copytree(mini, lib / "chains"))
        summaries = []
        for f in (first, later, first, older):
            opts = ImportOptions(file=f, progress=False, chains=["alpha"] if chain and f != first else None)
            s = run_import(load_library(root), opts)
            summary = {k: v for k, v in vars(s).items() if k not in ("seconds", "output", "rejects", "file")}
            summaries.append({**summary, "moved_from": [Path(m).name for m in s.moved_from]})
        out = sorted(p for p in (root / "imported").iterdir())
        files[vector] = (summaries, [(p.name, p.read_bytes()) for p in out])
    assert files[True] == files[False]
    summaries = files[True][0]
    assert summaries[1]["updated"] > 100 and summaries[1]["imported"] == 7 and summaries[1]["skipped"] >= 1
    assert any(name == "changes.signals" for name, _ in files[True][1])


def test_the_stores_read_for_look_ups_are_the_tables_read_table_reads(mini, tmp_path):
    """Read in two parts (the look-ups' columns, then the rest) and sharing the index's arrays, each
    store's table is read_table's, chunk for chunk (stores written from it keep their row groups)."""
    f = write_csv(tmp_path / "名单_20240101.csv", _export(0, 240))
    run_import(load_library(mini), ImportOptions(file=f, progress=False, store="parquet"))
    g = write_csv(tmp_path / "日报_20240102.csv", _export(0, 30))
    run_import(load_library(mini), ImportOptions(file=g, progress=False, store="yaml"))
    ex = load_existing(load_library(mini), mini / "imported" / "x.parquet")
    assert [p.suffix for p in ex.pool] == [".yaml", ".parquet"]
    for path, t in ex.pool.items():
        want = read_table(path)
        assert t.equals(want) and t.schema.equals(want.schema, check_metadata=True)
        assert all([len(c) for c in t[k].chunks] == [len(c) for c in want[k].chunks] for k in want.column_names)
    assert ex.rows == sum(len(t) for t in ex.pool.values())


def test_codes_with_gaps_hash_as_one_by_one():
    """A column of codes with nulls is hashed a word at a time over all rows: a null slot that keeps
    bytes, or sits at the end, hashes to 0 and the others as :func:`key_hash1`."""
    codes = [_uscc(i) for i in range(50)]
    full = pa.array(codes + ["X" * 25])
    mask = pa.array([i % 3 != 0 for i in range(50)] + [False])
    gaps = pc.if_else(mask, full, pa.nulls(51, pa.string()))  # nulls over the bytes the values had
    want = [key_hash1(c) if m else 0 for c, m in zip([*codes, "X" * 25], mask.to_pylist(), strict=True)]
    assert keys_mod.key_hashes(gaps).tolist() == want
    assert keys_mod.key_hashes(gaps.slice(1)).tolist() == want[1:]
