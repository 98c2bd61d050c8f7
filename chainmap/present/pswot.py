"""A PSWOT-style feasibility chart per chain as one inline SVG string (no script, no network): x = the
home region's RCA at each link, y = its relatedness density, split at RCA = 1 and the chain's median
density into four quadrants labelled in Chinese (优势 / 机会 / 威胁 / 劣势).

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"chain": ["c", "c"], "node": ["a", "b"], "name": ["PTA<1>", "切片"], "rca": [2.0, 0.0],
...                   "density": [0.8, 0.2]})
>>> svg = pswot_svg(t, "c", title="聚酯")
>>> svg.startswith("<svg") and "PTA&lt;1&gt;" in svg and "机会" in svg
True
>>> pswot_svg(None, "c").count("未计算")
1
"""

from __future__ import annotations

import math
from html import escape

import pandas as pd

__all__ = ["pswot_svg"]

FONT = "'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif"
QUADRANT_NOTES = {
    "机会": "本地尚弱，关联环节已有：优先引进",
    "优势": "本地已有优势，关联支撑强",
    "劣势": "尚无基础，关联也弱：远期培育",
    "威胁": "本地已有，关联支撑弱：需稳链",
}


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _text_width(text: str, size: int = 12) -> float:
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def _points(
    rows: pd.DataFrame,
    px,
    py,
    box_of_plot: tuple[float, float, float, float],
    placed: list[tuple[float, float, float, float]],
) -> list[str]:
    """Dots with their names; a name that would overlap one already drawn (or leave the plot) moves up or
    down a line, or, with no room, is left to the dot's tooltip."""
    left, top, right, bottom = box_of_plot
    out: list[str] = []
    ordered = rows.sort_values(["density", "rca", "node"], ascending=[False, False, True])
    for r in ordered.itertuples(index=False):
        x, y = px(float(r.rca)), py(float(r.density))
        name = str(r.name)
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="#1565c0" stroke="#fff">'
            f"<title>{escape(name)}：RCA {float(r.rca):.2f}，关联密度 {float(r.density):.2f}</title></circle>"
        )
        w = _text_width(name)
        anchor = "end" if x + 7 + w > right - 2 else "start"
        x0 = x - 7 - w if anchor == "end" else x + 7
        for dy in (0, -14, 14, -28, 28, -42, 42):
            box = (x0, y + dy - 10, x0 + w, y + dy + 4)
            inside = box[0] >= left and box[2] <= right and box[1] >= top + 1 and box[3] <= bottom - 1
            if inside and all(box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3] for b in placed):
                placed.append(box)
                tx = x - 7 if anchor == "end" else x + 7
                out.append(
                    f'<text x="{tx:.1f}" y="{y + dy + 4:.1f}" text-anchor="{anchor}" font-size="12">{escape(name)}</text>'
                )
                break
    return out


def pswot_svg(
    feasibility: pd.DataFrame | None, chain: str, *, title: str = "", width: int = 900, height: int = 500
) -> str:
    """The chart of ``chain``'s rows of a feasibility table (see :func:`chainmap.analysis.feasibility.
    feasibility`); with no table, a box saying feasibility is not computed. Same input, same bytes."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" font-family="{escape(FONT)}" role="img" aria-label="{escape(title or chain)} 可行性象限图">'
    )
    rows = None if feasibility is None else feasibility[feasibility["chain"] == chain]
    if rows is None or rows.empty:
        return (
            head + f'<rect x="1" y="1" width="{width - 2}" height="{height - 2}" fill="#fafafa" stroke="#ccc"/>'
            f'<text x="{width / 2:g}" y="{height / 2:g}" text-anchor="middle" font-size="16" fill="#555">'
            "可行性未计算：需导入全国企业数据（chainmap import）后计算显性比较优势与关联密度</text></svg>"
        )
    left, top, right, bottom = 64, 48, width - 250, height - 56
    xmax = max(2.0, math.ceil(float(rows["rca"].max()) if len(rows) else 2.0))
    cut = float(rows["density"].median())

    def px(r: float) -> float:
        return left + (right - left) * min(max(r, 0.0), xmax) / xmax

    def py(d: float) -> float:
        return bottom - (bottom - top) * min(max(d, 0.0), 1.0)

    x1, yc = px(1.0), py(max(cut, 0.04))  # a median of 0: "dense" means above 0; keep the band visible
    out = [
        head,
        f'<text x="{left}" y="28" font-size="18" font-weight="bold">{escape(title or chain)} · 可行性象限（PSWOT）</text>',
    ]
    shades = (
        ("机会", left, top, x1, yc, "#e8f5e9"),
        ("优势", x1, top, right, yc, "#e3f2fd"),
        ("劣势", left, yc, x1, bottom, "#f5f5f5"),
        ("威胁", x1, yc, right, bottom, "#fff3e0"),
    )
    placed: list[tuple[float, float, float, float]] = []
    for i, (label, xa, ya, xb, yb, fill) in enumerate(shades):
        out.append(f'<rect x="{xa:.1f}" y="{ya:.1f}" width="{xb - xa:.1f}" height="{yb - ya:.1f}" fill="{fill}"/>')
        if yb - ya >= 40 and xb - xa >= 40:  # the name in the quadrant's corner when there is room
            ty = ya + 18 if i < 2 else yb - 8
            out.append(
                f'<text x="{xa + 6:.1f}" y="{ty:.1f}" font-size="14" fill="#555" font-weight="bold">{label}</text>'
            )
            placed.append((xa + 6, ty - 14, xa + 6 + _text_width(label, 14), ty + 2))
        ly = top + 10 + i * 46  # legend on the right: colour, name, meaning
        out.append(f'<rect x="{right + 18}" y="{ly}" width="14" height="14" fill="{fill}" stroke="#999"/>')
        out.append(f'<text x="{right + 38}" y="{ly + 12}" font-size="14" font-weight="bold">{label}</text>')
        out.append(f'<text x="{right + 38}" y="{ly + 30}" font-size="11" fill="#555">{QUADRANT_NOTES[label]}</text>')
    out.append(f'<line x1="{x1:.1f}" y1="{top}" x2="{x1:.1f}" y2="{bottom}" stroke="#888" stroke-dasharray="4 3"/>')
    out.append(f'<line x1="{left}" y1="{yc:.1f}" x2="{right}" y2="{yc:.1f}" stroke="#888" stroke-dasharray="4 3"/>')
    out.append(f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="none" stroke="#444"/>')
    for i in range(int(xmax) + 1):
        out.append(f'<text x="{px(i):.1f}" y="{bottom + 18}" text-anchor="middle" font-size="12">{i}</text>')
    for d in (0.0, 0.5, 1.0):
        out.append(f'<text x="{left - 8}" y="{py(d) + 4:.1f}" text-anchor="end" font-size="12">{_fmt(d)}</text>')
    out.append(
        f'<text x="{(left + right) / 2:.1f}" y="{height - 14}" text-anchor="middle" font-size="13">'
        "显性比较优势 RCA（≥1 为本地已有优势）</text>"
    )
    out.append(
        f'<text x="18" y="{(top + bottom) / 2:.1f}" text-anchor="middle" font-size="13" '
        f'transform="rotate(-90 18 {(top + bottom) / 2:.1f})">关联密度（中位数 {cut:.2f} 为界）</text>'
    )
    out.extend(_points(rows, px, py, (left, top, right, bottom), placed))
    out.append("</svg>")
    return "".join(out)
