"""A big CSV cut into byte ranges that the worker processes read themselves, so the importing process
never parses the file: it only finds where records end and how many there are before each range
(the row numbers), a few milliseconds per range.

A record ends at a line feed outside quotes. Quotes are counted from the start of the range (which
starts a record), so a line feed is a record's end when an even number of quotes comes before it in
the range. That is how the CSV parser reads a well-formed file. Where a file is not (a stray quote
inside a field, a lone carriage return as line end), the worker's parse disagrees with the count: the
worker then raises :class:`Disagree` and the import starts again reading the file in one stream
(:func:`.read.csv_fast_chunks`), which keeps every row's exact number.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ASCII_SAFE", "ByteRange", "Disagree", "byte_ranges", "column_names", "read_range"]

# encodings in which a line feed, a quote and the separators are single bytes that never occur inside
# another character (GB18030's and Big5's trail bytes are >= 0x30 / 0x40)
ASCII_SAFE = {None, "utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "big5", "ascii"}
_LF, _QUOTE = 10, 34
HEADER_SCAN_ROWS = 30  # rows looked through for the header
PARALLEL_BYTES = 8 << 20  # CSVs larger than this are cleaned and matched in worker processes
BLOCK_BYTES = 8 << 20  # a chunk of a CSV: the peak memory of an import is a few chunks' worth


class Disagree(Exception):
    """A range's parse disagrees with the record count found by the split: read the file in one stream."""


@dataclass(frozen=True)
class ByteRange:
    """Bytes ``start``..``end`` of ``path`` holding ``records`` whole records; the first of them (after
    ``skip`` records: the rows above and including the header, in the first range only) is row
    ``first``. ``encoding`` and ``delimiter``: the file's."""

    path: str
    start: int
    end: int
    skip: int
    first: int
    records: int
    encoding: str | None = None
    delimiter: str | None = None


_FEW = 2048  # quotes in a window walked one by one; more (an export quoting every cell): by array


def _ends(buf: bytes | mmap.mmap, lo: int = 0) -> tuple[int, int]:
    """The number of record ends (line feeds outside quotes) in ``buf[lo:]`` (which starts a record)
    and the offset of the last one from ``lo`` (-1: none)."""
    arr = np.frombuffer(buf, np.uint8, offset=lo)
    quotes, at = [], buf.find(b'"', lo)
    while at >= 0 and len(quotes) < _FEW:  # most exports quote a few cells: found with memchr
        quotes.append(at - lo)
        at = buf.find(b'"', at + 1)
    if at >= 0:  # many quotes: by array
        return _ends_by_parity(arr)
    inside = 0  # line feeds within quoted spans (a quote left open spans to the end)
    for a, b in zip(quotes[::2], [*quotes[1::2], len(arr)], strict=False):
        inside += int(np.count_nonzero(arr[a:b] == _LF))
    n = int(np.count_nonzero(arr == _LF)) - inside
    last = buf.rfind(b"\n", lo)
    while last >= 0 and quotes and (np.searchsorted(quotes, last - lo) & 1):
        last = buf.rfind(b"\n", lo, last)  # inside quotes: the one before
    return n, (last - lo if n else -1)


def _ends_by_parity(arr: np.ndarray) -> tuple[int, int]:
    """:func:`_ends` for a window full of quotes: the parity of the quotes of each line (from the line feed
    before it to its own) by one xor-reduction, then a running xor over the lines -- no array of
    every quote's offset (on an export quoting every cell, far bigger than the text)."""
    lf = np.flatnonzero(arr == _LF)
    if not len(lf):
        return 0, -1
    quote = (arr[: lf[-1] + 1] == _QUOTE).view(np.uint8)
    odd = np.bitwise_xor.reduceat(quote, np.concatenate(([0], lf[:-1] + 1)))
    ends = lf[np.bitwise_xor.accumulate(odd) == 0]  # an even number of quotes before it
    return len(ends), int(ends[-1]) if len(ends) else -1


