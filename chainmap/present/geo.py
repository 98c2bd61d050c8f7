"""The geographic 招商地图 (geo.html) and its static SVG/PNG for reports.

China is drawn from the shipped boundary data (chainmap/places/data, from the ECharts 4.9.0 map
data: provinces, prefectures, and ECharts' schematic 南海诸岛 inset with the dash line) in an Albers
equal-area conic projection; the inset is shown in its own box at the lower right as on the standard map. Everything is
projected here in Python, so the page only moves shapes it is given; data reaches the page as JSON
escaped for a ``<script>`` element and is shown with textContent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from ..model import Region
from ..places import boundaries, resolve
from .html import _asset, _env, script_json

__all__ = ["project", "schematic", "geo_payload", "render_geo", "geo_svg", "geo_png", "base_paths", "write_geo"]

# Albers equal-area conic for China (central meridian 105°E, standard parallels 25°N and 47°N)
_LON0, _LAT1, _LAT2 = math.radians(105), math.radians(25), math.radians(47)
_N = (math.sin(_LAT1) + math.sin(_LAT2)) / 2
_C = math.cos(_LAT1) ** 2 + 2 * _N * math.sin(_LAT1)
_RHO0 = math.sqrt(_C) / _N  # latitude of origin 0°
SCALE = 620.0  # SVG units per Earth radius
MAIN_VIEW = (73.0, 17.0, 135.5, 54.0)  # lng/lat box the main view shows (南海 goes to the inset)
JD = "100000_JD"  # ECharts' 南海诸岛 schematic (dash line and islands in their own frame), shown in the inset
CHAIN_COLORS = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#393b79", "#ad494a",
)  # fmt: skip
TRIP_COLORS = ("#c0392b", "#1f6fb2", "#218c4f", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#b7950b")


def project(lng: float, lat: float) -> tuple[float, float]:
    """SVG coordinates (x right, y down) of a point.

    Examples
    --------
    >>> x1, _ = project(100, 30); x2, _ = project(110, 30)
    >>> x1 < x2
    True
    >>> project(105, 40)[1] < project(105, 30)[1]
    True
    """
    rho = math.sqrt(_C - 2 * _N * math.sin(math.radians(lat))) / _N
    theta = _N * (math.radians(lng) - _LON0)
    x, y = rho * math.sin(theta), _RHO0 - rho * math.cos(theta)
    return round(x * SCALE + 1000, 1), round(-y * SCALE + 1000, 1)


def _box(view: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """Projected bounding box (x, y, w, h) of a lng/lat box (sampled along its edges)."""
    w, s, e, n = view
    pts = [project(w + (e - w) * i / 20, lat) for i in range(21) for lat in (s, n)]
    pts += [project(lng, s + (n - s) * i / 20) for i in range(21) for lng in (w, e)]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return round(min(xs), 1), round(min(ys), 1), round(max(xs) - min(xs), 1), round(max(ys) - min(ys), 1)


def schematic(lng: float, lat: float) -> tuple[float, float]:
    """SVG coordinates of a point of ECharts' 南海诸岛 schematic (feature ``100000_JD``), drawn unprojected.

    ECharts stores the schematic's drawing units (x, y) as ``lng = 126 + x / 10.5``,
    ``lat = 25 - y * 0.75 / 10.5``; this gives back ten times those units, upright, for the inset box.

    Examples
    --------
    >>> schematic(126, 25)
    (0.0, 0.0)
    >>> schematic(126 + 64 / 10.5, 25 - 93.1 * 0.75 / 10.5)
    (640.0, 931.0)
    """
    return round((lng - 126) * 105, 1) + 0.0, round((25 - lat) * 140, 1) + 0.0


def _ring(flat: list[float], proj: Callable[[float, float], tuple[float, float]] = project) -> str:
    pts = [proj(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
    out, last = [], None
    for p in pts:
        if p != last:
            out.append(f"{p[0]:g},{p[1]:g}")
        last = p
    return "M" + "L".join(out) + "Z"


@cache
def base_paths(level: str = "province") -> tuple[tuple[str, str, str], ...]:
    """(code, name, SVG path data) for each boundary feature of ``level`` (cached: same every page)."""
    return tuple(
        (
            f["code"],
            f["name"],
            "".join(_ring(r, schematic if f["code"] == JD else project) for p in f["polys"] for r in p),
        )
        for f in boundaries(level)
    )


def _inset_box() -> tuple[float, float, float, float]:
    """The box (x, y, w, h) of the 南海诸岛 schematic with a small margin (more below, for the label)."""
    pts = [schematic(r[i], r[i + 1]) for f in boundaries("province") if f["code"] == JD
           for p in f["polys"] for r in p for i in range(0, len(r), 2)]  # fmt: skip
    xs, ys = [x for x, _ in pts], [y for _, y in pts]
    m = 0.03 * (max(xs) - min(xs))
    return (
        round(min(xs) - m, 1),
        round(min(ys) - m, 1),
        round(max(xs) - min(xs) + 2 * m, 1),
        round(max(ys) - min(ys) + 6 * m, 1),
    )


def _xy(province: str | None, city: str | None, district: str | None = None) -> tuple[float, float] | None:
    p = resolve(province or None, city or None, district or None)
    return project(p.lng, p.lat) if p.lng is not None and p.city else None


def _firm_chain(covers: list[str], chains: list[str], node_chain: Mapping[str, str]) -> str:
    for n in covers:
        if n in node_chain:
            return node_chain[n]
    return chains[0] if chains else ""


def _cities(targets: pd.DataFrame, routes: pd.DataFrame, node_chain: Mapping[str, str]) -> list[dict]:
    firms: dict[str, list[dict]] = {}
    for t in targets.itertuples(index=False):
        key = t.city or (f"{t.province}（城市待核实）" if t.province else "地点待核实")
        chain = _firm_chain(list(t.covers), list(t.chains), node_chain)
        firms.setdefault(key, []).append(
            {"name": t.short_name, "full": t.name, "score": float(t.score), "why": t.why, "chain": chain}
        )
    out = []
    for r in routes.itertuples(index=False):
        fs = firms.get(r.city, [])
        by_chain: dict[str, float] = {}
        for f in fs:
            by_chain[f["chain"]] = by_chain.get(f["chain"], 0.0) + f["score"]
        top = min(by_chain, key=lambda c: (-by_chain[c], c)) if by_chain else ""
        xy, approx = _xy(r.province, r.city), False
        if xy is None and r.province:  # city unknown: drawn at the province seat, marked and listed
            seat = resolve(r.province)
            xy, approx = (project(seat.lng, seat.lat), True) if seat.lng is not None else (None, False)
        row = {"city": r.city, "province": r.province, "rank": int(r.rank), "score": float(r.score), "chain": top}
        row["approx"] = approx
        row |= {"firms": fs, "x": xy[0] if xy else None, "y": xy[1] if xy else None}
        row |= {"trip": None if pd.isna(r.trip) else int(r.trip), "order": None if pd.isna(r.order) else int(r.order)}
        out.append(row)
    return out


def _locals(g: nx.MultiDiGraph) -> list[dict]:
    spots: dict[tuple[float, float], dict] = {}
    for _, d in sorted(g.nodes(data=True), key=lambda nd: nd[0]):
        if d.get("kind") != "company" or not d.get("local"):
            continue
        xy = _xy(d.get("province"), d.get("city"), d.get("district"))
        if xy is None:
            continue
        place = (d.get("city") or "") + (d.get("district") or "")
        spot = spots.setdefault(xy, {"place": place, "x": xy[0], "y": xy[1], "firms": []})
        spot["firms"].append(d.get("short_name") or d.get("name"))
    return sorted(spots.values(), key=lambda s: (-len(s["firms"]), s["place"]))


def _gaps(gaps: pd.DataFrame, targets: pd.DataFrame, limit: int = 80) -> list[dict]:
    open_gaps = gaps[gaps["gap_type"].notna()].drop_duplicates("node").head(limit)
    at: dict[str, list[tuple[str, str, str]]] = {n: [] for n in open_gaps["node"]}  # gap -> its firms, in rank order
    cols = (targets[c].tolist() for c in ("covers", "province", "city", "short_name"))
    for covers, province, city, short in zip(*cols, strict=True):
        for n in dict.fromkeys(covers):
            if n in at:
                at[n].append((province, city, short))
    out = []
    for gp in open_gaps.itertuples(index=False):
        cands: dict[str, dict] = {}
        for province, city, short in at[gp.node]:
            xy = _xy(province, city)
            if xy is None:
                continue
            c = cands.setdefault(city, {"city": city, "x": xy[0], "y": xy[1], "firms": []})
            c["firms"].append(short)
        if cands:
            out.append({"node": gp.node, "name": gp.name, "gap_type": gp.gap_type, "cands": list(cands.values())})
    return out


def _trips(trips: list[dict], home: tuple[float, float]) -> list[dict]:
    out = []
    for t in trips:
        if any(s["lng"] is None for s in t["stops"]):
            continue
        stops = []
        for s in t["stops"]:
            x, y = project(s["lng"], s["lat"])
            stops.append({"city": s["city"], "x": x, "y": y, "day": s["day"], "n": len(s["firms"])})
        color = TRIP_COLORS[(t["trip"] - 1) % len(TRIP_COLORS)]
        out.append({k: t[k] for k in ("trip", "region", "days", "distance_km")} | {"stops": stops, "color": color})
    return out


def _activity(activity: Mapping[str, Mapping[str, int]] | None) -> list[dict]:
    out = []
    for city in sorted(activity or {}):
        xy = _xy(None, city)
        if xy is not None:
            a = activity[city]
            out.append(
                {"city": city, "x": xy[0], "y": xy[1], "trips": int(a.get("trips", 0))}
                | {"visits": int(a.get("visits", 0))}
            )
    return out


def geo_payload(
    g: nx.MultiDiGraph,
    region: Region,
    gaps: pd.DataFrame,
    targets: pd.DataFrame,
    routes: pd.DataFrame,
    trips: list[dict],
    *,
    activity: Mapping[str, Mapping[str, int]] | None = None,
    chain_names: Mapping[str, str] | None = None,
    label_top: int = 10,
) -> dict[str, Any]:
    """Plain data the page and the static map draw: home, cities with firms, local firms, gap
    candidates, trips, ledger activity ({city: {trips, visits}}) and places left unknown. Firms whose
    city is unknown are drawn at their province's seat (``approx``) and listed under ``unplaced``."""
    node_chain = dict(zip(gaps["node"], gaps["chain"], strict=True)) if not gaps.empty else {}
    cities = _cities(targets, routes, node_chain)
    used = sorted({c["chain"] for c in cities if c["chain"]} | {f["chain"] for c in cities for f in c["firms"]})
    names = {n.split(":", 1)[1]: d["name"] for n, d in g.nodes(data=True) if d.get("kind") == "chain"}
    names |= dict(chain_names or {})
    chains = [
        {"id": c, "name": names.get(c, c), "color": CHAIN_COLORS[i % len(CHAIN_COLORS)]} for i, c in enumerate(used)
    ]
    hp = resolve(region.province, region.city)
    hx, hy = project(hp.lng, hp.lat) if hp.lng is not None else (None, None)
    placed = [c for c in cities if c["x"] is not None]
    exact = [c for c in placed if not c["approx"]]
    return {
        "home": {"city": hp.city or region.name, "province": hp.province, "x": hx, "y": hy},
        "chains": chains,
        "cities": placed,
        "labels": [c["city"] for c in exact[:label_top]],
        "locals": _locals(g),
        "gaps": _gaps(gaps, targets),
        "trips": _trips(trips, (hx, hy)),
        "activity": _activity(activity),
        "unplaced": [
            {"city": c["city"], "firms": [f["name"] for f in c["firms"]], "at_province_seat": c["x"] is not None}
            for c in cities
            if c["x"] is None or c["approx"]
        ],
    }


