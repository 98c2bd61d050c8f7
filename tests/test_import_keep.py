"""A newer export never erases what it does not say: when a row updates a stored firm, each plain field the
row leaves empty (the export has no such column, or a blank or ``-`` cell) keeps the stored value, and a
value the row has wins (the refresh). Both store stages: the streamed one (a Parquet store,
``importer/update.py``) and the table path (a YAML store, a ``--chain`` update, a dry run:
``importer/write.py``). The exports are written here, their changes known by construction."""

from __future__ import annotations

import datetime as dt
import random
import shutil

import pyarrow as pa
import pytest

from chainmap import load_library
from chainmap.importer import ImportOptions, run_import
from chainmap.importer.merge import CARRIED_WITH, LISTISH, carry_over
from chainmap.store import COLUMNS, SCHEMA, empty_record, read_signals, read_table, store_files, to_table
from chainmap.store import TIES as TIES_

from .test_import import VALID, write_csv
from .test_import_namesake import OTHER

FULL = [
    "企业名称",
    "统一社会信用代码",
    "法定代表人",
    "登记状态",
    "成立日期",
    "注册资本",
    "实缴资本",
    "所属省份",
    "所属城市",
    "国标行业",
    "注册地址",
    "主营产品",
]
JIA = {
    "企业名称": "甲化工有限公司",
    "统一社会信用代码": VALID,
    "法定代表人": "张三",
    "登记状态": "存续",
    "成立日期": "2015-03-01",
    "注册资本": "100万元",
    "实缴资本": "80万元",
    "所属省份": "浙江省",
    "所属城市": "宁波",
    "国标行业": "化学原料和化学制品制造业",
    "注册地址": "浙江省宁波市北仑区甲路1号",
    "主营产品": "乙中间体",
}
WU = JIA | {
    "企业名称": "戊材料有限公司",
    "统一社会信用代码": OTHER,
    "法定代表人": "李四",
    "注册资本": "300万美元",
    "实缴资本": "50万美元",
    "注册地址": "浙江省宁波市鄞州区戊路2号",
    "主营产品": "丙材料",
}
# the fields each store keeps (a YAML store has no legal representative, paid-in capital or industry column)
KEPT = {
    "yaml": ("credit_code", "founded", "capital_value", "capital_currency", "address", "status", "city"),
    "parquet": (
        "credit_code",
        "founded",
        "capital_value",
        "capital_currency",
        "paid_in_value",
        "paid_in_currency",
        "legal_rep",
        "address",
        "status",
        "city",
        "industry",
        "company_type",
    ),
}


def export(path, header, firms, **cells):
    """An export of ``firms`` (dicts by header) with only the ``header`` columns; ``cells`` overrides per
    firm name: {name: {header: value}}."""
    rows = [[{**f, **cells.get(f["企业名称"], {})}.get(h, "") for h in header] for f in firms]
    return write_csv(path, [header, *rows])


def imp(root, f, store="auto", **kw):
    return run_import(load_library(root), ImportOptions(file=f, store=store, progress=False, workers=1, **kw))


def records(root):
    return {r["name"]: r for f in store_files(root / "imported") for r in read_table(f).to_pylist()}


def signals(root):
    rows = read_signals(root / "imported").to_pylist()
    return sorted((r["kind"], r["name"], r["credit_code"], r["old"], r["new"]) for r in rows)


def stored_first(root, tmp_path, store):
    """The firms stored from the full export of 2024-01-01: their records."""
    s = imp(root, export(tmp_path / "名单_20240101.csv", FULL, [JIA, WU]), store)
    assert s.imported == 2 and s.placed == 2, s
    return records(root)