def byte_ranges(
    path: Path, header_row: int, block: int, encoding: str | None = None, delimiter: str | None = None
) -> Iterator[ByteRange]:
    """``path`` cut into ranges of about ``block`` bytes at record ends, with the row number of each
    range's first data row (the row after the header is ``header_row + 1``). Raises :class:`Disagree`
    for a record longer than 64 MB. The file is scanned window by window, each mapped for its scan
    only (no copy of the bytes, and a mapping of the whole file would count every page read in this
    process's memory)."""
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        start, row, skip = 0, header_row + 1, header_row
        while start < size:
            end, records = _cut(fh.fileno(), start, size, block, skip + 1)
            if end <= start:  # pragma: no cover - a cut ends past a record end; guards the loop all the same
                raise Disagree(f"no progress at byte {start}")
            if records < skip:  # the file ends at or above its header
                return
            if records > skip:
                yield ByteRange(str(path), start, end, skip, row, records - skip, encoding, delimiter)
            row += records - skip
            start, skip = end, 0


_LONGEST = 64 << 20  # a record longer than this is no export's: the one-stream reader says what it is


def _cut(fd: int, start: int, size: int, block: int, need: int) -> tuple[int, int]:
    """The end of the range starting at ``start`` (after its last whole record within ``block``
    bytes, more if fewer than ``need`` records end there; or the end of the file) and the number of
    records in it."""
    end = min(start + block, size)
    while True:
        n, last = _scan(fd, start, end)
        if end == size:  # the last range: a last record without a line feed counts too
            return size, n + int(last != end - start - 1)
        if n >= need:
            return start + last + 1, n
        if end - start >= _LONGEST:
            raise Disagree(f"no record end within {end - start} bytes of byte {start}")
        end = min(start + 2 * (end - start), size)


def _scan(fd: int, start: int, end: int) -> tuple[int, int]:
    """:func:`_ends` of bytes ``start``..``end`` of the file, through a mapping unmapped at once."""
    base = start - start % mmap.ALLOCATIONGRANULARITY  # a mapping starts at a multiple of this
    window = mmap.mmap(fd, end - base, offset=base, access=mmap.ACCESS_READ)
    try:
        return _ends(window, start - base)
    finally:
        try:
            window.close()
        except BufferError:  # an error (Ctrl-C) left the scan's arrays in its traceback: unmapped with them
            pass


def column_names(width: int) -> list[str]:
    """The names Arrow gives a read's columns (the header row is found and mapped apart)."""
    return [f"c{i}" for i in range(width)]


def read_range(r: ByteRange, names: list[str]) -> Any:
    """The range's cells as an Arrow table, every cell as text (one thread: the worker processes are
    the parallelism). Raises :class:`Disagree` when the parse does not find the records the split
    counted, or finds a row whose cell count differs from the header's (a ragged row, or a cut that
    does not fit the file: the one-stream reader tells them apart)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from .read import csv_options

    bad: list[str] = []

    def invalid(row: Any) -> str:
        bad.append(row.text)
        return "skip"

    with pa.memory_map(r.path) as src:  # the page cache read in place: no copy of the range first
        src.seek(r.start)
        data = src.read_buffer(r.end - r.start)
    block = max(1 << 20, len(data) + 1)  # one block: the range is already a chunk
    options = csv_options(r.encoding, r.delimiter, r.skip, names, block, invalid, use_threads=False)
    try:
        table = pcsv.read_csv(pa.BufferReader(data), *options)
    except pa.ArrowInvalid as err:  # undecodable bytes, a quote left open: the one-stream reader says where
        raise Disagree(str(err)[:200]) from None
    if bad:  # a ragged row, or a cut inside a cell: the one-stream reader tells them apart
        raise Disagree(f"bytes {r.start}-{r.end}: a row of {len(bad[0].split(r.delimiter or ','))} cells")
    if table.num_rows != r.records:
        raise Disagree(f"bytes {r.start}-{r.end}: {table.num_rows} rows parsed, {r.records} counted")
    return table