def _boxes() -> dict[str, tuple[float, float, float, float]]:
    return {"main": _box(MAIN_VIEW), "inset": _inset_box()}


def render_geo(payload: dict[str, Any], *, title: str, subtitle: str = "", index_href: str | None = None) -> str:
    """The self-contained geo.html page (no network, deterministic bytes)."""
    boxes = _boxes()
    return (
        _env()
        .get_template("geo.html.j2")
        .render(
            title=title,
            subtitle=subtitle,
            index_href=index_href,
            provinces=base_paths("province"),
            prefectures=base_paths("prefecture"),
            main=boxes["main"],
            inset=boxes["inset"],
            data_json=script_json(payload),
            css=_asset("geo.css"),
            js=_asset("geo.js"),
        )
    )


def _radius(score: float) -> float:
    return round(3 + math.sqrt(max(score, 0.0)) * 0.9, 1)


def _static_labels(d: dict[str, Any], k: float) -> list[tuple[float, float, str, str, bool]]:
    """(x, y, anchor, text, is_home) of the labels that fit: home first, then the top cities, each
    tried right, left, above and below its bubble; one that collides with all four is left out."""
    items = [(d["home"]["x"], d["home"]["y"], 4.0, f"{d['home']['city']}（本地）", True)] if d["home"]["x"] else []
    by_city = {c["city"]: c for c in d["cities"]}
    items += [(by_city[n]["x"], by_city[n]["y"], _radius(by_city[n]["score"]), n, False) for n in d["labels"]]
    taken: list[tuple[float, float, float, float]] = []
    out = []
    for x, y, r, text, home in items:
        fs, w = 15 * k, len(text) * 15 * k
        for dx, dy, anchor, left in ((r + 3, 5, "start", 0), (-r - 3, 5, "end", -w), (0, -r - 4, "middle", -w / 2),
                                     (0, r + 16, "middle", -w / 2)):  # fmt: skip
            bx, by = x + dx * k + left, y + dy * k
            box = (bx, by - fs * 1.1, bx + w, by + fs * 0.3)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken):
                taken.append(box)
                out.append((round(x + dx * k, 1), round(by, 1), anchor, text, home))
                break
    return out