def test_no_code_column_keeps_the_credit_code(mini, tmp_path, store):
    before = stored_first(mini, tmp_path, store)
    header = [h for h in FULL if h != "统一社会信用代码"]
    s = imp(mini, export(tmp_path / "名单_20240601.csv", header, [JIA | {"注册资本": "250万元"}, WU]), store)
    assert (s.imported, s.updated, s.unchanged) == (0, 2, 0), s
    jia = records(mini)["甲化工有限公司"]
    assert jia["credit_code"] == VALID and jia["id"] == before["甲化工有限公司"]["id"]
    assert (jia["capital_value"], jia["capital_currency"]) == (2_500_000.0, "CNY")
    assert records(mini)["戊材料有限公司"]["credit_code"] == OTHER
    assert s.signals == {"capital_up": 1}
    assert signals(mini) == [("capital_up", "甲化工有限公司", VALID, "100万元", "250万元")]


def test_fewer_columns_keep_the_stored_values(mini, tmp_path, store):
    before = stored_first(mini, tmp_path, store)
    header = [h for h in FULL if h not in ("实缴资本", "法定代表人", "注册地址", "国标行业")]
    newer = export(tmp_path / "名单_20240601.csv", header, [JIA, WU])
    s = imp(mini, newer, store)
    assert (s.updated, s.unchanged, s.signals) == (2, 0, {}), s
    after = records(mini)
    for name, was in before.items():
        now = after[name]
        assert {k: now[k] for k in KEPT[store]} == {k: was[k] for k in KEPT[store]}, name
        assert now["as_of"].isoformat() == "2024-06-01" and now["operates"] == was["operates"]
        assert now["source"] == [*(x.replace("20240101", "20240601") for x in was["source"]), *was["source"]]
    assert after["甲化工有限公司"]["paid_in_value" if store == "parquet" else "address"] is not None
    assert signals(mini) == []
    files = {f.name: f.read_bytes() for f in store_files(mini / "imported")}
    again = imp(mini, newer, store)  # the same narrower file again: nothing new, the sources do not grow
    assert (again.updated, again.unchanged, again.signals) == (2, 2, {}), again
    assert {f.name: f.read_bytes() for f in store_files(mini / "imported")} == files


def test_blank_and_dash_cells_keep_the_stored_values(mini, tmp_path, store):
    before = stored_first(mini, tmp_path, store)
    blanks = {"注册资本": "-", "实缴资本": "", "法定代表人": "-", "注册地址": "", "所属城市": "", "所属省份": "-"}
    blanks |= {"成立日期": "-", "登记状态": "", "国标行业": "-", "统一社会信用代码": ""}
    firms = [JIA, WU]
    s = imp(mini, export(tmp_path / "名单_20240601.csv", FULL, firms, 戊材料有限公司=blanks), store)
    assert (s.updated, s.unchanged, s.signals) == (2, 0, {}), s
    wu, was = records(mini)["戊材料有限公司"], before["戊材料有限公司"]
    assert {k: wu[k] for k in (*KEPT[store], "province")} == {k: was[k] for k in (*KEPT[store], "province")}
    assert (wu["capital_value"], wu["capital_currency"]) == (3_000_000.0, "USD")  # the amount with its currency
    assert signals(mini) == []


def test_values_the_newer_export_has_win(mini, tmp_path, store):
    before = stored_first(mini, tmp_path, store)
    header = [h for h in FULL if h not in ("统一社会信用代码", "注册地址")]
    jia = JIA | {"所属省份": "浙江省", "所属城市": "杭州", "注册资本": "90万元", "法定代表人": "王五"}
    s = imp(mini, export(tmp_path / "名单_20240601.csv", header, [jia, WU | {"登记状态": "注销"}]), store)
    assert s.signals == {"moved": 1, "status": 1}, s
    got = signals(mini)
    assert got == [
        ("moved", "甲化工有限公司", VALID, before["甲化工有限公司"]["city"], records(mini)["甲化工有限公司"]["city"]),
        ("status", "戊材料有限公司", OTHER, "存续", "注销"),
    ]
    now = records(mini)
    assert now["甲化工有限公司"]["city"] != before["甲化工有限公司"]["city"]
    assert now["甲化工有限公司"]["capital_value"] == 900_000.0  # lower: replaced, no signal
    assert now["戊材料有限公司"]["status"] == "注销" and now["戊材料有限公司"]["credit_code"] == OTHER
    assert now["甲化工有限公司"]["address"] == before["甲化工有限公司"]["address"]
    if store == "parquet":
        assert now["甲化工有限公司"]["legal_rep"] == "王五"


