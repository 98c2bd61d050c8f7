"""The official division table (GB/T 2260 codes, names, levels, parents, seats), loaded once."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["Division", "divisions", "division", "boundaries", "DATA_VINTAGE"]

DATA_VINTAGE = "2025-12-31"


@dataclass(frozen=True, slots=True)
class Division:
    """One administrative division: ``code`` (6 digits), official ``name``, ``level`` (province,
    prefecture, county), ``parent`` code ("" for provinces), seat ``lng``/``lat`` (None when unknown)."""

    code: str
    name: str
    level: str
    parent: str
    lng: float | None
    lat: float | None


def _data(name: str):
    return resources.files("chainmap.places").joinpath("data", name)


@cache
def divisions() -> dict[str, Division]:
    """All divisions by code.

    Examples
    --------
    >>> d = divisions()["320700"]
    >>> d.name, d.level, d.parent
    ('连云港市', 'prefecture', '320000')
    """
    out: dict[str, Division] = {}
    with _data("divisions.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            lng = float(r["lng"]) if r["lng"] else None
            lat = float(r["lat"]) if r["lat"] else None
            out[r["code"]] = Division(r["code"], r["name"], r["level"], r["parent"], lng, lat)
    return out


def division(code: str) -> Division | None:
    """The division with this code, else None.

    Examples
    --------
    >>> division("110108").name
    '海淀区'
    >>> division("999999") is None
    True
    """
    return divisions().get(code)


@cache
def boundaries(level: str = "province") -> list[dict]:
    """Simplified boundaries (``province`` or ``prefecture``): ``[{code, name, polys}]`` with rings as
    flat ``[lng, lat, ...]`` lists; the province set also holds ``100000_JD``, the South China Sea
    dash line (see data/README.md for source and licence).

    Examples
    --------
    >>> any(f["code"] == "100000_JD" for f in boundaries("province"))
    True
    """
    name = {"province": "provinces.json", "prefecture": "prefectures.json"}[level]
    return json.loads(_data(name).read_text(encoding="utf-8"))
