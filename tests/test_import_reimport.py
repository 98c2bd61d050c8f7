"""The same newer export imported twice gives the same records. A firm the newer export lists closed
and then live (two rows, one credit code) took its first row's 注销 on the first import, where the
closed row updates the older stored record; the second import skipped that row (the stored record is
no longer older) and the live row turned the firm back to 存续, with no change signal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chainmap import load_library
from chainmap.importer import ImportOptions, read_store, run_import
from chainmap.importer.store import Landed
from chainmap.store import JOURNAL

from .test_import import write_csv
from .test_import_stages import _uscc

HEADER = ["企业名称", "统一社会信用代码", "登记状态", "注册资本", "所属城市", "经营范围"]


def _imp(lib: Path, f: Path, store: str) -> dict:
    return run_import(load_library(lib), ImportOptions(file=f, progress=False, store=store)).as_dict()


def _firms(lib: Path) -> dict[str, dict]:
    out = {}
    for p in sorted((lib / "imported").iterdir()):
        if p.suffix in (".parquet", ".yaml"):
            out.update({r["id"]: r for r in read_store(p).to_dict("records")})
    return out


@pytest.mark.parametrize("store", ["yaml", "parquet"])
def test_a_firm_listed_closed_then_live_keeps_its_status_on_a_second_import(mini, tmp_path, store):
    old = [HEADER] + [[f"甲{i}化工有限公司", _uscc(i), "存续", "100万元", "苏州", "乙中间体的生产"] for i in range(6)]
    first = write_csv(tmp_path / "名单_20240101.csv", old)
    new = [HEADER, [*old[1][:2], "注销", *old[1][3:]], *old[2:], old[1]]  # firm 0: closed row first, live row last
    newer = write_csv(tmp_path / "名单_20240601.csv", new)
    _imp(mini, first, store)
    once = _imp(mini, newer, store)
    after_once = _firms(mini)
    assert once["signals"] and after_once[f"imp_{_uscc(0).lower()}"]["status"] == "注销"
    again = _imp(mini, newer, store)
    after_again = _firms(mini)
    assert after_again[f"imp_{_uscc(0).lower()}"]["status"] == "注销"  # was 存续 on main
    assert not again["signals"] and again["skipped"] == 0
    assert {k: {c: str(v) for c, v in r.items()} for k, r in after_again.items()} == {
        k: {c: str(v) for c, v in r.items()} for k, r in after_once.items()
    }


@pytest.mark.parametrize("store", ["yaml", "parquet"])
def test_a_firm_listed_live_then_closed_gives_the_same_stores_on_a_second_import(mini, tmp_path, store):
    """The closed row after a live one of the same firm: the first import of the newer export folds it
    into the record the live row updates (its line among the record's sources); the same file again
    skipped it (the record is no longer older than the export), so that source went and the store was
    rewritten in another order. It must fold again: the same file, the same stores, byte for byte."""
    old = [HEADER] + [[f"甲{i}化工有限公司", _uscc(i), "存续", "100万元", "苏州", "乙中间体的生产"] for i in range(6)]
    first = write_csv(tmp_path / "名单_20240101.csv", old)
    new = [HEADER, *[[*r[:3], "200万元", *r[4:]] for r in old[1:]], [*old[1][:2], "注销", *old[1][3:]]]
    newer = write_csv(tmp_path / "名单_20240601.csv", new)  # firm 0: live row first, its closed row last
    _imp(mini, first, store)
    once = _imp(mini, newer, store)
    files = {p.name: p.read_bytes() for p in (mini / "imported").iterdir()}
    sources = _firms(mini)[f"imp_{_uscc(0).lower()}"]["source"]
    assert once["merged"] == 1 and len(sources) == 2 and "第8行" in str(sources), (once, sources)
    again = _imp(mini, newer, store)
    assert (again["merged"], again["skipped"], again["updated"], again["unchanged"]) == (1, 0, 6, 6), again
    assert {p.name: p.read_bytes() for p in (mini / "imported").iterdir()} == files


def test_ctrl_c_as_the_journal_lands_loses_nothing(mini, tmp_path, monkeypatch):
    """A Ctrl-C between the journal's rename and the transaction noting it made abort() remove the
    temporaries the journal names: the next load then carried out the journal's deletions alone and
    the firms of the store the import replaced were gone. The switch is decided once the journal is
    there: the next load finishes it."""
    old = [HEADER] + [[f"甲{i}化工有限公司", _uscc(i), "存续", "100万元", "苏州", "乙中间体的生产"] for i in range(4)]
    _imp(mini, write_csv(tmp_path / "a_20240101.csv", old), "yaml")
    new = (
        [HEADER] + [[*r[:3], "900万元", *r[4:]] for r in old[1:]] + [["新来化工有限公司", _uscc(9), "存续", "", "", ""]]
    )
    newer = write_csv(tmp_path / "b_20240601.csv", new)
    real = os.replace

    def replace(src, dst):  # the interrupt arrives the moment the journal is in place
        real(src, dst)
        if Path(dst).name == JOURNAL:
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        _imp(mini, newer, "yaml")
    monkeypatch.undo()
    load_library(mini)  # settles: the journal is carried out
    firms = _firms(mini)
    assert len(firms) == 5 and {r["capital_value"] for r in firms.values() if r["name"] != "新来化工有限公司"} == {9e6}
    assert sorted(p.name for p in (mini / "imported").iterdir()) == ["b_20240601.yaml", "changes.signals"]


def test_ctrl_c_during_the_renames_finishes_them_and_says_so(mini, tmp_path, monkeypatch):
    """Past the journal the import is done: a Ctrl-C in the renames finishes them and is raised as
    Landed, so the command says the import is in (it said 导入未完成 ... 保持原样, which was false)."""
    rows = [HEADER] + [[f"甲{i}化工有限公司", _uscc(i), "存续", "100万元", "苏州", "乙中间体的生产"] for i in range(4)]
    real, seen = os.replace, []

    def replace(src, dst):
        real(src, dst)
        seen.append(Path(dst).name)
        if len(seen) == 2:  # the journal, then the first store renamed: Ctrl-C
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(Landed):
        _imp(mini, write_csv(tmp_path / "a_20240101.csv", rows), "yaml")
    monkeypatch.undo()
    assert seen[0] == JOURNAL and not (mini / "imported" / JOURNAL).exists()
    assert len(_firms(mini)) == 4
