"""chainmap import end to end: messy exports in, truthful counts, records the loader picks up, a
rejects file, idempotent re-imports, updates in place, and the firms changing gaps and targets."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path

import openpyxl
import pytest
import yaml

from chainmap import build_graph, load_library
from chainmap.analysis.gaps import gaps
from chainmap.errors import UsageError
from chainmap.importer import ImportOptions, read_store, run_import
from chainmap.importer.store import MARK

from .conftest import ROOT, run_cli

VALID = "91350100M000100Y43"  # a valid unified social credit code
HEADER = [
    "序号",
    "企业名称",
    "统一社会信用代码",
    "登记状态",
    "注册资本",
    "成立日期",
    "所属省份",
    "所属城市",
    "经营范围",
    "主营产品",
]
MESSY = [
    ["企业名单导出（导出时间：2024-06-01）"],
    HEADER,
    ["1", "远方乙合成有限公司", VALID, "存续", "1.2亿元", "2015/3/1", "浙江", "宁波", "乙中间体的生产与销售", ""],
    ["2", "本地丁制品有限公司", "-", "在业", "300万美元", "2018年5月6日", "江苏", "测试", "", "丁制品"],
    ["3", "坏代码有限公司", "91350100M000100Y44", "存续", "50万(元)", "2020-01-01", "江苏省", "南京市", "", ""],
    ["4", "已注销化工有限公司", "", "注销", "100万元", "2010-01-01", "江苏省", "南京市", "乙中间体", ""],
    ["5", "远方乙合成有限公司", "", "存续", "", "", "", "", "", "乙合成技术"],
    ["6", "无关贸易有限公司", "", "存续", "5000万元人民币", "2019-01-01", "上海", "市辖区", "日用百货销售", ""],
    ["7", "", "", "存续", "", "", "", "", "", ""],
    ["8", "吊销材料有限公司", "", "吊销，未注销", "", "", "江苏省", "测试市", "丙材料生产", ""],
]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig", delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def imp(lib_root: Path, file: Path, **kw) -> dict:
    lib = load_library(lib_root)
    kw.setdefault("region", lib.regions.get("home"))
    return run_import(lib, ImportOptions(file=file, progress=False, **kw)).as_dict()


def adds_up(s: dict) -> bool:
    return s["rows"] == s["imported"] + s["updated"] + s["merged"] + s["skipped"] + s["rejected"]


def test_messy_export_truthful_summary(mini, tmp_path):
    f = write_csv(tmp_path / "名单.csv", MESSY, encoding="gbk")
    s = imp(mini, f)
    assert s["encoding"] == "GBK/GB18030" and s["header_row"] == 2
    assert (s["rows"], s["imported"], s["merged"], s["skipped"], s["rejected"]) == (8, 3, 1, 2, 2)
    assert adds_up(s) and s["updated"] == 0
    assert s["skipped_reasons"] == {"登记状态为注销": 1, "登记状态为吊销，未注销": 1}
    assert s["rejected_reasons"] == {"统一社会信用代码无效": 1, "缺少企业名称": 1}
    assert s["as_of"] == "2024-06-01" and s["as_of_from"] == "表头上方标题行中的日期"
    assert s["placed"] == 2 and s["unplaced"] == 1 and s["local"] == 1
    assert s["store"] == "yaml" and s["output"] == str(mini / "imported" / "名单.yaml")

    text = (mini / "imported" / "名单.yaml").read_text(encoding="utf-8")
    assert text.startswith(f"# {MARK}")
    firms = {c["name"]: c for c in yaml.safe_load(text)["companies"]}
    far = firms["远方乙合成有限公司"]
    assert far["id"] == f"imp_{VALID.lower()}" and far["credit_code"] == VALID
    assert far["province"] == "浙江省" and far["city"] == "宁波市" and far["registered_capital"] == "1.2亿元"
    assert far["founded"] == dt.date(2015, 3, 1) and far["as_of"] == dt.date(2024, 6, 1)
    assert far["operates"] == ["a2"] and far["holds"] == ["t2"]  # the duplicate row added t2
    assert far["source"] == ["名单.csv 第3行", "名单.csv 第7行"]
    assert "a2 乙中间体←经营范围「乙中间体」0.70" in far["note"]
    local = firms["本地丁制品有限公司"]
    assert local["city"] == "测试市" and local["registered_capital"] == "300万美元" and local["operates"] == ["a4"]
    assert firms["无关贸易有限公司"]["city"] == "上海市" and "operates" not in firms["无关贸易有限公司"]

    with (mini / "imported" / "名单.rejects.csv").open(encoding="utf-8-sig") as fh:
        rejects = list(csv.reader(fh))
    assert rejects[0][:3] == ["原文件行号", "拒绝原因", "序号"] and len(rejects) == 3
    assert rejects[1][0] == "5" and "校验位错误" in rejects[1][1] and rejects[1][3] == "坏代码有限公司"
    assert rejects[2][0] == "9" and rejects[2][1] == "缺少企业名称"

    lib = load_library(mini)  # the loader picks the records up and they validate
    assert lib.companies[f"imp_{VALID.lower()}"].registered_capital.value == 1.2e8


def test_reimport_is_idempotent(mini, tmp_path):
    f = write_csv(tmp_path / "名单.csv", MESSY)
    first = imp(mini, f)
    out = mini / "imported" / "名单.yaml"
    before = out.read_bytes()
    again = imp(mini, f)
    assert out.read_bytes() == before
    assert again["imported"] == 0 and again["updated"] == first["imported"] == again["unchanged"]
    assert again["merged"] == first["merged"] and adds_up(again)


def test_newer_export_updates_in_place(mini, tmp_path):
    imp(mini, write_csv(tmp_path / "名单_20240101.csv", MESSY[1:4]))
    newer = [
        HEADER,
        ["1", "远方乙合成有限公司", VALID, "存续", "2亿元", "2015/3/1", "浙江", "宁波", "乙中间体的生产", ""],
        ["2", "新来的材料有限公司", "", "存续", "", "", "江苏", "测试", "丙材料生产", ""],
    ]
    s = imp(mini, write_csv(tmp_path / "名单_20240601.csv", newer))
    assert (s["imported"], s["updated"], s["unchanged"]) == (1, 1, 0) and s["as_of_from"] == "文件名中的日期"
    lib = load_library(mini)  # one record per firm, the newer facts
    far = lib.companies[f"imp_{VALID.lower()}"]
    assert far.registered_capital.value == 2e8 and far.as_of == dt.date(2024, 6, 1)
    assert far.source == ["名单_20240601.csv 第2行"]
    assert sum(c.name == "远方乙合成有限公司" for c in lib.companies.values()) == 1
    old = yaml.safe_load((mini / "imported" / "名单_20240101.yaml").read_text(encoding="utf-8"))["companies"]
    assert [c["name"] for c in old] == ["本地丁制品有限公司"]  # the updated record moved to the newer store
    # the older export again: the newer facts stay
    s = imp(mini, tmp_path / "名单_20240101.csv")
    assert s["updated"] == 2 and s["unchanged"] == 2
    assert load_library(mini).companies[f"imp_{VALID.lower()}"].registered_capital.value == 2e8


def test_firms_kept_by_hand_are_not_duplicated(mini, tmp_path):
    rows = [HEADER, ["1", "远方乙中间体股份有限公司", "", "存续", "", "", "浙江", "宁波", "乙中间体生产", ""]]
    s = imp(mini, write_csv(tmp_path / "x.csv", rows))
    assert s["skipped"] == 1 and s["skipped_reasons"] == {"库中已有手工维护的记录": 1} and s["imported"] == 0


def test_a_firm_later_kept_by_hand_leaves_the_import_store(mini, tmp_path):
    f = write_csv(
        tmp_path / "x.csv",
        [["企业名称", "统一社会信用代码", "主营产品"], ["甲公司", VALID, "乙中间体"], ["乙公司", "", "丙材料"]],
    )
    imp(mini, f)
    (mini / "companies" / "more.yaml").write_text(
        f"companies:\n  - id: jia\n    name: 甲公司\n    credit_code: {VALID}\n    operates: [a2]\n"
        "    source: 年报\n    as_of: 2024-01-01\n",
        encoding="utf-8",
    )
    s = imp(mini, f)
    assert s["skipped_reasons"] == {"库中已有手工维护的记录": 1} and s["unchanged"] == 1
    names = sorted(c.name for c in load_library(mini).companies.values() if c.name in ("甲公司", "乙公司"))
    assert names == ["乙公司", "甲公司"]  # one record each: 甲公司 only by hand now
    assert "jia" in load_library(mini).companies


def test_bom_utf8_tab_and_map(mini, tmp_path):
    rows = [["单位全称", "信用号", "主要产品"], ["甲催化剂有限公司", VALID, "甲催化剂"]]
    f = write_csv(tmp_path / "a.txt", rows, encoding="utf-8-sig", delimiter="\t")
    with pytest.raises(UsageError, match="找不到表头"):
        imp(mini, f)
    s = imp(mini, f, maps=["单位全称=name", "信用号=credit_code"], as_of=dt.date(2024, 1, 31))
    assert s["imported"] == 1 and s["encoding"] == "UTF-8（带BOM）" and s["as_of_from"] == "--as-of 参数"
    assert load_library(mini).companies[f"imp_{VALID.lower()}"].makes == ["c1"]


def test_utf16_tab_separated_export(mini, tmp_path):
    # Excel's "Unicode text" export: UTF-16 with BOM, tab separated
    rows = [["企业名称", "统一社会信用代码", "经营范围"], ["甲公司", VALID, "乙中间体生产"]]
    s = imp(mini, write_csv(tmp_path / "u.txt", rows, encoding="utf-16", delimiter="\t"))
    assert s["imported"] == 1 and s["encoding"] == "UTF-16"
    assert load_library(mini).companies[f"imp_{VALID.lower()}"].operates == ["a2"]


def test_include_closed(mini, tmp_path):
    s = imp(mini, write_csv(tmp_path / "名单.csv", MESSY), include_closed=True)
    assert s["skipped"] == 0 and s["imported"] == 5 and adds_up(s)


def test_header_variants_and_capital_unit_in_header(mini, tmp_path):
    rows = [
        [
            "公司名称",
            "社会信用代码",
            "经营状态",
            "注册资本(万元)",
            "成立时间",
            "省份",
            "城市",
            "区县",
            "国标行业门类",
            "国标行业大类",
            "主营业务",
            "股票代码",
        ],
        [
            "丙材料股份有限公司",
            VALID,
            "存续",
            "5000",
            "2001-02-03",
            "江苏",
            "连云港",
            "赣榆区",
            "制造业",
            "丙材料业",
            "",
            "600346",
        ],
    ]
    s = imp(mini, write_csv(tmp_path / "v.csv", rows), region=None)
    assert s["columns"]["industry"] == "国标行业门类、国标行业大类" and s["local"] is None
    c = load_library(mini).companies[f"imp_{VALID.lower()}"]
    assert c.registered_capital.value == 5e7 and c.city == "连云港市" and c.district == "赣榆区"
    assert c.stock_code == "600346.SH" and c.founded == dt.date(2001, 2, 3) and c.operates == ["a3"]


def test_ragged_rows_keep_exact_row_numbers(mini, tmp_path):
    rows = ["企业名称,经营范围", "甲公司,乙中间体生产", "坏行,丙材料,多出来的,列", "", "乙公司,丙材料生产", "丙公司"]
    f = tmp_path / "r.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    s = imp(mini, f)
    assert (s["rows"], s["imported"], s["rejected"]) == (4, 3, 1) and adds_up(s)
    with (mini / "imported" / "r.rejects.csv").open(encoding="utf-8-sig") as fh:
        rejects = list(csv.reader(fh))
    assert rejects[1][0] == "3" and "多于表头" in rejects[1][1]
    srcs = {c.name: c.source for c in load_library(mini).companies.values() if c.id.startswith("imp_")}
    assert srcs["乙公司"] == ["r.csv 第5行"] and srcs["丙公司"] == ["r.csv 第6行"]


def test_notes_below_the_table_are_not_firms(mini, tmp_path):
    rows = [["企业名称", "经营范围"], ["甲公司", "乙中间体生产"], ["数据来源：某平台", ""]]
    s = imp(mini, write_csv(tmp_path / "n.csv", rows))
    assert s["imported"] == 1 and s["rejected_reasons"] == {"说明/备注行": 1}


def test_xlsx_first_sheet_or_named_sheet(mini, tmp_path):
    rows = [
        ["企业查询结果"],
        ["企业名称", "统一社会信用代码", "成立日期", "注册资本", "经营范围"],
        ["甲公司", VALID, dt.datetime(2015, 3, 1), 5000, "乙中间体生产"],
    ]
    f = write_xlsx(tmp_path / "list.xlsx", {"说明": [["本表说明"]], "企业": rows})
    with pytest.raises(UsageError, match="找不到表头"):
        imp(mini, f)  # the first sheet holds no table
    with pytest.raises(UsageError, match="没有名为“其他”的工作表"):
        imp(mini, f, sheet="其他")
    s = imp(mini, f, sheet="企业")
    assert s["imported"] == 1 and s["sheet"] == "企业" and s["header_row"] == 2
    c = load_library(mini).companies[f"imp_{VALID.lower()}"]
    assert c.founded == dt.date(2015, 3, 1) and c.registered_capital.value == 5000 and c.operates == ["a2"]
    f2 = write_xlsx(tmp_path / "one.xlsx", {"Sheet1": rows[1:]})
    assert imp(mini, f2, output=tmp_path / "one.yaml")["imported"] == 1


def test_dry_run_writes_nothing(mini, tmp_path):
    s = imp(mini, write_csv(tmp_path / "名单.csv", MESSY), dry_run=True)
    assert s["imported"] == 3 and s["rejected"] == 2 and not (mini / "imported").exists()


def test_refuses_to_overwrite_a_hand_written_file(mini, tmp_path):
    (mini / "imported").mkdir()
    (mini / "imported" / "名单.yaml").write_text("companies: []\n", encoding="utf-8")
    with pytest.raises(UsageError, match="不是 chainmap import 生成的文件"):
        imp(mini, write_csv(tmp_path / "名单.csv", MESSY))


def test_chain_option_limits_matching(mini, tmp_path):
    rows = [["企业名称", "主营产品"], ["甲公司", "甲催化剂；贝制品"]]
    imp(mini, write_csv(tmp_path / "c.csv", rows), chains=["beta"])
    c = next(c for c in load_library(mini).companies.values() if c.name == "甲公司")
    assert c.operates == ["b2"] and c.makes == []
    with pytest.raises(UsageError, match="unknown chain"):
        imp(mini, tmp_path / "c.csv", chains=["gamma"])


def test_generated_export_counts_add_up(mini, tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import gen_export

    f = gen_export.write(
        tmp_path / "gen.csv", 400, ["乙中间体", "丙材料", "甲催化剂", "贝制品"], seed=3, match_share=0.5
    )
    s = imp(mini, f)
    assert adds_up(s) and s["rows"] == 400 and s["imported"] > 300 and s["placed"] > 100
    assert s["skipped"] > 0 and s["rejected"] > 0 and s["merged"] > 0
    lib = load_library(mini)
    assert sum(c.id.startswith("imp_") for c in lib.companies.values()) == s["imported"]


def test_replicated_export_holds_other_firms_with_the_same_texts(mini, tmp_path):
    """gen_export --replicate (for 10M-row benchmarks): each copy is another set of firms -- new names,
    valid codes still valid -- with the same texts, so three copies import three times the firms."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import gen_export

    words = ["乙中间体", "丙材料", "甲催化剂", "贝制品"]
    one = gen_export.write(tmp_path / "one.csv", 300, words, seed=3, match_share=0.5)
    three = gen_export.replicate(one, tmp_path / "three.csv", 900)
    s1 = imp(mini, one, output=tmp_path / "one.parquet")
    s3 = imp(mini, three, output=tmp_path / "three.parquet")
    assert s3["rows"] == 900 and adds_up(s3)
    for k in ("imported", "placed", "rejected", "skipped", "merged"):
        assert s3[k] == 3 * s1[k], k