def test_a_chain_update_keeps_the_stored_values(mini, tmp_path):
    stored_first(mini, tmp_path, "parquet")
    header = [h for h in FULL if h not in ("统一社会信用代码", "实缴资本", "注册地址")]
    s = imp(mini, export(tmp_path / "名单_20240601.csv", header, [JIA, WU]), "parquet", chains=["alpha"])
    assert (s.updated, s.signals) == (2, {}), s
    now = records(mini)["戊材料有限公司"]
    assert (now["credit_code"], now["paid_in_value"], now["paid_in_currency"]) == (OTHER, 500_000.0, "USD")
    assert now["address"] == WU["注册地址"] and now["operates"]


def test_a_dry_run_counts_a_narrower_export_of_the_same_firms_unchanged(mini, tmp_path):
    stored_first(mini, tmp_path, "auto")
    files = {f.name: f.read_bytes() for f in store_files(mini / "imported")}
    (tmp_path / "re").mkdir()
    header = [h for h in FULL if h not in ("统一社会信用代码", "实缴资本", "法定代表人")]
    narrower = export(tmp_path / "re" / "名单_20240101.csv", header, [JIA, WU])  # re-saved without columns
    s = imp(mini, narrower, dry_run=True)
    assert (s.updated, s.unchanged, s.signals) == (2, 2, {}), s
    s = imp(mini, narrower)
    assert (s.updated, s.unchanged, s.signals) == (2, 2, {}), s
    assert {f.name: f.read_bytes() for f in store_files(mini / "imported")} == files


def test_a_yaml_store_keeps_the_industry_folded_in_its_note(mini, tmp_path):
    before = stored_first(mini, tmp_path, "yaml")
    assert "所属行业：化学原料和化学制品制造业" in before["甲化工有限公司"]["note"]
    header = [h for h in FULL if h != "国标行业"]
    for kind, day in (("yaml", "20240601"), ("parquet", "20240701")):
        root = tmp_path / kind
        shutil.copytree(mini, root)
        imp(root, export(tmp_path / f"名单_{day}.csv", header, [JIA, WU]), kind)
        jia = records(root)["甲化工有限公司"]
        if kind == "yaml":  # the note made again from the newer evidence and the kept industry
            assert jia["note"] == before["甲化工有限公司"]["note"]
        else:  # the industry in its column, the older note not carried
            assert (jia["industry"], jia["note"]) == ("化学原料和化学制品制造业", None)


def _reference(new: dict, old: dict) -> dict:
    """:func:`carry_over` of one record, row by row (the rule as written)."""
    out, kept = dict(new), False
    for k in COLUMNS:
        if k in LISTISH or k in ("as_of", "placed", *CARRIED_WITH.values()):
            continue
        if new[k] in (None, "") and old[k] not in (None, ""):
            kept = True
            for c in (k, CARRIED_WITH.get(k)):
                if c is not None:
                    out[c] = old[c]
    if kept:
        out["source"] = new["source"] + [s for s in old["source"] if s not in new["source"]]
    return out


