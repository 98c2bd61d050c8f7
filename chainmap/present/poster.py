"""Posters of the 招商图谱 (A3 / A4 landscape, 16:9 for PowerPoint): SVG written here with text as text;
PDF and PNG converted from it by CairoSVG (cairo), no browser needed.

Fonts: the SVG names a CJK font stack (Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, SimHei, ...)
so any viewer picks what the machine has. Cairo takes one family name, so for PDF and PNG
:func:`cjk_font` looks for an installed CJK font (Noto Sans CJK / Source Han on Linux, Microsoft YaHei or
SimHei on Windows, PingFang on macOS) and the PDF embeds the subset of it that the poster uses.

Examples
--------
>>> wrap("聚酯熔体切片", 3)
['聚酯熔', '体切片']
>>> SIZES["a3"][:2]
(1587, 1123)
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from ..errors import UsageError
from .layout import text_width

__all__ = ["SIZES", "cjk_font", "poster_svg", "to_pdf", "to_png", "wrap"]

# name -> (width px, height px at 96 px/inch, width mm, height mm)
SIZES = {
    "a3": (1587, 1123, 420.0, 297.0),
    "a4": (1123, 794, 297.0, 210.0),
    "ppt": (1280, 720, 338.67, 190.5),
}
FONT_STACK = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', SimHei, sans-serif"
MARKER = "chainmap"
PNG_DPI = 150
# palette key of atlas.state -> (fill, stroke, dashed, stroke width)
FILLS = {
    "strong": ("#d5efcf", "#2e7d32", False, 2),
    "weak": ("#ffe8ad", "#c77c00", False, 2),
    "weak-none": ("#ffe8ad", "#c77c00", False, 2),
    "fill": ("#fcd3cf", "#c62828", False, 3.5),
    "extend": ("#fcd3cf", "#c62828", True, 2.5),
    "none": ("#f4ecec", "#b79a98", False, 1.5),
    "role": ("#e3eef7", "#5c7fa3", False, 1.5),
    "unknown": ("#e8edf1", "#78909c", False, 1.5),
}
LEGEND = (
    ("strong", "强"),
    ("weak", "弱·强链"),
    ("fill", "缺失·补链"),
    ("extend", "缺失·延链"),
    ("none", "暂非优先"),
    ("role", "资源保障/配套服务"),
)


NO_LINE_START = "）)、，。；：！？」』"


def wrap(text: str, cells: float) -> list[str]:
    """Cut ``text`` into lines of about ``cells`` CJK cells (Latin counts about half); closing punctuation
    stays at the end of a line (it may stick out by one character) rather than start the next."""
    lines, cur, used = [], "", 0.0
    for ch in text:
        w = text_width(ch)
        if cur and used + w > cells and ch not in NO_LINE_START:
            lines.append(cur)
            cur, used = "", 0.0
        cur += ch
        used += w
    if cur:
        lines.append(cur)
    return lines or [""]


def _box_lines(ln: dict[str, Any], cells: float) -> list[tuple[str, str]]:
    """(style, text) lines of one link box, wrapped to ``cells`` CJK cells."""
    cells *= 0.95  # glyphs are a little wider than one em in places (bold, full-width punctuation)
    name = ("★" if ln["key"] else "") + ln["name"]
    out = [("name", t) for t in wrap(name, cells / 1.15)]
    out += [("state", t) for t in wrap(f"{ln['words']} · 本地{ln['local_n']}家/候选{ln['cand_n']}家", cells / 0.95)]
    if ln["local"]:
        names = "、".join(f["short"] for f in ln["local"][:4]) + (
            f" 等{len(ln['local'])}家" if len(ln["local"]) > 4 else ""
        )
        out += [("local", t) for t in wrap("本地：" + names, cells)]
    if ln.get("projects"):
        out += [("local", t) for t in wrap("项目：" + "、".join(ln["projects"]), cells)]
    if ln["top"]:
        names = "、".join(t["short"] + (f"（{t['city']}）" if t["city"] else "") for t in ln["top"])
        out += [("top", t) for t in wrap("目标：" + names, cells)]
    return out


def _head_lines(name: str, width: float, font: float) -> list[str]:
    return wrap(name, (width - 12) / (font * 1.05) * 0.95)[:2]


def _plan(doc: dict[str, Any], width: float, height: float, font: float) -> list[int] | None:
    """Sub-columns per segment so that every box fits ``height`` at ``font`` px, or None."""
    segs = doc["segments"]
    spans = [1] * len(segs)
    for _ in range(40):
        units = sum(spans)
        col_w = (width - 10 * (len(segs) - 1)) / max(units, 1)
        cells = (col_w - 16) / font
        if cells < 5:
            return None
        over = []
        for i, s in enumerate(segs):
            heights = [(len(_box_lines(ln, cells)) * 1.3 * font + 12 + 6) for ln in s["links"]]
            per = -(-len(heights) // spans[i]) if heights else 0
            col_h = max((sum(heights[j : j + per]) for j in range(0, len(heights), per or 1)), default=0)
            head = len(_head_lines(s["name"], col_w * spans[i], font)) * 1.3 * font + 8
            if col_h + head + 14 > height:
                over.append(i)
        if not over:
            return spans
        for i in over:
            if spans[i] >= len(segs[i]["links"]):
                return None
            spans[i] += 1
    return None


def _text(x: float, y: float, s: str, size: float, fill: str = "#1c2833", weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:.1f}" fill="{fill}"'
        + (' font-weight="bold"' if weight == "bold" else "")
        + f">{escape(s)}</text>"
    )


STYLE_INK = {"name": ("#1c2833", "bold", 1.15), "state": ("#263238", "bold", 0.95), "local": ("#0d47a1", "normal", 1)}
STYLE_INK["top"] = ("#4a148c", "normal", 1)


def _box(x: float, y: float, w: float, ln: dict[str, Any], font: float) -> tuple[list[str], float]:
    lines = _box_lines(ln, (w - 16) / font)
    h = len(lines) * 1.3 * font + 12
    fill, stroke, dashed, sw = FILLS.get(ln["state"], FILLS["unknown"])
    out = [
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="5" fill="{fill}" stroke="{stroke}" '
        f'stroke-width="{sw + (1 if ln["key"] else 0)}"' + (' stroke-dasharray="7 4"' if dashed else "") + "/>"
    ]
    ty = y + 6 + font * 1.05
    for style, t in lines:
        ink, weight, scale = STYLE_INK[style]
        out.append(_text(x + 8, ty, t, font * scale, ink, weight))
        ty += 1.3 * font
    return out, h + 6


def poster_svg(doc: dict[str, Any], *, size: str = "a3", region: str = "", footnote: str = "") -> str:
    """The poster of one :func:`chainmap.present.atlas.atlas` document as SVG text (deterministic).

    >>> doc = {"name": "示例链", "as_of": "2024-01-01", "segments": [{"name": "上游", "links": [
    ...     {"name": "原料", "key": True, "state": "fill", "words": "缺失·补链", "local_n": 0, "cand_n": 2,
    ...      "local": [], "top": [{"short": "甲公司", "city": "苏州市"}]}]}]}
    >>> svg = poster_svg(doc, size="a4", region="某市")
    >>> "原料" in svg and "甲公司（苏州市）" in svg and "缺失·补链" in svg
    True
    """
    if size not in SIZES:
        raise UsageError(f"unknown poster size '{size}': use a3, a4 or ppt")
    W, H, wmm, hmm = SIZES[size]
    m = 22
    title = f"{doc['name']}产业链招商图谱"
    sub = "　".join(p for p in (region and f"本地：{region}", doc.get("as_of") and f"企业数据截至 {doc['as_of']}") if p)
    top = m + 64
    foot_h = 34
    avail_h = H - top - foot_h - 8
    font, spans = 18.0, None
    while font >= 6 and spans is None:
        spans = _plan(doc, W - 2 * m, avail_h, font)
        if spans is None:
            font -= 0.5
    spans = spans or [max(1, len(s["links"])) for s in doc["segments"]]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{wmm}mm" height="{hmm}mm" viewBox="0 0 {W} {H}" '
        f'font-family="{FONT_STACK}" data-generator="{MARKER}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{W}" height="{H}" fill="#ffffff"/>',
        _text(m, m + 26, title, 28, "#1c2833", "bold"),
        _text(m, m + 48, sub, 14, "#37474f"),
    ]
    lx = W - m - 6
    for key, words in reversed(LEGEND):  # legend, right-aligned on the title line
        fill, stroke, dashed, sw = FILLS[key]
        tw = text_width(words) * 13 + 40
        lx -= tw
        parts.append(
            f'<rect x="{lx:.1f}" y="{m + 34}" width="18" height="12" rx="2" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{sw}"' + (' stroke-dasharray="4 2"' if dashed else "") + "/>"
        )
        parts.append(_text(lx + 22, m + 45, words, 12, "#37474f"))
    parts.append(_text(W - m - text_width("★ 重点环节") * 12, m + 24, "★ 重点环节", 12, "#37474f"))
    units = sum(spans)
    col_w = (W - 2 * m - 10 * (len(spans) - 1)) / max(units, 1)
    x = m
    for seg, span in zip(doc["segments"], spans, strict=True):
        seg_w = col_w * span + 0 * (span - 1)
        parts.append(f'<rect x="{x:.1f}" y="{top}" width="{seg_w:.1f}" height="{avail_h:.1f}" rx="6" fill="#f4f7f9"/>')
        heads = _head_lines(seg["name"], seg_w, font)
        head_h = len(heads) * 1.3 * font + 8
        parts.append(f'<rect x="{x:.1f}" y="{top}" width="{seg_w:.1f}" height="{head_h:.1f}" rx="5" fill="#37474f"/>')
        for k, line in enumerate(heads):
            parts.append(
                _text(x + 6, top + (k + 1) * 1.3 * font - 0.1 * font + 2, line, font * 1.05, "#ffffff", "bold")
            )
        per = -(-len(seg["links"]) // span) if seg["links"] else 0
        for j in range(span):
            y = top + head_h + 6
            for ln in seg["links"][j * per : (j + 1) * per]:
                svg, dy = _box(x + 4 + j * col_w, y, col_w - 8, ln, font)
                parts += svg
                y += dy
        x += seg_w + 10
    note = (
        footnote
        or "数据来源：各企业记录所列公开来源（企业年报、官网、政府公告等），以数据日期为准；目标企业按缺口优先级、规模、龙头地位等打分排序。"
    )
    parts.append(_text(m, H - m + 4, wrap(note, (W - 2 * m) / 11)[0], 11, "#5f6f7c"))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


# -- fonts and conversion -------------------------------------------------------------------------------

FONT_CANDIDATES = (  # (family cairo asks fontconfig / Windows for, files that provide it)
    (
        "Noto Sans CJK SC",
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    ),
    ("Source Han Sans SC", ("/usr/share/fonts/adobe-source-han-sans/SourceHanSansSC-Regular.otf",)),
    ("Microsoft YaHei", ("C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/msyh.ttf")),
    ("SimHei", ("C:/Windows/Fonts/simhei.ttf",)),
    ("PingFang SC", ("/System/Library/Fonts/PingFang.ttc",)),
    ("WenQuanYi Micro Hei", ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",)),
)


def cjk_font() -> str | None:
    """The family name of an installed CJK font cairo can use, or None."""
    windir = os.environ.get("WINDIR", "C:/Windows")
    for family, files in FONT_CANDIDATES:
        for f in files:
            if Path(f.replace("C:/Windows", windir)).exists():
                return family
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        families = sorted({f.strip() for line in out.splitlines() for f in line.split(",") if f.strip()})
        return families[0] if families else None
    return None


def _for_cairo(svg: str) -> bytes:
    family = cjk_font()
    if family is None:
        raise UsageError(
            "no Chinese font found for PDF/PNG posters: install one (Debian/Ubuntu: apt-get install fonts-noto-cjk; "
            "Windows has Microsoft YaHei), or write an .svg poster instead"
        )
    return svg.replace(f'font-family="{FONT_STACK}"', f"font-family={quoteattr(family)}", 1).encode("utf-8")


def to_pdf(svg: str) -> bytes:
    """PDF with text as text (the used glyphs of the CJK font embedded); fixed dates: same SVG, same bytes."""
    import cairocffi
    from cairosvg.parser import Tree
    from cairosvg.surface import PDFSurface

    out = io.BytesIO()
    surface = PDFSurface(Tree(bytestring=_for_cairo(svg)), out, 96)
    for key, value in (
        (cairocffi.PDF_METADATA_CREATOR, MARKER),
        (cairocffi.PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z"),
        (cairocffi.PDF_METADATA_MOD_DATE, "2000-01-01T00:00:00Z"),
    ):
        surface.cairo.set_metadata(key, value)
    surface.finish()
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def to_png(svg: str, dpi: int = PNG_DPI) -> bytes:
    """PNG at ``dpi`` (the poster's paper size at that resolution), tagged with its dpi and the marker."""
    import cairosvg

    raw = cairosvg.svg2png(bytestring=_for_cairo(svg), dpi=dpi, background_color="white")
    ppm = round(dpi / 0.0254)
    extra = _chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)) + _chunk(b"tEXt", b"Software\x00" + MARKER.encode())
    end_of_ihdr = 8 + 8 + 13 + 4
    return raw[:end_of_ihdr] + extra + raw[end_of_ihdr:]
