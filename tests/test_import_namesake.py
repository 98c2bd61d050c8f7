"""A closed row without a credit code is an update only of a stored firm that has no code either (in an
export with a credit-code column): a firm deregistered before the code reform whose name a different,
living firm registered again must not land on that firm. Exports without a code column match by name."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from chainmap import load_library
from chainmap.importer import ImportOptions, run_import
from chainmap.importer.prepare import Existing, namekey
from chainmap.store import read_signals, read_table

from .ledger_util import valid_uscc
from .test_import import VALID, write_csv
from .test_import_lookup import _weak

HEADER = ["企业名称", "统一社会信用代码", "登记状态", "注册资本", "所属城市", "主营产品", "经营范围"]
OTHER = valid_uscc("91330600MA2BXXXX1")  # a second well-formed code (a fictitious firm)


def imp(root, f):
    return run_import(load_library(root), ImportOptions(file=f, progress=False))


def _store(root):
    (path,) = sorted((root / "imported").glob("名单*.*"))
    return read_table(path).to_pylist()


def _signals(root):
    return {(r["kind"], r["name"], r["old"], r["new"]) for r in read_signals(root / "imported").to_pylist()}


def test_same_file_twice_leaves_a_living_namesake_alone(mini, tmp_path):
    rows = [
        HEADER,
        ["甲化工有限公司", VALID, "存续", "100万元", "宁波", "乙中间体", ""],
        ["戊材料有限公司", OTHER, "存续", "", "宁波", "丙材料", ""],
        # the old firm of the same name, deregistered before it had a code: another firm, another chain
        ["甲化工有限公司", "", "注销", "50万元", "杭州", "贝制品", "贝制品销售"],
    ]
    f = write_csv(tmp_path / "名单_20240101.csv", rows)
    first = imp(mini, f)
    assert first.imported == 2 and first.skipped == 1
    before = _store(mini)
    again = imp(mini, f)
    assert again.updated == again.unchanged == 2 and again.skipped == 1, again
    assert again.signals == {} and _signals(mini) == set()
    assert _store(mini) == before
    firm = next(r for r in before if r["name"] == "甲化工有限公司")
    assert firm["credit_code"] == VALID and firm["status"] == "存续" and "杭州" not in str(firm["city"])


def test_a_stored_firm_without_a_code_is_updated_by_its_closed_row(mini, tmp_path):
    first = [
        HEADER,
        ["乙化工有限公司", "", "存续", "", "南京", "乙中间体", ""],  # no code in the first export
        ["甲化工有限公司", VALID, "存续", "100万元", "宁波", "乙中间体", ""],
    ]
    newer = [
        HEADER,
        ["乙化工有限公司", "", "注销", "", "南京", "乙中间体", ""],  # the same firm, deregistered
        ["甲化工有限公司", VALID, "存续", "100万元", "宁波", "乙中间体", ""],
        ["甲化工有限公司", "", "注销", "", "杭州", "贝制品", ""],  # a closed namesake without a code
    ]
    imp(mini, write_csv(tmp_path / "名单_20240101.csv", first))
    s2 = imp(mini, write_csv(tmp_path / "名单_20240601.csv", newer))
    assert s2.signals == {"status": 1} and s2.skipped == 1
    assert _signals(mini) == {("status", "乙化工有限公司", "存续", "注销")}
    status = {r["name"]: (r["status"], r["credit_code"]) for r in _store(mini)}
    assert status == {"乙化工有限公司": ("注销", None), "甲化工有限公司": ("存续", VALID)}


def test_without_a_code_column_the_name_decides(mini, tmp_path):
    imp(
        mini, write_csv(tmp_path / "名单_20240101.csv", [HEADER, ["甲化工有限公司", VALID, "存续", "", "宁波", "", ""]])
    )
    newer = [
        [c for j, c in enumerate(row) if j != 1]
        for row in [HEADER, ["甲化工有限公司", VALID, "注销", "", "宁波", "", ""]]
    ]
    assert "统一社会信用代码" not in newer[0] and len(newer[1]) == len(newer[0])
    s2 = imp(mini, write_csv(tmp_path / "名单_20240601.csv", newer))
    assert s2.signals == {"status": 1} and s2.skipped == 0
    assert _signals(mini) == {("status", "甲化工有限公司", "存续", "注销")}
    assert [r["status"] for r in _store(mini)] == ["注销"]


def test_a_closed_row_with_the_code_of_a_stored_firm_updates_it(mini, tmp_path):
    imp(
        mini, write_csv(tmp_path / "名单_20240101.csv", [HEADER, ["甲化工有限公司", VALID, "存续", "", "宁波", "", ""]])
    )
    newer = [
        HEADER,
        ["甲化工有限公司", VALID, "吊销", "", "宁波", "", ""],
        ["丙化工有限公司", OTHER, "注销", "", "", "", ""],
    ]
    s2 = imp(mini, write_csv(tmp_path / "名单_20240601.csv", newer))
    assert s2.signals == {"status": 1} and s2.skipped == 1  # the closed firm no store holds: skipped
    assert _signals(mini) == {("status", "甲化工有限公司", "存续", "吊销")}


@pytest.mark.parametrize("weak", [False, True], ids=["hashes", "colliding"])
def test_known_rows_apply_the_rule_as_known_does(monkeypatch, weak):
    if weak:
        _weak(monkeypatch)
    names = ["甲化工有限公司", "乙化工有限公司", "丙化工有限公司", "丁化工有限公司", "戊化工有限公司"]
    stored = pa.table(
        {
            "id": [f"imp_{i}" for i in range(5)],
            "credit_code": pa.array([VALID, None, "", OTHER, None], pa.string()),
            "name": names,
        }
    )
    ex = Existing({Path("/s/0.parquet"): stored})
    ex.hand_name = {namekey("戊化工有限公司"): ("hand", None)}
    rows = [(None, n) for n in [*names, "己化工有限公司"]] + [(VALID, "甲化工有限公司"), (OTHER, "别名有限公司")]
    codes = pa.array([c for c, _ in rows], pa.string())
    firms = pa.array([n for _, n in rows], pa.string())
    # without a code: only the stored firms without one (乙, 丙's empty code); 甲 and 丁 have a code, 戊 is hand-kept
    assert ex.known_rows(codes, firms).tolist() == [False, True, True, False, False, False, True, True]
    assert ex.known_rows(codes, firms).tolist() == [ex.known(c, namekey(n)) for c, n in rows]
    # no code column: the name decides
    assert ex.known_rows(None, firms).tolist() == [True, True, True, True, False, False, True, False]
    assert ex.known_rows(None, firms).tolist() == [ex.known(None, namekey(n), code_column=False) for _, n in rows]


@pytest.mark.parametrize("closed_first", [False, True])
def test_same_file_twice_skips_the_closed_coded_row_again(mini, tmp_path, closed_first):
    # a live row without a code makes the record; a closed row of that name WITH a code (before or after it)
    # is skipped by the first import (no store knows the firm yet). The same file again must skip it too,
    # not fold it into the record the live row made (its code, status and chain would land there)
    live = ["甲化工有限公司", "", "存续", "100万元", "宁波", "乙中间体", ""]
    closed = ["甲化工有限公司", VALID, "注销", "50万元", "杭州", "贝制品", "贝制品销售"]
    rows = [HEADER, *([closed, live] if closed_first else [live, closed])]
    f = write_csv(tmp_path / "名单_20240101.csv", rows)
    first = imp(mini, f)
    assert (first.imported, first.skipped) == (1, 1), first
    before = _store(mini)
    again = imp(mini, f)
    assert (again.updated, again.unchanged, again.skipped, again.signals) == (1, 1, 1, {}), again
    assert _store(mini) == before and before[0]["credit_code"] is None
    # a newer export saying the firm (now with its code) closed: that is news, and an update
    newer = write_csv(tmp_path / "名单_20240601.csv", [HEADER, closed])
    s = imp(mini, newer)
    assert s.updated == 1 and ("status", "甲化工有限公司", "存续", "注销") in _signals(mini), s
