"""Open an export as a stream of rows: CSV in UTF-8, UTF-8 with BOM, GBK/GB18030 or UTF-16 (detected),
comma / tab / semicolon separated; XLSX (first sheet or a named one) through openpyxl's read-only mode.

Rows are yielded one by one with their 1-based row number as a spreadsheet shows it (a cell holding a
line break is still one row), so memory stays bounded whatever the file's size.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..ziplimits import check_inflation
from .ranges import column_names
from .textcheck import check_head

ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8（带BOM）", "gb18030": "GBK/GB18030", "utf-16": "UTF-16"}
_SAMPLE = 256 * 1024


def detect_encoding(head: bytes) -> str:
    """The encoding of a CSV from its first bytes: a BOM decides; else strict UTF-8; else GB18030
    (a superset of GBK and GB2312, what Chinese Excel writes); else charset-normalizer's best guess."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for enc in ("utf-8", "gb18030"):
        try:
            head.decode(enc)
            return enc
        except UnicodeDecodeError as err:
            if err.start >= len(head) - 4 and len(head) >= _SAMPLE:  # a character cut by the sample's end
                return enc
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(head).best()
        if best is not None and best.encoding:
            return best.encoding
    except ImportError:  # optional: without it, GB18030 with replacement characters is the safest guess
        pass
    return "gb18030"


def sniff_delimiter(text: str) -> str:
    """The separator that occurs most often on the first lines (Excel's 'Unicode text' export uses tabs)."""
    lines = [ln for ln in text.splitlines()[:30] if ln.strip()]
    counts = {d: sum(ln.count(d) for ln in lines) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass
class Opened:
    """An export opened for streaming."""

    path: Path
    kind: str  # csv | xlsx
    rows: Iterator[tuple[int, list[Any]]]
    size: int  # total for progress: bytes (csv) or rows (xlsx)
    position: Callable[[], int]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    file_date: dt.date | None = None  # from the workbook's properties (xlsx)
    _close: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for fn in self._close:
            fn()

    @property
    def encoding_label(self) -> str | None:
        return ENCODING_LABELS.get(self.encoding or "", self.encoding)


def open_export(path: Path, sheet: str | None = None) -> Opened:
    """Open ``path`` (CSV or XLSX, told by content, not only by name). Raises UsageError with a
    message for officers when the file cannot be read."""
    if not path.exists():
        raise UsageError(f"找不到文件 {path}：请检查路径和文件名")
    if path.is_dir():
        raise UsageError(f"{path} 是文件夹，请给出导出的 CSV 或 XLSX 文件")
    if not path.is_file():  # a pipe would block the read, a device never end
        raise UsageError(f"{path} 不是普通文件（管道或设备）：请给出导出的 CSV 或 XLSX 文件")
    with path.open("rb") as fh:
        magic = fh.read(8)
    suffix = path.suffix.lower()
    if magic.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, sheet)
    if magic.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise UsageError(f"{path.name} 是旧版 Excel（.xls）文件：请在 Excel 中“另存为” .xlsx 或 CSV（UTF-8）后再导入")
    if suffix in (".xlsx", ".xlsm"):
        raise UsageError(f"{path.name} 不是有效的 XLSX 文件（可能已损坏，或是改了扩展名的其他文件）")
    if sheet:
        raise UsageError("--sheet 只用于 XLSX 文件")
    return _open_csv(path)


