"""Posters without a browser: SVG with text as text, PDF with the text extractable, PNG at >= 150 dpi; every
link name present, CJK drawn (not tofu), same input -> same bytes, bad output names are exit-2 messages."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib

import pytest

import chainmap
from chainmap.present.poster import SIZES, cjk_font, poster_svg
from chainmap.present.site import poster_bytes
from chainmap.vocab import chain_node

from .conftest import BUNDLED, run_cli

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
needs_font = pytest.mark.skipif(cjk_font() is None, reason="needs a CJK font (fonts-noto-cjk)")


def link_names(cid: str) -> list[str]:
    lib = chainmap.load(BUNDLED)
    g = chainmap.build_graph(lib, [cid], None)
    segs = [u for u, _v, k in g.in_edges(chain_node(cid), keys=True) if k == "part_of"]
    return [g.nodes[u]["name"] for s in segs for u, _v, k in g.in_edges(s, keys=True) if k == "part_of"]


def squeeze(s: str) -> str:
    return re.sub(r"\s+", "", s)


@needs_poppler
@needs_font
@pytest.mark.parametrize("size", ["a3", "ppt"])
def test_pdf_poster_has_every_link_name_as_text_and_one_page(tmp_path, size):
    out = tmp_path / "p.pdf"
    res = run_cli("poster", "battery", "--size", size, "-o", str(out))
    assert res.returncode == 0, res.stderr
    text = squeeze(subprocess.run(["pdftotext", "-raw", str(out), "-"], capture_output=True, text=True).stdout)
    missing = [n for n in link_names("battery") if squeeze(n) not in text]
    assert not missing
    assert "动力电池总成及材料产业链招商图谱" in text and "连云港市" in text and "数据来源" in text
    assert re.search(r"比亚迪（深圳市）", text)  # a top target with its city (lianyungang is the default region)
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    w_mm, h_mm = SIZES[size][2:]
    pts = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert abs(float(pts.group(1)) - w_mm / 25.4 * 72) < 2 and abs(float(pts.group(2)) - h_mm / 25.4 * 72) < 2
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert "CJK" in fonts or "Hei" in fonts or "Han" in fonts  # a real CJK font embedded: no tofu
    # rasterised, the page is not blank: the poster draws
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-singlefile", str(out), str(tmp_path / "r")], check=True)
    assert (tmp_path / "r.png").stat().st_size > 5000


def _png_info(data: bytes) -> dict:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, out = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        out.setdefault(kind.decode(), body)
        pos += 12 + length
    return out


@needs_font
def test_png_poster_is_at_least_150_dpi(tmp_path):
    lib = chainmap.load(BUNDLED)
    data = poster_bytes(lib, "solar", lib.regions["lianyungang"], "a3", ".png")
    info = _png_info(data)
    width, height = struct.unpack(">II", info["IHDR"][:8])
    assert width >= 420 / 25.4 * 150 - 2 and height >= 297 / 25.4 * 150 - 2
    ppm_x, _ppm_y, unit = struct.unpack(">IIB", info["pHYs"])
    assert unit == 1 and ppm_x * 0.0254 >= 149.9


@needs_poppler
@needs_font
def test_png_text_is_drawn_in_chinese(tmp_path):
    if not shutil.which("tesseract"):
        pytest.skip("needs tesseract-ocr-chi-sim")
    lib = chainmap.load(BUNDLED)
    png = tmp_path / "p.png"
    png.write_bytes(poster_bytes(lib, "carbon_fiber", lib.regions["lianyungang"], "a4", ".png"))
    res = subprocess.run(["tesseract", str(png), "-", "-l", "chi_sim", "--psm", "11"], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"tesseract chi_sim unavailable: {res.stderr[:200]}")
    assert "碳纤维" in squeeze(res.stdout)


def test_svg_keeps_text_as_text_and_escapes_data():
    doc = {
        "name": "<b>链</b>&",
        "as_of": "2025-01-01",
        "segments": [
            {
                "name": "上游 · 原料",
                "links": [
                    {
                        "name": '环节<script>alert(1)</script>"',
                        "key": False,
                        "state": "strong",
                        "words": "强",
                        "local_n": 1,
                        "cand_n": 0,
                        "local": [{"short": "甲&乙"}],
                        "top": [],
                    },
                ],
            },
        ],
    }
    svg = poster_svg(doc, size="a4", region="某市")
    assert "<script" not in svg and "&lt;script&gt;" in svg and "甲&amp;乙" in svg
    assert svg.count("<text") >= 5 and 'data-generator="chainmap"' in svg
    import xml.dom.minidom

    xml.dom.minidom.parseString(svg.encode("utf-8"))  # well-formed


@needs_font
def test_same_input_same_bytes():
    lib = chainmap.load(BUNDLED)
    reg = lib.regions["lianyungang"]
    for suffix in (".svg", ".pdf"):
        assert poster_bytes(lib, "nylon", reg, "a4", suffix) == poster_bytes(lib, "nylon", reg, "a4", suffix)


def test_cli_poster_errors_exit_2(tmp_path):
    r = run_cli("poster", "battery", "-o", str(tmp_path / "p.gif"))
    assert r.returncode == 2 and ".svg, .pdf or .png" in r.stderr
    r = run_cli("poster", "-o", str(tmp_path / "p.svg"))
    assert r.returncode == 2 and "--all" in r.stderr
    r = run_cli("poster", "nochain", "-o", str(tmp_path / "p.svg"))
    assert r.returncode == 2
    mine = tmp_path / "mine.svg"
    mine.write_text("<svg>my drawing</svg>", encoding="utf-8")
    r = run_cli("poster", "battery", "-o", str(mine))
    assert r.returncode == 2 and "--force" in r.stderr and mine.read_text(encoding="utf-8") == "<svg>my drawing</svg>"
    assert run_cli("poster", "battery", "-o", str(mine), "--force").returncode == 0
    assert run_cli("poster", "battery", "-o", str(mine)).returncode == 0  # now it is ours


@needs_font
def test_all_writes_one_poster_per_chain(tmp_path):
    r = run_cli("poster", "--all", "--format", "svg", "--size", "ppt", "-o", str(tmp_path / "posters"))
    assert r.returncode == 0, r.stderr
    lib = chainmap.load(BUNDLED)
    assert sorted(p.name for p in (tmp_path / "posters").iterdir()) == sorted(f"{c}.svg" for c in lib.chains)
    svg = (tmp_path / "posters" / "polyester.svg").read_text(encoding="utf-8")
    from xml.sax.saxutils import unescape

    text = squeeze(unescape("".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))))
    assert all(squeeze(n) in text for n in link_names("polyester"))
