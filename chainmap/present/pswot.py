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
    "优势": "已有优势，关联支撑强",
    "机会": "尚未形成优势，但关联环节本地已有：可优先引进",
    "威胁": "已有但关联支撑弱：需稳链",
    "劣势": "尚无基础，关联也弱：远期",
}


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def pswot_svg(
    feasibility: pd.DataFrame | None, chain: str, *, title: str = "", width: int = 720, height: int = 480
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
    left, top, right, bottom = 64, 48, width - 24, height - 56
    xmax = max(2.0, math.ceil(float(rows["rca"].max()) if len(rows) else 2.0))
    cut = float(rows["density"].median())

    def px(r: float) -> float:
        return left + (right - left) * min(max(r, 0.0), xmax) / xmax

    def py(d: float) -> float:
        return bottom - (bottom - top) * min(max(d, 0.0), 1.0)

    x1, yc = px(1.0), py(cut)
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
    for label, xa, ya, xb, yb, fill in shades:
        out.append(f'<rect x="{xa:.1f}" y="{ya:.1f}" width="{xb - xa:.1f}" height="{yb - ya:.1f}" fill="{fill}"/>')
        out.append(
            f'<text x="{(xa + xb) / 2:.1f}" y="{ya + 20:.1f}" text-anchor="middle" font-size="15" fill="#333" '
            f'font-weight="bold">{label}<title>{escape(QUADRANT_NOTES[label])}</title></text>'
        )
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
    for r in rows.sort_values(["density", "rca", "node"], ascending=[False, False, True]).itertuples(index=False):
        x, y = px(float(r.rca)), py(float(r.density))
        name = escape(str(r.name))
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="#1565c0" stroke="#fff">'
            f"<title>{name}：RCA {float(r.rca):.2f}，关联密度 {float(r.density):.2f}</title></circle>"
        )
        anchor = "end" if x > right - 90 else "start"
        dx = -7 if anchor == "end" else 7
        out.append(f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" font-size="12">{name}</text>')
    out.append("</svg>")
    return "".join(out)