# -- the Parquet store -----------------------------------------------------------------------------


def test_parquet_store_loads_placed_firms_only(mini, tmp_path):
    f = write_csv(tmp_path / "名单.csv", MESSY)
    s = imp(mini, f, store="parquet")
    out = mini / "imported" / "名单.parquet"
    assert s["store"] == "parquet" and s["output"] == str(out) and out.exists()
    df = read_store(out)
    assert len(df) == 3 and set(df["name"]) == {"远方乙合成有限公司", "本地丁制品有限公司", "无关贸易有限公司"}
    assert df["evidence"].notna().sum() == 2
    lib = load_library(mini, imported="graph")  # each placed firm a Company (the store path keeps them in lib.store)
    ids = {c for c in lib.companies if c.startswith("imp_")}
    assert len(ids) == 2  # the unplaced firm stays in the store
    c = lib.companies[f"imp_{VALID.lower()}"]
    assert c.operates == ["a2"] and c.holds == ["t2"] and c.registered_capital.value == 1.2e8
    assert c.note.startswith("导入匹配依据：") and c.source == ["名单.csv 第3行", "名单.csv 第7行"]
    assert c.model_dump()["name"] == "远方乙合成有限公司" and c.display_name == "远方乙合成有限公司"
    before = out.read_bytes()
    again = imp(mini, f)  # the auto store finds the Parquet file and changes nothing
    assert again["unchanged"] == again["updated"] == 3 and out.read_bytes() == before