def geo_svg(payload: dict[str, Any], *, title: str = "", width: int = 1600) -> str:
    """A static map (provinces, 南海诸岛 inset, target bubbles, trips, labels) as SVG with text as text."""
    return (
        _env()
        .get_template("geo_static.svg.j2")
        .render(
            title=title,
            width=width,
            provinces=base_paths("province"),
            main=_boxes()["main"],
            inset=_boxes()["inset"],
            d=payload,
            chain_color={c["id"]: c["color"] for c in payload["chains"]},
            radius=_radius,
            labels=_static_labels(payload, _boxes()["main"][2] / width),
        )
    )


def geo_png(svg: str, *, dpi: int = 150) -> bytes:
    """The static map as PNG (cairosvg), at ``dpi`` for print."""
    import cairosvg

    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), dpi=dpi, scale=dpi / 96)


def write_geo(
    outdir: Path,
    g: nx.MultiDiGraph,
    region: Region,
    *,
    activity: Mapping[str, Mapping[str, int]] | None = None,
    index_href: str | None = None,
    tables: tuple[Any, Any] | None = None,
) -> list[Path]:
    """Analyse ``g`` for ``region`` and write ``geo.html`` and ``geo.svg`` (the static map) to ``outdir``.

    ``tables``: the (gaps, targets) of ``g`` already computed by the caller (the same analysis as the lists).
    """
    from ..analysis.gaps import gaps as gaps_of
    from ..analysis.routes import routes as routes_of
    from ..analysis.targets import targets as targets_of
    from ..analysis.trips import plan_trips
    from .files import write_atomic

    if tables is not None:
        gaps, targets = tables
    else:
        gaps = gaps_of(g, region)
        targets = targets_of(g, region, gaps)
    routes = routes_of(targets, region)
    trips = plan_trips(routes, region)
    payload = geo_payload(g, region, gaps, targets, routes, trips, activity=activity)
    n_firms = sum(len(c["firms"]) for c in payload["cities"])
    title = f"招商地图 · {region.name}"
    subtitle = (
        f"{len(payload['cities'])} 个城市的 {n_firms} 家目标企业、{len(payload['trips'])} 趟外出行程（从{payload['home']['city']}出发）；"
        "点击城市查看企业与推荐理由"
    )
    html = render_geo(payload, title=title, subtitle=subtitle, index_href=index_href)
    return [
        write_atomic(Path(outdir) / "geo.html", html),
        write_atomic(Path(outdir) / "geo.svg", geo_svg(payload, title=title)),
    ]


# the line index.html shows for the geographic map (no completeness figures of its own)
GEO_INDEX_ROW: dict[str, Any] = {
    "chain": "",
    "name": "地理招商地图（目标企业分布、外出行程）",
    "href": "geo.html",
    "panorama": True,
    **dict.fromkeys(("links", "key_links", "strong", "weak", "missing", "completeness", "weighted_completeness"), None),
    **dict.fromkeys(("fill", "extend", "strengthen", "part_gaps"), None),
}
