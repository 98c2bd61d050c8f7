"""The same newer export imported twice gives the same records. A firm the newer export lists closed
and then live (two rows, one credit code) took its first row's 注销 on the first import, where the
closed row updates the older stored record; the second import skipped that row (the stored record is
no longer older) and the live row turned the firm back to 存续, with no change signal."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainmap import load_library
from chainmap.importer import ImportOptions, read_store, run_import

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