def test_a_yaml_store_that_outgrows_yaml_becomes_parquet(mini, tmp_path, monkeypatch):
    from chainmap.importer import write

    monkeypatch.setattr(write, "YAML_LIMIT", 3)
    rows = [["企业名称", "主营产品"], ["甲公司", "乙中间体"], ["乙公司", "丙材料"]]
    f = write_csv(tmp_path / "名单.csv", rows)
    assert imp(mini, f)["store"] == "yaml"
    f = write_csv(tmp_path / "名单.csv", rows + [["丙公司", "丁制品"], ["丁公司", "贝制品"]])
    s = imp(mini, f)
    assert s["store"] == "parquet" and (s["imported"], s["updated"]) == (2, 2)
    assert sorted(p.name for p in (mini / "imported").iterdir() if p.suffix != ".signals") == ["名单.parquet"]
    assert {c.name for c in load_library(mini, imported="graph").companies.values() if c.id.startswith("imp_")} == {
        "甲公司",
        "乙公司",
        "丙公司",
        "丁公司",
    }


def test_parquet_store_survives_a_changed_chain(mini, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "主营产品"], ["甲公司", VALID, "乙中间体；甲催化剂"]]
    imp(mini, write_csv(tmp_path / "c.csv", rows), store="parquet")
    assert load_library(mini, imported="graph").companies[f"imp_{VALID.lower()}"].makes == ["c1"]
    alpha = (mini / "alpha.yaml").read_text(encoding="utf-8")
    (mini / "alpha.yaml").write_text(
        alpha.replace("          - id: c1\n            name: 甲催化剂\n            type: material\n", ""),
        encoding="utf-8",
    )
    c = load_library(mini, imported="graph").companies[f"imp_{VALID.lower()}"]
    assert c.operates == ["a2"] and c.makes == []  # the tie to the removed component is dropped


