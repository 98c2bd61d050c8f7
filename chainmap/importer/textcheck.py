"""What the first bytes of a CSV say before it is parsed: an empty file, a file that is no text (UTF-16
without its mark, binary), a UTF-8 mark (BOM) on text that is not UTF-8, a UTF-8 file with lines in
another encoding. Each is a message that says where (the lines), what and how to fix it; without these
checks such a file was read in the wrong encoding and reported as having no header. A few NUL bytes in
text are no reason to refuse the file: their rows are rejected (:meth:`.rows.Cleaner._nul_rows`)."""

from __future__ import annotations

import codecs
from pathlib import Path

from ..errors import UsageError

__all__ = ["check_head"]

_SHOWN = 5  # lines named in a message
_FIX = "在 Excel 中打开后“另存为 CSV UTF-8”，或另存为 XLSX 后再导入"


def check_head(path: Path, head: bytes, whole: bool) -> None:
    """Raise a located :class:`UsageError` for the problems above in ``head`` (the file's first bytes;
    ``whole``: that is all of it)."""
    if not head.removeprefix(codecs.BOM_UTF8).strip():
        raise UsageError(f"{path.name} 是空文件（没有表头，也没有数据行）：请重新导出后再导入")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    if b"\x00" in head and (why := _not_text(path, head)):
        raise UsageError(why)  # a few NULs in text: their rows are rejected (rows.Cleaner), the rest imports
    body = head.removeprefix(codecs.BOM_UTF8)
    bad = _bad_utf8_lines(body, whole)
    if not bad:
        return
    if head.startswith(codecs.BOM_UTF8):
        looks = "看起来是 GBK/GB18030" if _decodes(body, "gb18030") else "编码无法识别"
        raise UsageError(
            f"{path.name}：文件开头标明是 UTF-8（BOM），但{_lines(bad)}不是 UTF-8（{looks}），按 UTF-8 读取会变成乱码：请"
            f"{_FIX}"
        )
    if _utf8_before(body, bad[0]) >= 4:  # lines of real UTF-8 text before: not a GBK file, a mixed one
        raise UsageError(
            f"{path.name}：前面的行是 UTF-8，{_lines(bad)}却是另一种编码（看起来混用了 UTF-8 和 GBK 等多种编码），"
            f"无法确定按哪种编码读取：请{_FIX}"
        )


def _lines(nums: list[int]) -> str:
    shown = "、".join(f"第{n}行" for n in nums[:_SHOWN])
    return shown + (f"等{len(nums)}行" if len(nums) > _SHOWN else "")


def _decodes(data: bytes, enc: str, final: bool = True) -> bool:
    """Whether ``data`` is text in ``enc`` (``final`` False: a character cut at its end is no fault)."""
    try:
        codecs.getincrementaldecoder(enc)().decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def _bad_utf8_lines(body: bytes, whole: bool) -> list[int]:
    """The 1-based lines of ``body`` that are not UTF-8 (a last line cut by the sample's end is not)."""
    lines = body.split(b"\n")
    if not whole:
        lines = lines[:-1]
    return [n for n, line in enumerate(lines, 1) if not _decodes(line, "utf-8")]


def _utf8_before(body: bytes, line: int) -> int:
    """How many non-ASCII characters the lines before ``line`` hold (they are valid UTF-8)."""
    text = b"\n".join(body.split(b"\n")[: line - 1]).decode("utf-8")
    return sum(ord(c) > 127 for c in text)


def _not_text(path: Path, head: bytes) -> str | None:
    """Why a file with NUL bytes cannot be read as text, or None when it is text with a few NULs."""
    if _utf16_without_mark(head):
        return (
            f"{path.name} 看起来是不带 BOM 标记的 UTF-16 文本（每个英文字符后跟一个 NUL 字节），无法确定字节顺序："
            f"请{_FIX}"
        )
    rest = head.removeprefix(codecs.BOM_UTF8).replace(b"\x00", b"")
    if not (_decodes(rest, "utf-8", False) or _decodes(rest, "gb18030", False)):  # no text with NULs in it
        return f"{path.name} 看起来不是文本（CSV）文件（约 {head.count(0) * 100 // len(head)}% 的字节是 NUL）：请导出为 CSV 或 XLSX"
    return None


def _utf16_without_mark(head: bytes) -> bool:
    """Line ends and separators each with a NUL beside them, as UTF-16 writes ASCII."""
    le = head.count(b"\n\x00") + head.count(b",\x00") + head.count(b"\t\x00")
    be = head.count(b"\x00\n") + head.count(b"\x00,") + head.count(b"\x00\t")
    return max(le, be) >= 4 and max(le, be) * 2 >= head.count(b"\n") + head.count(b",") + head.count(b"\t")
