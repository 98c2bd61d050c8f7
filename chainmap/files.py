"""Writing files safely: atomically (a crash never leaves half a file) and as UTF-8.

A neutral module: the loader, the importer and the presenters all write through it, so none of them
imports another layer to do so. A write that fails (read-only folder, full disk, a folder where a
file should go) raises :class:`~chainmap.errors.OutputError` naming the path and the fix, and leaves
the old file, if any, untouched.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> write_atomic(d / "a.txt", "连云港").read_text(encoding="utf-8")
'连云港'
>>> sorted(p.name for p in d.iterdir())  # no temporary file left behind
['a.txt']
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import OutputError, UsageError

__all__ = ["atomic_path", "output_error", "write_atomic"]

_FIXES = {  # what to do, in Chinese (officers read it); the system's reason stays before it
    errno.ENOSPC: "磁盘已满：请清理空间，或写到另一块磁盘",
    errno.EDQUOT: "磁盘配额已用完：请清理空间，或写到别处",
    errno.EACCES: "没有写入权限：请换一个有权限的文件夹",
    errno.EPERM: "没有写入权限：请换一个有权限的文件夹",
    errno.EROFS: "该位置在只读磁盘上：请换一个文件夹",
    errno.EISDIR: "已有同名的文件夹：请给出文件名",
    errno.ENOTDIR: "路径中有一段是文件而不是文件夹：请检查路径",
    errno.ENAMETOOLONG: "文件名太长：请换一个短些的名字",
}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def output_error(path: str | Path, err: OSError) -> OutputError:
    """An :class:`OutputError` for a failed write to ``path``, with the reason and the fix.

    >>> import errno
    >>> str(output_error("out/a.csv", OSError(errno.ENOSPC, "No space left on device")))
    '无法写入 out/a.csv：No space left on device（磁盘已满：请清理空间，或写到另一块磁盘）'
    """
    reason = err.strerror or str(err)
    fix = _FIXES.get(err.errno or 0, "请检查路径，以及是否有写入权限")
    return OutputError(f"无法写入 {path}：{reason}（{fix}）")


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path in the folder of ``path`` to write to; on success it replaces ``path`` in one
    rename, on failure it is removed and ``path`` is left as it was. An :class:`OSError` while
    creating, writing or renaming becomes an :class:`OutputError` naming ``path``."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as err:
        raise output_error(path, err) from err
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a normal file follows the umask
        os.replace(tmp, path)
    except OSError as err:
        _remove(tmp)
        raise output_error(path, err) from err
    except BaseException:
        _remove(tmp)
        raise


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` through a temporary file and an atomic rename.

    Returns ``path`` as a :class:`~pathlib.Path`; raises :class:`OutputError` when it cannot be written
    (nothing half-written stays behind).
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


def workbook_bytes(wb: Any) -> bytes:
    """An openpyxl workbook's bytes with fixed document properties and zip timestamps, so that the same
    tables give the same bytes; the creator ``chainmap`` marks it as ours (see present/guard.py)."""
    import datetime as dt
    import io
    import re
    import zipfile

    wb.properties.creator = "chainmap"
    wb.properties.created = wb.properties.modified = dt.datetime(2000, 1, 1)
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", data)
            dst.writestr(fixed, data)
    return out.getvalue()


def decode_saved_csv(data: bytes, path: str | Path, then: str = "") -> str:
    """The text of a CSV an officer saved: Excel writes UTF-8 (with its mark) or, on a Chinese Windows,
    GBK (read as its superset GB18030). Anything else is a UsageError saying how to save it; ``then``
    ends that advice (what to do after saving).

    Examples
    --------
    >>> decode_saved_csv("决定,编号".encode("gbk"), "待审核.csv")
    '决定,编号'
    >>> decode_saved_csv(b"\\xff\\xfe\\x00", "待审核.csv", "后再应用")
    Traceback (most recent call last):
    ...
    chainmap.errors.UsageError: 待审核.csv：无法识别文件编码：请在 Excel 中另存为“CSV UTF-8”后再应用
    """
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UsageError(f"{path}：无法识别文件编码：请在 Excel 中另存为“CSV UTF-8”{then}")