def _open_csv(path: Path) -> Opened:
    raw = path.open("rb")
    head = raw.read(_SAMPLE)
    raw.seek(0)
    try:
        check_head(path, head, whole=len(head) < _SAMPLE)
    except UsageError:
        raw.close()
        raise
    encoding = detect_encoding(head)
    text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
    delimiter = sniff_delimiter(head.decode(encoding if encoding != "utf-16" else "utf-16", errors="ignore"))
    reader = csv.reader(text, delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        n = 0
        try:
            for cells in reader:
                n += 1
                yield n, cells
        except csv.Error as err:
            hint = (
                "（单元格过长：命令行会放宽此限制；在 Python 中请先调用 csv.field_size_limit）"
                if "limit" in str(err)
                else ""
            )
            raise UsageError(f"{path.name} 第{n + 1}行附近无法按 CSV 解析：{err}{hint}") from err

    size = path.stat().st_size
    return Opened(path, "csv", rows(), size, raw.tell, encoding, delimiter, _close=[text.close])


# An export of a million rows unpacks to well under 1 GB; the shared check's default is for ledgers.
MAX_UNPACKED = 4 << 30


def first_undecodable_line(path: Path, limit: int = 1 << 30) -> int | None:
    """The first line (1-based) that is not valid in the encoding the file's start is in; None if all are."""
    with path.open("rb") as fh:
        head = fh.read(_SAMPLE)
        enc = detect_encoding(head)
        if enc in ("utf-16",):
            return None
        fh.seek(0)
        decoder = codecs.getincrementaldecoder(enc)()
        seen = 0
        for n, line in enumerate(fh, 1):
            seen += len(line)
            try:
                decoder.decode(line)
            except UnicodeDecodeError:
                return n
            if seen > limit:
                return None
    return None


def _open_xlsx(path: Path, sheet: str | None) -> Opened:
    import zipfile

    import openpyxl

    check_inflation(path, max_unpacked=MAX_UNPACKED)  # a zip bomb is refused before anything is unpacked
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        raise UsageError(f"{path.name} 无法作为 XLSX 打开：{err}") from err
    if sheet is not None:
        if sheet not in wb.sheetnames:
            names = "、".join(wb.sheetnames)
            wb.close()
            raise UsageError(f"{path.name} 中没有名为“{sheet}”的工作表；已有：{names}")
        ws = wb[sheet]
    else:
        ws = wb.worksheets[0]
    total = ws.max_row or 0
    state = {"row": 0}

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for cells in ws.iter_rows(values_only=True):
            state["row"] += 1
            yield state["row"], list(cells)

    modified = getattr(wb.properties, "modified", None) or getattr(wb.properties, "created", None)
    file_date = modified.date() if isinstance(modified, dt.datetime) else None
    return Opened(
        path, "xlsx", rows(), total, lambda: state["row"], sheet=ws.title, file_date=file_date, _close=[wb.close]
    )


# -- chunks ----------------------------------------------------------------------------------------


class SlowPath(Exception):
    """The fast CSV reader met a row whose cell count differs from the header's: read again with the
    row-by-row reader, which keeps exact row numbers for such rows."""


Chunk = tuple[list[Any], list[int], list[tuple[int, list[Any], str]]]  # columns, row numbers, early rejects


def row_chunks(rows: Iterator[tuple[int, list[Any]]], width: int, size: int) -> Iterator[Chunk]:
    """Rows (CSV read by the csv module, or XLSX) grouped into chunks of columns. Blank rows are
    dropped; short rows padded; rows with more cells than the header are rejected here."""
    from .columns import as_strings

    buf: list[list[Any]] = []
    nums: list[int] = []
    early: list[tuple[int, list[Any], str]] = []
    for rownum, cells in rows:
        if not any(c is not None and (c.__class__ is not str or c.strip()) for c in cells):
            continue
        n = len(cells)
        if n != width:
            if n > width and any(c not in (None, "") for c in cells[width:]):
                early.append((rownum, list(cells), f"本行有{n}列，多于表头的{width}列（可能含未加引号的逗号）"))
                continue
            cells = list(cells[:width]) + [None] * (width - n)
        buf.append(cells)
        nums.append(rownum)
        if len(buf) >= size:
            yield as_strings(buf, width), nums, early
            buf, nums, early = [], [], []
    if buf or early:
        yield as_strings(buf, width), nums, early


def csv_fast_chunks(opened: Opened, header_row: int, width: int, block_size: int = 16 << 20) -> Iterator[Chunk]:
    """The CSV body read by Arrow's multi-threaded reader, every cell as text. Row numbers count
    records as the csv module does (a blank line is a row); raises :class:`SlowPath` at the first row
    whose cell count differs from the header's, since Arrow drops such rows without saying where."""
    import pyarrow as pa

    bad: list[str] = []

    def invalid(row: Any) -> str:
        bad.append(row.text)
        return "skip"

    names = column_names(width)
    try:
        reader = _open_arrow_csv(opened, header_row, names, block_size, invalid)
    except pa.ArrowInvalid as err:
        raise encoding_error(opened.path, err) from None
    done = {"bytes": 0}
    opened.position = lambda: done["bytes"]
    first = header_row + 1
    try:
        for batch in _batches(reader, opened.path):
            if bad:
                raise SlowPath(bad[0])
            n = batch.num_rows
            done["bytes"] = min(opened.size, done["bytes"] + int(batch.nbytes))
            yield list(batch.columns), list(range(first, first + n)), []
            first += n
    finally:
        # the reader's threads end now, not while Python shuts down after Ctrl-C (they hold the Python
        # row handler: releasing it then aborted the process, "terminate called without an active exception")
        reader.close()
    if bad:
        raise SlowPath(bad[0])


def _open_arrow_csv(opened: Opened, header_row: int, names: list[str], block_size: int, invalid: Any) -> Any:
    import pyarrow.csv as pcsv

    read_opts, parse_opts, convert_opts = csv_options(
        opened.encoding, opened.delimiter, header_row, names, block_size, invalid
    )
    return pcsv.open_csv(opened.path, read_options=read_opts, parse_options=parse_opts, convert_options=convert_opts)


def csv_options(
    encoding: str | None,
    delimiter: str | None,
    skip_rows: int,
    names: list[str],
    block_size: int,
    invalid: Any,
    use_threads: bool = True,
) -> tuple[Any, Any, Any]:
    """Arrow's read, parse and convert options for an export: every cell as text (never null), line
    breaks inside quoted cells, blank lines kept as rows (they count in the row numbers), ``invalid``
    called for a row whose cell count differs from the header's."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    read_opts = pcsv.ReadOptions(
        skip_rows=skip_rows,
        column_names=names,
        block_size=block_size,
        use_threads=use_threads,
        # Arrow skips a UTF-8 BOM itself; transcoding through Python would be slower
        encoding="utf8" if encoding in (None, "utf-8", "utf-8-sig") else encoding,
    )
    parse_opts = pcsv.ParseOptions(
        delimiter=delimiter or ",", newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=invalid
    )
    convert_opts = pcsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False, quoted_strings_can_be_null=False
    )
    return read_opts, parse_opts, convert_opts


def _batches(reader: Any, path: Path) -> Iterator[Any]:
    """Arrow's record batches; a cell that is not text in the file's encoding is a located message."""
    import pyarrow as pa

    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid as err:
            raise encoding_error(path, err) from None
        yield batch


def encoding_error(path: Path, err: Exception) -> UsageError:
    line = first_undecodable_line(path)
    where = f"第{line}行" if line else "某处"
    return UsageError(
        f"{path.name}：{where}无法按文件开头的编码读取（文件可能混用了 UTF-8 和 GBK 等多种编码，"
        f"或不是文本）：{str(err)[:120]}。请在 Excel 中打开后“另存为 CSV UTF-8”，或另存为 XLSX 后再导入"
    )