# -- the analysis sees imported firms --------------------------------------------------------------


def test_imported_firms_change_gaps_and_targets(mini, tmp_path):
    lib = load_library(mini)
    home = lib.regions["home"]
    before = gaps(build_graph(lib, ["alpha"], home), home).set_index("node")
    assert before.loc["a4", "status"] == "missing" and before.loc["a2", "candidates"] == 2
    imp(mini, write_csv(tmp_path / "名单.csv", MESSY))
    lib = load_library(mini)
    g = build_graph(lib, ["alpha"], home)
    after = gaps(g, home).set_index("node")
    assert after.loc["a4", "status"] == "weak" and after.loc["a4", "gap_type"] == "strengthen"
    assert after.loc["a2", "candidates"] == 3
    assert g.nodes["imp_n6e872f8b9ef4"]["local"] is True  # 测试 -> 测试市, the profile's city
    res = run_cli("--chains", str(mini), "targets", "alpha", "--region", "home", "--format", "json")
    assert res.returncode == 0, res.stderr
    names = [t["name"] for t in json.loads(res.stdout)]
    assert "远方乙合成有限公司" in names
    res = run_cli("--chains", str(mini), "render", "alpha", "--region", "home", "-o", str(tmp_path / "maps"))
    assert res.returncode == 0, res.stderr
    html = (tmp_path / "maps" / "alpha.html").read_text(encoding="utf-8")
    assert "远方乙合成有限公司" in html and "本地丁制品有限公司" in html  # on the map too


