"""The first byte ranges of a big CSV read while the import starts up.

Before the first chunk is cleaned, the importing process spends about a second on one core: importing
its modules, loading the chain library, building the matcher. :func:`start_early_read` uses the idle
core meanwhile: a thread finds the header, cuts the file into the byte ranges the worker processes
would read (:func:`.ranges.byte_ranges`) and parses the first ones (:func:`.ranges.read_range`; Arrow's
parse runs without the interpreter lock). Just before the workers are forked, :meth:`EarlyRead.take`
stops the thread; the parsed ranges reach the workers as inherited memory, and the cut goes on where
the thread left it.

The thread only saves work: it reads with the functions the workers use, so the result is the same
with or without it, and any surprise (a file changed since, another header found, a parse that
disagrees with the cut) makes it give up and leaves the range to the workers and their own checks.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import ranges
from .ranges import ASCII_SAFE, HEADER_SCAN_ROWS, ByteRange

__all__ = ["EARLY_LIMIT", "EarlyRead", "Taken", "start_early_read"]

# ranges parsed ahead at most (~65 MB of text, held until the import ends: the workers inherit it and the
# pools keep freed pages). A first import forks after ~2; an update indexes its stores first (~1.3 s at
# 917k firms): at 24, ~200 MB were parsed meanwhile, its peak 1.09 GB -> ~0.95 GB at 8.
EARLY_LIMIT = 8


@dataclass
class Taken:
    """What the thread got to: the ranges it cut (in order), the parsed tables of the first ones by
    (start, end), and the cut to go on with."""

    ranges: list[ByteRange]
    tables: dict[tuple[int, int], Any]
    rest: Iterator[ByteRange]


@dataclass
class EarlyRead:
    """A CSV's first byte ranges, cut and parsed in a background thread (see the module)."""

    path: Path
    maps: tuple[str, ...] = ()
    block: int = 0  # bytes a range (0: the importer's, :data:`.ranges.BLOCK_BYTES`)
    limit: int = EARLY_LIMIT
    stat: tuple[int, int] = (0, 0)  # (size, mtime_ns) when the thread started
    found: tuple[int, str | None, str | None, int] | None = None  # header row, encoding, delimiter, width
    ranges: list[ByteRange] = field(default_factory=list)
    tables: dict[tuple[int, int], Any] = field(default_factory=dict)
    _cut: Iterator[ByteRange] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> EarlyRead:
        self.block = self.block or ranges.BLOCK_BYTES
        st = os.stat(self.path)
        self.stat = (st.st_size, st.st_mtime_ns)
        self._thread = threading.Thread(target=self._read, name="chainmap-early-read", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """End the thread after the range it is parsing (at most one range's parse, ~25 ms)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def discard(self) -> None:
        """Stop the thread and drop what it read (the import is over, or never began)."""
        self.stop()
        self.ranges, self.tables, self._cut = [], {}, None

    def take(
        self, header_row: int, encoding: str | None, delimiter: str | None, width: int, block: int
    ) -> Taken | None:
        """Stop the thread; what it read, if it read the file the import reads as the import would (the
        same bytes, header, separator and encoding, ranges of the same size), else None."""
        self.stop()
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        same = (st.st_size, st.st_mtime_ns) == self.stat and self.found == (header_row, encoding, delimiter, width)
        same = same and block == self.block
        if not same or self._cut is None:
            return None
        got = Taken(self.ranges, self.tables, self._cut)
        self.ranges, self.tables, self._cut = [], {}, None  # handed over once
        return got

    def _read(self) -> None:
        try:
            self._header()
            if self.found is not None:
                self._parse()
        except Exception:  # noqa: BLE001 - the import itself reads the file again and says what is wrong
            return

    def _header(self) -> None:
        from .headers import find_header, parse_maps
        from .read import open_export

        opened = open_export(self.path)
        try:
            if opened.kind != "csv" or opened.encoding not in ASCII_SAFE:
                return
            head = []
            for row in opened.rows:
                head.append(row)
                if len(head) >= HEADER_SCAN_ROWS or self._stop.is_set():
                    break
            hm = find_header(head, parse_maps(list(self.maps)))
            if hm is not None:
                self.found = (hm.row, opened.encoding, opened.delimiter, len(hm.headers))
        finally:
            opened.close()

    def _parse(self) -> None:
        from .ranges import byte_ranges, column_names, read_range

        assert self.found is not None
        row, encoding, delimiter, width = self.found
        names = column_names(width)
        self._cut = byte_ranges(self.path, row, self.block, encoding, delimiter)
        for r in self._cut:
            self.ranges.append(r)
            if self._stop.is_set() or len(self.tables) >= self.limit:
                return
            self.tables[(r.start, r.end)] = read_range(r, names)


def start_early_read(path: Path, maps: tuple[str, ...] = (), workers: int | None = None) -> EarlyRead | None:
    """Begin reading ``path`` ahead in a background thread, if it is a file big enough for the worker
    processes (``workers``: as :class:`.options.ImportOptions` has it); else None. Pass the result to
    :func:`.run.run_import`, which stops the thread and drops what it read (or call :meth:`EarlyRead.discard`)."""
    if workers == 1 or (os.cpu_count() or 1) < 2:  # no worker processes: nobody would take the ranges
        return None
    import pyarrow  # noqa: F401 - Arrow's allocators first used from this thread, as without the early read

    try:
        if not path.is_file() or path.stat().st_size <= ranges.PARALLEL_BYTES:
            return None
        with path.open("rb") as fh:
            if fh.read(4) in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):  # a workbook: read row by row, no ranges
                return None
    except OSError:
        return None
    return EarlyRead(Path(path), tuple(maps)).start()
