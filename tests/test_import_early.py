"""The first byte ranges of a big CSV read in a thread while the import starts up: the ranges and tables
it hands over are the workers' own, the workers use them instead of parsing again, and the import's
result is the one without it -- also when the file changed meanwhile or does not fit the cut."""

from __future__ import annotations

import os
import threading

import pytest

from chainmap import load_library
from chainmap.errors import UsageError
from chainmap.importer import ImportOptions, early, ranges, run, workers
from chainmap.importer.early import EarlyRead, start_early_read
from chainmap.importer.ranges import byte_ranges, read_range

from .conftest import run_cli
from .test_import import write_csv
from .test_import_workers import _import, _rows

WIDTH = 8  # the columns of test_import_workers' rows
BLOCK = 4096
ENC = "utf-8-sig"  # write_csv writes a BOM


def _names() -> list[str]:
    return [f"c{i}" for i in range(WIDTH)]


def _threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "chainmap-early-read"]


def _wait_for(er: EarlyRead, n: int) -> None:
    """Until the thread has parsed ``n`` ranges (or ended)."""
    for _ in range(2000):
        if len(er.tables) >= n or er._thread is None or not er._thread.is_alive():
            return
        threading.Event().wait(0.005)


def test_the_ranges_handed_over_are_the_cut_and_the_parse_of_the_workers(tmp_path):
    f = write_csv(tmp_path / "名单_20240601.csv", _rows(900))
    er = EarlyRead(f, block=BLOCK, limit=5).start()
    _wait_for(er, 5)
    got = er.take(1, ENC, ",", WIDTH, BLOCK)
    assert got is not None and not _threads()
    whole = list(byte_ranges(f, 1, BLOCK, ENC, ","))
    assert len(whole) > 10
    assert [*got.ranges, *got.rest] == whole  # the cut goes on where the thread left it
    assert len(got.tables) == 5 and set(got.tables) == {(r.start, r.end) for r in whole[:5]}
    for r in whole[:5]:
        assert got.tables[(r.start, r.end)].equals(read_range(r, _names()))
    assert er.take(1, ENC, ",", WIDTH, BLOCK) is None  # handed over once


@pytest.mark.parametrize("change", ["file", "header", "block", "width"])
def test_nothing_is_handed_over_when_the_import_reads_otherwise(tmp_path, change):
    f = write_csv(tmp_path / "名单_20240601.csv", _rows(300))
    er = EarlyRead(f, block=BLOCK).start()
    _wait_for(er, 2)
    if change == "file":  # rewritten meanwhile: same size, another modification time
        er.stop()
        st = f.stat()
        os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    args = {"header": (2, ENC, ",", WIDTH, BLOCK), "block": (1, ENC, ",", WIDTH, 2 * BLOCK)}
    args["width"] = (1, ENC, ",", WIDTH + 1, BLOCK)
    assert er.take(*args.get(change, (1, ENC, ",", WIDTH, BLOCK))) is None
    assert not _threads()


def test_no_early_read_for_small_files_one_process_or_a_workbook(tmp_path, monkeypatch):
    f = write_csv(tmp_path / "x.csv", _rows(50))
    assert start_early_read(f) is None  # below the size the worker processes are for
    monkeypatch.setattr(ranges, "PARALLEL_BYTES", 0)
    assert start_early_read(f, workers=1) is None
    er = start_early_read(f)
    assert er is not None
    er.stop()
    book = tmp_path / "x.xlsx"
    book.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    assert start_early_read(book) is None  # a workbook: no thread at all
    er = EarlyRead(book, block=BLOCK).start()
    assert er.take(1, ENC, ",", WIDTH, BLOCK) is None  # not a CSV: nothing read