# -- the command -----------------------------------------------------------------------------------


def test_cli_text_and_json(mini, tmp_path):
    f = write_csv(tmp_path / "名单.csv", MESSY, encoding="gbk")
    res = run_cli("--chains", str(mini), "import", str(f), "--region", "home")
    assert res.returncode == 0, res.stderr
    for word in ("读取数据行", "新导入", "合并", "跳过", "拒绝", "未能落链", "拒绝清单", "核对：3+0+1+2+2 = 8"):
        assert word in res.stdout
    res = run_cli("--chains", str(mini), "import", str(f), "--format", "json")
    out = json.loads(res.stdout)
    assert res.returncode == 0 and out["unchanged"] == 3 and adds_up(out)
    assert {"rows", "imported", "updated", "merged", "skipped", "rejected", "unplaced", "output", "rejects"} <= set(out)


def test_cli_bad_input_exits_2(mini, tmp_path):
    res = run_cli("--chains", str(mini), "import", str(tmp_path / "none.csv"))
    assert res.returncode == 2 and "找不到文件" in res.stderr
    f = write_csv(tmp_path / "x.csv", [["地址", "电话"], ["某地", "123"]])
    res = run_cli("--chains", str(mini), "import", str(f))
    assert res.returncode == 2 and "企业名称" in res.stderr
    res = run_cli("--chains", str(mini), "import", str(f), "--as-of", "yesterday")
    assert res.returncode == 2 and "--as-of" in res.stderr
    res = run_cli("--chains", str(mini), "import", str(f), "--map", "bad")
    assert res.returncode == 2
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    res = run_cli("--chains", str(mini), "import", str(old))
    assert res.returncode == 2 and ".xlsx" in res.stderr
    res = run_cli("--chains", str(mini), "import", str(f), "-o", str(tmp_path / "out.txt"))
    assert res.returncode == 2 and ".parquet" in res.stderr
    (tmp_path / "elsewhere").mkdir()
    res = run_cli("import", str(f), cwd=tmp_path / "elsewhere")  # no ./chains to write into
    assert res.returncode == 2 and "--chains" in res.stderr


