"""Several columns feeding one field (经营范围 + 许可经营范围, 国标行业门类 + 大类): each firm keeps its own
values, also where a row has none in any of them (pyarrow's element-wise join with null_handling="skip"
dropped such rows, and the rows after them shifted onto the wrong firms)."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from chainmap import load_library
from chainmap.importer import ImportOptions, run_import
from chainmap.importer.columns import joined
from chainmap.store import read_table

from .test_import import write_csv


@pytest.mark.parametrize("seed", range(4))
def test_joined_keeps_every_row(seed):
    rnd = random.Random(seed)
    cols = [[rnd.choice([None, None, "甲", "乙 丙", "丁"]) for _ in range(50)] for _ in range(rnd.randint(2, 4))]
    want = [" ".join(v for v in row if v is not None) or None for row in zip(*cols, strict=True)]
    assert joined([pa.array(c, pa.string()) for c in cols]).to_pylist() == want


def test_a_firm_without_scope_gets_no_other_firms_scope(mini, tmp_path):
    rows = [
        ["企业名称", "经营范围", "许可经营范围", "国标行业门类", "国标行业大类"],
        ["甲公司", "乙中间体的生产", "", "", ""],
        ["丙公司", "", "", "", ""],  # nothing in either column of either field
        ["丁公司", "", "贝制品的生产", "制造业", ""],
    ]
    s = run_import(
        load_library(mini), ImportOptions(file=write_csv(tmp_path / "名单.csv", rows), store="parquet", progress=False)
    )
    assert s.imported == 3
    (path,) = (mini / "imported").glob("名单.*")
    got = {r["name"]: r for r in read_table(path).to_pylist()}
    assert got["丙公司"]["operates"] == [] and got["丙公司"]["makes"] == [] and not got["丙公司"]["industry"]
    assert got["甲公司"]["operates"] or got["甲公司"]["makes"] or got["甲公司"]["holds"]
    assert "b2" in got["丁公司"]["operates"] + got["丁公司"]["makes"] and got["丁公司"]["industry"] == "制造业"