@pytest.mark.parametrize("seed", range(4))
def test_carry_over_by_column_equals_the_rule_row_by_row(seed):
    rnd = random.Random(seed)
    values = {"credit_code": [VALID, OTHER], "city": ["宁波市", "杭州市"], "legal_rep": ["张三"], "status": ["注销"]}
    values |= {"capital_value": [1e6, 2e6], "capital_currency": ["CNY", "USD"], "founded": [dt.date(2015, 3, 1)]}
    values |= {"employees": [12], "paid_in_value": [5e5], "paid_in_currency": ["CNY"], "products": ["乙中间体"]}

    def rec(i, file):
        r = empty_record() | {"id": f"imp_{i}", "name": f"甲{i}化工有限公司", "as_of": dt.date(2024, 1, 1)}
        for k, vs in values.items():
            r[k] = rnd.choice([None, "", *vs]) if isinstance(vs[0], str) else rnd.choice([None, *vs])
        r["source"] = rnd.sample([f"{file} 第{i}行", "a.csv 第1行", "b.csv 第2行", "c.csv 第3行"], rnd.randint(1, 3))
        r["operates"] = rnd.choice([[], ["a2"]])
        return r

    olds = [rec(i, "old.csv") for i in range(300)]
    news = [rec(i, "new.csv") for i in range(300)]
    cut = rnd.randint(1, 299)  # tables of several chunks, cut in different places
    new = pa.concat_tables([to_table(news[:cut]), to_table(news[cut:])])
    old = pa.concat_tables([to_table(olds[: cut // 2]), to_table(olds[cut // 2 :])])
    got = carry_over(new, old)
    assert got.schema == SCHEMA
    assert got.to_pylist() == [_reference(n, o) for n, o in zip(news, olds, strict=True)]


def test_a_chain_update_keeps_the_ties_to_the_other_chains(mini, tmp_path):
    # 甲 sits on a2 (chain alpha) and b2 (chain beta); a refresh matched against alpha alone says nothing
    # about beta: the record written keeps b2 with its evidence, and takes the newer capital
    jia = JIA | {"主营产品": "乙中间体、贝制品"}
    imp(mini, export(tmp_path / "名单_20240101.csv", FULL, [jia]), "parquet")
    before = records(mini)["甲化工有限公司"]
    assert before["operates"] == ["a2", "b2"], before["operates"]
    newer = export(tmp_path / "名单_20240601.csv", FULL, [jia | {"注册资本": "250万元"}])
    s = imp(mini, newer, "parquet", chains=["alpha"])
    assert (s.updated, s.unchanged, s.signals) == (1, 0, {"capital_up": 1}), s
    now = records(mini)["甲化工有限公司"]
    assert now["operates"] == ["a2", "b2"] and now["capital_value"] == 2_500_000.0
    assert sorted(p.split(" ")[0] for p in now["evidence"].split("；")) == sorted(
        p.split(" ")[0] for p in before["evidence"].split("；")
    )
    again = imp(mini, newer, "parquet", chains=["alpha"])  # the same file: nothing changes
    assert (again.updated, again.unchanged, again.signals) == (1, 1, {}), again
    assert records(mini)["甲化工有限公司"] == now


def test_an_export_without_scope_or_products_keeps_the_placements(mini, tmp_path, store):
    # a status and capital refresh: no 经营范围, no 主营产品 column. It says nothing of what the firms do,
    # so they stay on their nodes (their names alone place none of them) -- and take the new capital
    before = stored_first(mini, tmp_path, store)
    header = [h for h in FULL if h != "主营产品"]
    s = imp(mini, export(tmp_path / "名单_20240601.csv", header, [JIA | {"注册资本": "250万元"}, WU]), store)
    assert (s.updated, s.placed, s.unplaced, s.signals) == (2, 2, 0, {"capital_up": 1}), s
    after = records(mini)
    for name, was in before.items():
        for k in ("operates", "makes", "holds", "uncertain"):
            assert after[name][k] == was[k], (name, k)
        assert after[name]["evidence"] == was["evidence"]
    assert after["甲化工有限公司"]["capital_value"] == 2_500_000.0
    # the same export with its products column: what it says is the refresh (戊 now makes nothing known; a
    # blank cell would say nothing: tests/test_import_silentrow.py)
    header = FULL
    s = imp(mini, export(tmp_path / "名单_20240701.csv", header, [JIA, WU | {"主营产品": "日用百货"}]), store)
    assert s.placed == 1 and records(mini)["戊材料有限公司"]["operates"] == [], s


def _kept_reference(new, old, selected):
    """The rule of other_chains_kept record by record, as written first (the reference of the by-column code)."""
    cols, placed = {}, [set() for _ in range(len(new))]
    for k in (*TIES_, "uncertain"):
        pairs = zip(new[k].to_pylist(), old[k].to_pylist(), strict=True)
        merged = [set(a or []) | {n for n in (b or []) if n not in selected} for a, b in pairs]
        if k == "uncertain":
            merged = [m - p for m, p in zip(merged, placed, strict=True)]
        else:
            placed = [p | m for p, m in zip(placed, merged, strict=True)]
        cols[k] = [sorted(m) for m in merged]

    def evidence(a, b):
        parts = [p for p in (a or "").split("；") if p]
        was = [p for p in (b or "").split("；") if p]
        if sorted(p for p in was if p.split(" ", 1)[0] in selected) == sorted(parts):
            return b
        return "；".join(parts + [p for p in was if p.split(" ", 1)[0] not in selected]) or None

    texts = zip(new["evidence"].to_pylist(), old["evidence"].to_pylist(), strict=True)
    cols["evidence"] = [evidence(a, b) for a, b in texts]
    return cols


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_all_kept_by_column_equals_record_by_record(seed):
    # the stored placements of an export that says nothing of what firms do (no chain looked at), and of a
    # --chain update (the chains not looked at), merged by column: the same lists (sorted unions, a null
    # list as empty) and evidence as the rule record by record
    from chainmap.importer.write import _all_kept, _kept_rows

    rnd = random.Random(seed)
    nodes = ["a1", "a2", "b1", "b2", "c1", "c10", "中1"]

    def lst():
        return None if rnd.random() < 0.1 else rnd.sample(nodes, rnd.randint(0, 3))

    def ev():
        parts = ["a1 甲←名称「甲」0.70", "b2 乙←经营范围「乙」0.70", "c1 丙←名称「丙」0.35", "中1 丁←产品「丁」1.00"]
        return rnd.choice([None, "", "；".join(rnd.sample(parts, rnd.randint(1, 3))), parts[0] + "；；" + parts[1]])

    def rec():
        return empty_record() | {k: lst() for k in (*TIES_, "uncertain")} | {"evidence": ev(), "id": "x"}

    new = to_table([rec() for _ in range(300)])
    old = to_table([rec() for _ in range(300)])
    fast, slow = _all_kept(new, old), _kept_reference(new, old, set())
    for k in (*TIES_, "uncertain"):
        assert fast[k].to_pylist() == slow[k], k
    texts = zip(new["evidence"].to_pylist(), old["evidence"].to_pylist(), strict=True)
    plain = [i for i, (a, b) in enumerate(texts) if "；；" not in (a or "") + (b or "")]  # no empty part to drop
    assert [fast["evidence"].to_pylist()[i] for i in plain] == [slow["evidence"][i] for i in plain]
    for selected in ({"a1", "b2"}, {"c1", "中1", "a2"}, set(nodes)):
        got, want = _kept_rows(new, old, selected), _kept_reference(new, old, selected)
        for k in want:
            assert got[k].to_pylist() == want[k], (k, selected)
    old_texts = old["evidence"].to_pylist()
    kept = _kept_rows(new, old, {"a1"})["evidence"].to_pylist()
    assert any(k == o and o for k, o in zip(kept, old_texts, strict=True))  # unchanged: the stored text
    assert any(k and o and k != o for k, o in zip(kept, old_texts, strict=True))  # changed
    ties = zip(*(fast[k].to_pylist() for k in TIES_), strict=True)
    rows = zip(fast["uncertain"].to_pylist(), ties, strict=True)
    assert all(not set(u) & {n for t in tied for n in t} for u, tied in rows)  # placed: no open question
    assert any(fast["uncertain"].to_pylist())  # the test has open questions left to keep