_STANDARD = (
    "（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
    "依法须经批准的项目，经相关部门批准后方可开展经营活动，具体经营项目以相关部门批准文件或许可证件为准",
    "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
    "具体经营项目以审批结果为准",
    "一般项目：",
    "许可项目：",
)


def test_the_scopes_standard_sentences_hold_no_term_and_hide_no_product(mini, tmp_path):
    """The standard sentences of a business scope are read as they stand: no term of the bundled chains
    occurs in them, and a product written after an unbracketed one still places the firm (a regex that
    cut them out used to cut everything up to the next bracket)."""
    from chainmap.importer.match import Matcher

    terms = Matcher(load_library(ROOT / "chains")).patterns
    assert len(terms) > 1000
    assert not [(t[1], s) for s in _STANDARD for t in terms if t[0] in s.lower()]
    rows = [
        ["企业名称", "经营范围"],
        ["甲公司", "依法须经批准的项目，经相关部门批准后方可开展经营活动；乙中间体的生产"],
        ["乙公司", "一般项目：乙中间体的生产（依法须经批准的项目，经相关部门批准后方可开展经营活动）"],
        ["丙公司", "许可项目：乙中间体批发（依法须经批准的项目，经相关部门批准后方可开展经营活动）"],
    ]
    s = run_import(load_library(mini), ImportOptions(file=write_csv(tmp_path / "名单.csv", rows), progress=False))
    firms = {c.name: c for c in load_library(mini).companies.values() if c.id.startswith("imp_")}
    assert s.placed == 2 and firms["甲公司"].operates == firms["乙公司"].operates == ["a2"]
    assert not firms["丙公司"].operates  # it only trades the product: below the threshold
