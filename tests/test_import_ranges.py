"""A big CSV cut into byte ranges that the worker processes read: the ranges hold exactly the file's
records with their row numbers, whatever the quoting; a file the cut does not fit (a stray quote) is
read in one stream instead, and a ragged row still goes row by row, with the same result as one
process."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainmap import load_library
from chainmap.importer import ImportOptions, ranges, run
from chainmap.importer.ranges import Disagree, byte_ranges, read_range

from .test_import import write_csv
from .test_import_workers import _import, _rows

# a lone CR outside quotes ends a row for Arrow but not for the cut: such a file disagrees (tested below)
_CELL = st.text(alphabet=st.sampled_from(list('ab甲乙,"\n ；')), max_size=12)


def _cells(path: Path, rs: list[ranges.ByteRange], width: int) -> list[list[str]]:
    out = []
    for r in rs:
        t = read_range(r, [f"c{i}" for i in range(width)])
        assert t.num_rows == r.records
        out += [list(row.values()) for row in t.to_pylist()]
    return out


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=40),
    block=st.integers(min_value=1, max_value=300),
    crlf=st.booleans(),
    bom=st.booleans(),
    quote_all=st.booleans(),
    few=st.sampled_from([1, 2048]),
)
def test_ranges_hold_the_records_with_their_row_numbers(tmp_path_factory, rows, block, crlf, bom, quote_all, few):
    """Quoted line breaks, separators and doubled quotes anywhere, any block size, CRLF or LF, with or
    without a BOM, every cell quoted or only those that need it, quotes walked one by one or counted by
    array (``few``): the ranges together are the file's data rows, each range's first row numbered as
    the csv module counts rows."""
    rows = [r for r in rows if any(c.strip() for c in r)] or [["x", "y", "z"]]
    buf = io.StringIO()
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    csv.writer(buf, lineterminator="\r\n" if crlf else "\n", quoting=quoting).writerows(
        [["标题"], ["甲", "乙", "丙"], *rows]
    )
    path = tmp_path_factory.mktemp("r") / "x.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode())
    before, ranges._FEW = ranges._FEW, few
    try:
        rs = list(byte_ranges(path, 2, block))
    finally:
        ranges._FEW = before
    assert rs[0].start == 0 and rs[-1].end == path.stat().st_size
    assert all(a.end == b.start and b.first == a.first + a.records for a, b in zip(rs, rs[1:], strict=False))
    assert rs[0].first == 3 and sum(r.records for r in rs) == len(rows)
    # what the csv module reads (Arrow, like Excel, keeps a CR inside a quoted cell as it stands)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        expected = list(csv.reader(fh))[2:]
    assert _cells(path, rs, 3) == expected


def test_a_gbk_file_is_cut_and_read_in_its_encoding(tmp_path):
    rows = [["企业名称", "经营范围"]] + [[f"甲{i}化工有限公司", "乙中间体的生产，\n“丙”材料"] for i in range(300)]
    path = write_csv(tmp_path / "x.csv", rows, encoding="gb18030")
    rs = list(byte_ranges(path, 1, 500, "gb18030"))
    assert len(rs) > 5
    assert _cells(path, rs, 2) == rows[1:]


def test_a_stray_quote_makes_the_range_disagree(tmp_path):
    """A quote inside an unquoted cell is text to the parser but flips the quote count: the range
    whose parse disagrees says so (and the import then reads the file in one stream)."""
    path = tmp_path / "x.csv"
    path.write_bytes(b'a,b\n1,x"y\n2,"two\nlines"\n3,z\n4,w\n')
    rs = list(byte_ranges(path, 1, 8))
    with pytest.raises(Disagree):
        _cells(path, rs, 2)


def test_a_ragged_row_in_a_range_disagrees(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n1,2\n3,4,5\n6,7\n")
    (r,) = byte_ranges(path, 1, 1 << 20)
    with pytest.raises(Disagree):
        read_range(r, ["c0", "c1"])


def _odd_rows(n: int) -> list[list[str]]:
    rows = _rows(n)
    for i in range(5, n, 37):  # quoted line breaks and separators inside cells
        rows[i][5] = rows[i][5] + '，\n另："进出口",代理'
    return rows


@pytest.mark.parametrize("kind", ["quoted", "stray quote", "lone CR", "ragged row"])
def test_worker_ranges_give_the_single_process_result(mini, tmp_path, monkeypatch, kind):
    """With the workers reading byte ranges, the stores, rejects and summary are the single-process
    ones; a stray quote falls back to the one-stream reader, a ragged row to the row-by-row reader."""
    rows = _odd_rows(1200)
    f = write_csv(tmp_path / "名单_20240601.csv", rows)
    data = f.read_bytes()
    if kind == "stray quote":  # a quote in the middle of an unquoted cell (text to the parser)
        data = data.replace("甲7化工有限公司".encode(), '甲7"化工有限公司'.encode(), 1)
    if kind == "lone CR":  # a line end for Arrow, not for the cut: the row is ragged
        data = data.replace("甲11化工有限公司".encode(), "甲11\r化工有限公司".encode(), 1)
    if kind == "ragged row":
        data = data.replace("甲9化工有限公司".encode(), "甲9化工有限公司,多出的一列".encode(), 1)
    f.write_bytes(data)
    monkeypatch.setattr(run, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(run, "BLOCK_BYTES", 4096)
    ways: list[tuple[bool, bool]] = []
    real = run._run

    def spy(lib, opts, slow, ranges=True, **kw):
        ways.append((slow, ranges))
        return real(lib, opts, slow, ranges, **kw)

    monkeypatch.setattr(run, "_run", spy)
    one = _import(mini, f, tmp_path / "one" / "x.parquet", 1)
    ways.clear()
    two = _import(mini, f, tmp_path / "two" / "x.parquet", 2)
    assert one == two
    assert (
        one[0][0] == 1200 + (kind == "lone CR") and one[0][5] > 0
    )  # every row read (a lone CR ends one), firms placed
    assert (
        ways
        == {
            "quoted": [(False, True)],
            "stray quote": [(False, True), (False, False)],
            "lone CR": [(False, True), (False, False), (True, True)],
            "ragged row": [(False, True), (False, False), (True, True)],
        }[kind]
    )
    if kind in ("ragged row", "lone CR"):
        assert one[2] and one[5]  # rejected reasons, the rejects file


def test_ranges_are_used_by_the_workers(mini, tmp_path, monkeypatch):
    f = write_csv(tmp_path / "名单_20240601.csv", _odd_rows(600))
    monkeypatch.setattr(run, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(run, "BLOCK_BYTES", 4096)
    seen: list[int] = []
    real = run.byte_ranges

    def spy(*a, **kw):
        for r in real(*a, **kw):
            seen.append(r.records)
            yield r

    monkeypatch.setattr(run, "byte_ranges", spy)
    s = run.run_import(load_library(mini), ImportOptions(file=f, workers=2, progress=False))
    assert len(seen) > 10 and sum(seen) == 600 == s.rows


def test_the_store_bytes_do_not_depend_on_how_the_file_was_cut(mini, tmp_path, monkeypatch):
    """The same export cut into chunks of 64 KB or of 1 MB gives the same files, byte for byte (the
    Parquet writer starts pages where chunks end: the stores are written from one chunk per column)."""
    rng = random.Random(7)
    rows = _rows(40_000)
    for r in rows[1:]:  # texts long enough for several pages a column
        r[6] = "".join(rng.choice("甲乙丙丁戊己庚辛壬癸") for _ in range(40))  # 主营产品, kept in the store
    f = write_csv(tmp_path / "名单_20240601.csv", rows)
    monkeypatch.setattr(run, "PARALLEL_BYTES", 0)
    got = []
    for block in (64 << 10, 1 << 20):
        monkeypatch.setattr(run, "BLOCK_BYTES", block)
        got.append(_import(mini, f, tmp_path / str(block) / "x.parquet", 2))
    assert got[0][0][0] == 40_000 and got[0][6]["x.parquet"]
    assert got[0] == got[1]


def _ends_by_hand(data: bytes) -> tuple[int, int]:
    """Record ends the slow way: walk the bytes, a line feed outside quotes ends a record."""
    inside, ends = False, []
    for i, b in enumerate(data):
        if b == 34:
            inside = not inside
        elif b == 10 and not inside:
            ends.append(i)
    return len(ends), (ends[-1] if ends else -1)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=200).map(lambda b: bytes(x for x in b if x in b'"\n\ra,')), lo=st.integers(0, 5))
def test_record_ends_by_quote_parity_match_the_walk(data, lo):
    """Both ways of finding record ends (quotes one by one, quote parity per line) agree with a byte walk,
    from any offset of the buffer."""
    data = b"x" * lo + data
    want = _ends_by_hand(data[lo:])
    assert ranges._ends(data, lo) == want
    assert ranges._ends_by_parity(np.frombuffer(data, np.uint8, offset=lo)) == want


def test_windows_past_the_first_mapping_granule_are_cut_alike(tmp_path):
    """A file of many mapping granules (windows mapped from an aligned offset below their start):
    the ranges are the records' ends found by a byte walk, with many and with few quotes."""
    rng = random.Random(5)
    rows = [[f'"a{i}\n,b"' if rng.random() < 0.3 else f"r{i}", "x" * rng.randint(0, 90), "甲"] for i in range(4000)]
    path = tmp_path / "big.csv"
    path.write_text("a,b,c\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    data = path.read_bytes()
    inside, ends = False, set()  # the record ends, by a byte walk
    for i, b in enumerate(data):
        inside ^= b == 34
        if b == 10 and not inside:
            ends.add(i)
    for few in (1, 2048):
        before, ranges._FEW = ranges._FEW, few
        try:
            rs = list(byte_ranges(path, 1, 5000))
        finally:
            ranges._FEW = before
        assert len(rs) > 20 and sum(r.records for r in rs) == len(rows)
        assert all(r.start - 1 in ends for r in rs[1:])


def test_ctrl_c_during_a_window_scan_stays_a_ctrl_c(tmp_path, monkeypatch):
    """An interrupt while a mapped window is scanned (its arrays still held by the traceback) reaches the
    caller as the interrupt, not as an error about unmapping the window."""
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 5000)

    def interrupted(buf, lo=0):
        _view = np.frombuffer(buf, np.uint8, offset=lo)
        raise KeyboardInterrupt

    monkeypatch.setattr(ranges, "_ends", interrupted)
    with pytest.raises(KeyboardInterrupt):
        list(byte_ranges(path, 1, 4096))