@pytest.mark.parametrize("stray", [False, True])
def test_the_workers_use_the_early_tables_and_the_result_is_unchanged(mini, tmp_path, monkeypatch, stray):
    """The workers parse only the ranges the early read did not; the stores, rejects and summary are
    those of an import without it -- also for a file whose cut disagrees with the parse (a stray quote
    in a range the thread parsed: the import then reads the file in one stream)."""
    f = write_csv(tmp_path / "名单_20240601.csv", _rows(1200))
    if stray:
        f.write_bytes(f.read_bytes().replace("甲7化工有限公司".encode(), '甲7"化工有限公司'.encode(), 1))
    monkeypatch.setattr(run, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(run, "BLOCK_BYTES", BLOCK)
    plain = _import(mini, f, tmp_path / "plain" / "x.parquet", 2)
    parsed = tmp_path / "parsed.txt"  # the ranges the (forked) workers parsed themselves
    real = workers.read_range

    def spy(r, names):
        with parsed.open("a") as fh:
            fh.write(f"{r.start}\n")
        return real(r, names)

    monkeypatch.setattr(workers, "read_range", spy)
    er = EarlyRead(f, block=BLOCK, limit=6).start()
    _wait_for(er, 6)
    opts = ImportOptions(file=f, output=tmp_path / "early" / "x.parquet", workers=2, progress=False)
    run.run_import(load_library(mini), opts, er)
    assert not _threads() and not workers.EARLY and not er.tables  # stopped; nothing left in this process
    if not stray:  # the workers parsed every range but the six the thread did
        whole = [r.start for r in byte_ranges(f, 1, BLOCK, ENC, ",")]
        assert sorted(int(x) for x in parsed.read_text().split()) == whole[6:]
    out = tmp_path / "early" / "x.parquet"
    assert {p.name: p.read_bytes() for p in sorted(out.parent.iterdir()) if p.suffix != ".tmp"} == plain[6]


def test_the_cli_reads_early_and_gives_the_same_result(mini, tmp_path, monkeypatch):
    f = write_csv(tmp_path / "名单_20240601.csv", _rows(1200))
    monkeypatch.setattr(run, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(run, "BLOCK_BYTES", BLOCK)
    monkeypatch.setattr(ranges, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(ranges, "BLOCK_BYTES", BLOCK)
    started = []
    real = early.start_early_read

    def spy(*a, **kw):
        er = real(*a, **kw)
        started.append(er)
        return er

    monkeypatch.setattr(early, "start_early_read", spy)
    a = run_cli("--chains", str(mini), "import", str(f), "-o", str(tmp_path / "a" / "x.parquet"), "--format", "json")
    b = run_cli("--chains", str(mini), "import", str(f), "-o", str(tmp_path / "b" / "x.parquet"), "--workers", "1")
    assert a.returncode == b.returncode == 0, a.stderr + b.stderr
    assert isinstance(started[0], EarlyRead) and started[1] is None and not _threads()
    assert (tmp_path / "a" / "x.parquet").read_bytes() == (tmp_path / "b" / "x.parquet").read_bytes()


def test_a_library_that_fails_to_load_stops_the_early_read(tmp_path, monkeypatch):
    f = write_csv(tmp_path / "名单_20240601.csv", _rows(600))
    monkeypatch.setattr(ranges, "PARALLEL_BYTES", 0)
    bad = tmp_path / "chains"
    bad.mkdir()
    (bad / "x.yaml").write_text("chain: [unclosed\n", encoding="utf-8")
    r = run_cli("--chains", str(bad), "import", str(f), "--format", "json")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert not _threads()


def test_an_import_that_fails_before_the_workers_drops_what_was_read(mini, tmp_path):
    f = write_csv(tmp_path / "名单_20240601.csv", _rows(600))
    er = EarlyRead(f, block=BLOCK, limit=3).start()
    _wait_for(er, 3)
    assert len(er.tables) == 3
    mine = tmp_path / "mine.parquet"
    mine.write_bytes(b"hand-made, not chainmap's")  # an output the import refuses to replace
    with pytest.raises(UsageError):
        run.run_import(load_library(mini), ImportOptions(file=f, output=mine, workers=2, progress=False), er)
    assert not er.tables and not _threads() and mine.read_bytes() == b"hand-made, not chainmap's"


def test_one_process_drops_the_early_ranges_before_it_reads(mini, tmp_path, monkeypatch):
    """Without worker processes nobody takes the ranges: they go before the file is read again."""
    f = write_csv(tmp_path / "名单_20240601.csv", _rows(600))
    monkeypatch.setattr(run, "PARALLEL_BYTES", 0)
    er = EarlyRead(f, block=BLOCK, limit=3).start()
    _wait_for(er, 3)
    seen = []
    real = run._pump

    def spy(r, chunks, tick):
        seen.append(len(er.tables))
        return real(r, chunks, tick)

    monkeypatch.setattr(run, "_pump", spy)
    opts = ImportOptions(file=f, output=tmp_path / "one" / "x.parquet", workers=1, progress=False)
    s = run.run_import(load_library(mini), opts, er)
    assert s.rows == 600 and seen == [0] and not _threads()
