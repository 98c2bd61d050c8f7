"""The importer's shape: the store schema follows the Company model, the layers only look down, the
parallel matcher (started through an initializer) gives what the serial one gives."""

from __future__ import annotations

import ast
import datetime as dt
import typing
from pathlib import Path

import pyarrow as pa
import pytest

from chainmap import load_library
from chainmap.importer import ImportOptions, run
from chainmap.importer.store import yaml_bytes
from chainmap.model import Company
from chainmap.store import AMOUNT_COLUMNS, NOT_IMPORTED, SCHEMA, YAML_FIELDS, _company_factory, empty_record, read_table

from .test_import import VALID, write_csv

PKG = Path(__file__).resolve().parents[1] / "chainmap"


def test_store_schema_yaml_fields_and_constructor_follow_the_company_model():
    fields = [f for f in Company.model_fields if f not in NOT_IMPORTED]
    assert list(YAML_FIELDS) == fields  # every importable Company field, in the model's order
    for f in fields:
        if f in AMOUNT_COLUMNS:
            assert [SCHEMA.field(c).type for c in AMOUNT_COLUMNS[f]] == [pa.float64(), pa.string()]
            continue
        ann = typing.get_args(Company.model_fields[f].annotation)
        t = SCHEMA.field(f).type
        if typing.get_origin(Company.model_fields[f].annotation) is list:
            assert pa.types.is_list(t), f
        elif dt.date in ann or Company.model_fields[f].annotation is dt.date:
            assert t == pa.date32(), f
        elif int in ann:
            assert t == pa.int64(), f
        else:
            assert t == pa.string(), f
    assert {"status", "delisted", "registered_city"} <= set(SCHEMA.names)
    # the fast constructor builds what the model would validate, for every field
    make = _company_factory()
    d = {f: None for f in Company.model_fields} | {
        "id": "imp_x",
        "name": "甲",
        "source": ["s"],
        "as_of": dt.date(2024, 1, 1),
        "status": "注销",
        "aliases": [],
        "tags": [],
        "operates": [],
        "makes": [],
        "holds": [],
        "supplies": [],
        "capacities": [],
    }
    c = make(d)
    assert Company.model_validate(c.model_dump()).model_dump() == c.model_dump()


def test_the_loader_never_imports_the_importer_and_the_importer_never_imports_present():
    def imports(path: Path) -> set[str]:
        out = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                out.add("." * node.level + (node.module or ""))
            elif isinstance(node, ast.Import):
                out.update(a.name for a in node.names)
        return out

    for mod in ("load.py", "store.py", "model.py"):
        assert not [m for m in imports(PKG / mod) if "importer" in m], mod
    for f in (PKG / "importer").glob("*.py"):
        assert not [m for m in imports(f) if "present" in m], f.name
        text = f.read_text(encoding="utf-8")
        assert "os._exit" not in text and "field_size_limit(" not in text, f.name


def test_threaded_matching_gives_the_serial_result(mini, tmp_path, monkeypatch):
    rows = [["企业名称", "统一社会信用代码", "经营范围", "主营产品"]]
    rows += [
        [f"甲{i}化工有限公司", "", "乙中间体的生产" if i % 3 else "日用百货", "丙材料" if i % 5 == 0 else ""]
        for i in range(300)
    ]
    rows.append(["乙合成有限公司", VALID, "", "乙合成技术"])
    f = write_csv(tmp_path / "名单.csv", rows)
    monkeypatch.setattr(run, "PARALLEL_BYTES", 0)
    out = {}
    for workers in (1, 2):
        lib = load_library(mini)
        o = tmp_path / f"w{workers}.parquet"
        s = run.run_import(lib, ImportOptions(file=f, output=o, workers=workers, progress=False, chunk_rows=64))
        out[workers] = (s.placed, s.nodes, read_table(o).drop(["placed"]).to_pylist())
    assert out[1] == out[2] and out[1][0] > 100


def test_yaml_store_leaves_out_a_value_the_model_refuses():
    rec = empty_record() | {
        "id": "imp_x",
        "name": "甲",
        "source": ["s"],
        "as_of": dt.date(2024, 1, 1),
        "stock_code": "not a code",
        "employees": -3,
    }
    text = yaml_bytes([rec]).decode()
    assert "甲" in text and "not a code" not in text and "employees" not in text


