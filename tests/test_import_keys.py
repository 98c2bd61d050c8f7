"""The import's column-wise shortcuts give what the row-by-row definitions give: name keys (NFKC, no
spaces), key hashes, firm ids (a taken id gets a suffix), the review queue's pairs; the store is written
deterministically by its helper thread, with the table path's records and the loader's statistics."""

from __future__ import annotations

import hashlib
import random

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from chainmap import load_library
from chainmap.importer import ImportOptions, run
from chainmap.importer.background import Background
from chainmap.importer.dedupe import HAND, MERGED, NEW, Deduper
from chainmap.importer.keys import key_hashes, name_keys
from chainmap.importer.prepare import Existing
from chainmap.importer.review import queue_rows
from chainmap.importer.store import UNIQUE_COLUMNS
from chainmap.store import SCHEMA
from chainmap.storeread import placed_groups

from .test_import_stages import _dup_rows, write_csv

# full-width letters and brackets, circled and compatibility characters, combining marks, spaces of
# every kind, the edges of the CJK range NFKC leaves alone, and one character beyond it
ALPHABET = list(
    "甲乙丙丁 \t\n\x0b\x1c\u3000ＡＢＣ（）ｱｲ㈱①ﬁé\u0301e\u00a0\u2003\u4dc0\u4000\u9fff\ua000\uf900\U00020000ab -"
)


def _reference_keys(a: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(pc.utf8_normalize(a, "NFKC"), r"\s+", "")


def _random_names(n: int, alphabet: list[str], seed: int) -> list[str | None]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 14))) for _ in range(n)] + [None]


@pytest.mark.parametrize("alphabet", [ALPHABET, ALPHABET[:4] + ["Ａ"], ["甲", "乙", "a"]], ids=["all", "few", "plain"])
def test_name_keys_are_nfkc_without_spaces(alphabet):
    names = pa.array(_random_names(20_000, alphabet, 7))
    assert name_keys(names).equals(_reference_keys(names))
    part = names.slice(13, 5000)  # an array with an offset
    assert name_keys(part).equals(_reference_keys(part))
    chunked = pa.chunked_array([names.slice(0, 100), names.slice(100)])
    assert name_keys(chunked).equals(_reference_keys(names))


def test_key_hashes_agree_for_lists_and_arrays_and_tell_keys_apart():
    values = _random_names(50_000, ALPHABET, 3) + ["a", "a\x00", "a\x00\x00", "abcdefgh", "abcdefgh\x00", "abcdefghi"]
    values = [v for v in dict.fromkeys([*values, "x" * 300, "x" * 301]) if v is not None]
    h = key_hashes(values)
    assert len(np.unique(h)) == len(values) and (h != 0).all()  # distinct keys, no "no key" among them
    arr = pa.array([None, *values, None])
    ha = key_hashes(arr)
    assert ha[0] == ha[-1] == 0 and (ha[1:-1] == h).all()
    assert (key_hashes(arr.slice(5, 100)) == ha[5:105]).all()
    assert (key_hashes(pa.chunked_array([arr.slice(0, 7), arr.slice(7)])) == ha).all()


def _reference_queue(t: pa.Table) -> list[dict]:
    rows = []
    for r in t.to_pylist():
        for node in r["uncertain"] or []:
            ev = "；".join(p for p in (r["evidence"] or "").split("；") if p.split(" ", 1)[0] == node)
            rid = "r" + hashlib.sha1(f"{r['id']}\x1f{node}".encode()).hexdigest()[:8]
            rows.append(
                dict(
                    id=rid,
                    firm=r["id"],
                    node=node,
                    name=r["name"],
                    credit_code=r["credit_code"],
                    city=r["city"],
                    evidence=ev,
                )
            )
    return rows


def test_review_queue_rows_are_the_pairs_with_their_evidence():
    evidence = [
        "a2 经营范围“乙中间体”（未达阈值）；a4 主营产品“丙”（未达阈值）；a9 名称“甲”",
        None,
        "",
        "a2 主营产品“乙”；a2 经营范围“乙”（未达阈值）；a22 名称“乙”",
        "a4",
    ]
    uncertain = [["a2", "a4"], ["a3"], None, ["a2", "a22"], ["a4"]]
    n = len(evidence)
    cols = {
        "id": pa.array([f"imp_{i}" for i in range(n)]),
        "name": pa.array([f"甲{i}" for i in range(n)]),
        "credit_code": pa.array([None, "X", None, "Y", "Z"]),
        "city": pa.array(["苏州市", None, "南京市", "苏州市", ""]),
        "uncertain": pa.array(uncertain, pa.list_(pa.string())),
        "evidence": pa.array(evidence, pa.string()),
    }
    t = pa.table(cols)
    t = pa.concat_tables([t, t.slice(1), t.slice(0, 0)])  # several chunks
    got = queue_rows(t)
    assert got.to_pylist() == _reference_queue(t)
    assert [r["evidence"] for r in got.to_pylist()[:3]] == [
        "a2 经营范围“乙中间体”（未达阈值）",
        "a4 主营产品“丙”（未达阈值）",
        "",
    ]
    assert queue_rows(t.slice(2, 1)).num_rows == 0