@pytest.mark.parametrize("mod", ["run", "rows", "dedupe", "place", "write", "prepare", "store", "rejects"])
def test_no_module_over_500_lines_and_no_function_over_80(mod):
    path = PKG / "importer" / f"{mod}.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert tree.body[-1].end_lineno < 500
    long = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.end_lineno - n.lineno >= 80]
    assert not long


@pytest.mark.parametrize("store", ["yaml", "parquet"])
def test_placements_from_the_store_match_the_loaded_library(mini, tmp_path, store):
    from chainmap.placements import placements, presence

    from .test_import import MESSY

    f = write_csv(tmp_path / "名单.csv", MESSY)
    lib = load_library(mini)
    run.run_import(lib, ImportOptions(file=f, store=store, progress=False, region=lib.regions["home"]))
    lib = load_library(mini, imported="graph")
    t = placements(mini)
    want = {
        (c.id, n) for c in lib.companies.values() if c.id.startswith("imp_") for n in c.operates + c.makes + c.holds
    }
    assert set(zip(t["id"].to_pylist(), t["node"].to_pylist(), strict=True)) == want and want
    region = lib.regions["home"]
    p = {r["node"]: (r["local"], r["outside"]) for r in presence(t, region).to_pylist()}
    for node, (local, outside) in p.items():
        firms = [
            c for c in lib.companies.values() if c.id.startswith("imp_") and node in c.operates + c.makes + c.holds
        ]
        assert local == sum(c.city == region.city for c in firms) and local + outside == len(firms)


def _uscc(i: int) -> str:
    from chainmap.money import _USCC_ALPHABET, _USCC_WEIGHTS

    body = f"91320500{i:08d}Q"
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=False))
    return body + _USCC_ALPHABET[(31 - total % 31) % 31]


def _dup_rows(n: int) -> list[list[str]]:
    """Firms with duplicates far apart: by credit code, by name (a code learnt later), and same-name
    firms with different codes (two firms)."""
    rows = [["企业名称", "统一社会信用代码", "经营范围", "主营产品", "所属城市"]]
    for i in range(n):
        k = i % (n // 3)  # every firm three times, a third of the file apart
        code = _uscc(k) if (k % 4 or i >= n // 3) else ""
        if k % 7 == 0:
            code = _uscc(k + 10_000 * (i // (n // 3)))  # same name, another code: another firm
        scope = "乙中间体的生产" if k % 2 else "日用百货销售"
        rows.append([f"甲{k}化工有限公司", code, scope if i < n // 3 else "", "丙材料" if i % 5 == 0 else "", "苏州市"])
    return rows


def test_duplicates_across_spilled_chunks_fold_as_in_one_chunk(mini, tmp_path, monkeypatch):
    """Small chunks (records spilled per chunk, duplicates folded in as patches when read back) give
    the records, counts and review queue of one big chunk; the streamed store equals the table path's."""
    from chainmap.importer import stream

    f = write_csv(tmp_path / "名单.csv", _dup_rows(600))
    out = {}
    for label, block, streamed in (("one", 16 << 20, True), ("many", 2048, True), ("table", 2048, False)):
        lib = load_library(mini)
        o = tmp_path / label / "x.parquet"
        monkeypatch.setattr(run, "BLOCK_BYTES", block)
        monkeypatch.setattr(run, "can_stream", stream.can_stream if streamed else (lambda *a: False))
        s = run.run_import(lib, ImportOptions(file=f, output=o, progress=False, workers=1))
        assert s.rows == 600
        assert not list(o.parent.glob(".*.tmp"))  # no spill file left
        t = read_table(o)
        out[label] = (s.imported, s.merged, s.placed, s.review, s.nodes, t.drop(["placed"]).to_pylist())
    assert out["one"] == out["many"] == out["table"]
    imported, merged, placed = out["one"][:3]
    assert imported + merged == 600 and merged >= 300 and placed > 0
    ids = [r["id"] for r in out["one"][-1]]
    assert len(ids) == len(set(ids)) == imported
    by_name: dict[str, list[dict]] = {}
    for r in out["one"][-1]:
        by_name.setdefault(r["name"], []).append(r)
    for k in range(200):
        recs = by_name[f"甲{k}化工有限公司"]
        if k % 7 == 0:  # three codes: three firms
            assert sorted(len(r["source"]) for r in recs) == [1, 1, 1]
            continue
        (rec,) = recs  # one firm, its code learnt from a later row when the first had none
        assert len(rec["source"]) == 3 and rec["credit_code"] == _uscc(k)
        assert ("a2" in (rec["operates"] or [])) == (k % 2 == 1)