def test_fast_ids_step_aside_for_taken_ids_also_those_made_in_an_earlier_chunk():
    ex = Existing(taken={"imp_c1", "a2"})
    dd = Deduper(ex)
    first = dd.fold(pa.array(["A1", None, "C1", "D1"]), pa.array(["甲", "乙", "丙", "丁"]))
    nameless = "imp_n" + hashlib.sha1("乙".encode()).hexdigest()[:12]
    assert first.ids.to_pylist() == ["imp_a1", nameless, "imp_c1_2", "imp_d1"]
    assert (first.action == NEW).all()
    # "c1_2" is no real credit code, but a code is a key like any other: its id was made above
    second = dd.fold(pa.array(["c1_2", "A1", None, "E1"]), pa.array(["戊", "甲", "乙", "己"]))
    assert second.ids.to_pylist()[0] == "imp_c1_2_2"
    assert second.ids.to_pylist()[1:3] == [None, None] and list(second.action[1:3]) == [MERGED, MERGED]
    assert second.target == {1: 0, 2: 1} and second.ids.to_pylist()[3] == "imp_e1"
    assert HAND not in second.action


def test_background_jobs_run_in_order_and_raise_in_the_caller():
    def boom(_x):
        raise OSError(28, "No space left on device")

    done = []
    with Background(depth=1) as bg, pytest.raises(OSError, match="No space"):
        bg.submit(done.append, 1)
        bg.submit(boom, 2)
        bg.submit(done.append, 3)
        bg.finish()
    assert done[0] == 1


def test_streamed_store_is_deterministic_and_the_table_paths_records(mini, tmp_path, monkeypatch):
    """Many chunks (spilled and read back by the helper thread, the store written by another): twice
    the same bytes, and the table path's records; no dictionary for the one-value-a-firm columns,
    statistics for ``placed`` (the loader reads only the placed row groups)."""
    from chainmap.importer import stream

    f = write_csv(tmp_path / "名单.csv", _dup_rows(900))
    monkeypatch.setattr(run, "BLOCK_BYTES", 4096)
    monkeypatch.setattr(stream, "ROW_GROUP", 64)
    monkeypatch.setattr("chainmap.importer.store.ROW_GROUP", 64)
    files = {}
    for label, streamed in (("a", True), ("b", True), ("table", False)):
        monkeypatch.setattr(run, "can_stream", stream.can_stream if streamed else (lambda *a: False))
        o = tmp_path / label / "x.parquet"
        run.run_import(load_library(mini), ImportOptions(file=f, output=o, progress=False, workers=1))
        files[label] = o.read_bytes()
    assert files["a"] == files["b"]
    assert pq.read_table(tmp_path / "a" / "x.parquet").equals(pq.read_table(tmp_path / "table" / "x.parquet"))
    pf = pq.ParquetFile(tmp_path / "a" / "x.parquet")
    assert pf.metadata.num_row_groups > 3
    names = pf.schema_arrow.names
    t = pf.read()
    assert t["placed"].to_pylist() == sorted(t["placed"].to_pylist(), reverse=True)  # placed first
    groups = placed_groups(pf)
    assert 0 < len(groups) < pf.metadata.num_row_groups
    assert sum(pf.metadata.row_group(g).num_rows for g in groups) >= int(np.asarray(t["placed"]).sum()) > 0
    rg = pf.metadata.row_group(0)
    for c in ("id", "name", "credit_code"):
        assert not rg.column(names.index(c)).has_dictionary_page, c
    assert rg.column(names.index("city")).has_dictionary_page
    assert rg.column(names.index("placed")).is_stats_set and not rg.column(names.index("city")).is_stats_set
    assert set(UNIQUE_COLUMNS) <= set(SCHEMA.names)


def test_firm_chains_are_the_chains_of_each_firms_nodes():
    from chainmap.importer.signals import _chains, firm_chains
    from chainmap.store import TIES

    rnd = random.Random(5)
    chains_of = {f"n{i}": sorted(rnd.sample(["pet", "pta", "nylon", "solar"], rnd.randint(0, 3))) for i in range(30)}
    nodes = [*chains_of, "gone"]  # a node no chain holds any more

    def ties():
        return None if rnd.random() < 0.2 else rnd.sample(nodes, rnd.randint(0, 4))

    t = pa.table({k: pa.array([ties() for _ in range(3000)], pa.list_(pa.string())) for k in TIES})
    want = [_chains([r[k] for k in TIES], chains_of) for r in t.to_pylist()]
    assert firm_chains(t, chains_of).to_pylist() == want
    assert firm_chains(t.slice(17, 40), chains_of).to_pylist() == want[17:57]
    assert any(len(w) > 1 for w in want) and any(w == [] for w in want)


@pytest.mark.parametrize("where", ["store", "spill"])
def test_a_full_disk_in_a_helper_thread_stops_the_import_and_leaves_nothing(mini, tmp_path, monkeypatch, where):
    import errno

    from chainmap.errors import UsageError
    from chainmap.importer import records

    f = write_csv(tmp_path / "名单.csv", _dup_rows(600))
    monkeypatch.setattr(run, "BLOCK_BYTES", 4096)

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    if where == "store":
        monkeypatch.setattr(pq.ParquetWriter, "write_table", full)
    else:
        monkeypatch.setattr(records, "write_ipc", full)
    folder = mini / "imported"
    before = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    out = folder / "名单.parquet"  # (the list is small: a Parquet store only when asked)
    with pytest.raises(UsageError, match="磁盘已满"):
        run.run_import(load_library(mini), ImportOptions(file=f, output=out, progress=False, workers=1))
    after = sorted(p.name for p in folder.iterdir() if "lock" not in p.name) if folder.exists() else []
    assert after == before


def test_a_null_slot_keeping_its_bytes_holds_no_marked_byte():
    # empty markers become nulls over the same text buffers: the "-" is still in the data buffer
    from chainmap.importer.columns import emptied
    from chainmap.importer.keys import _rows_with

    col = emptied(pa.array(["ab", "-", "a-b", None]))
    assert col.null_count == 2
    assert _rows_with(col, lambda b: b == ord("-")).tolist() == [False, False, True, False]
