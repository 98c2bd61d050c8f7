"""Overwrite protection for everything present/ writes: a file that exists is replaced only when the tool
wrote it (recognised by a marker in its content) or with ``--force``; chain pages never take a reserved
page name.

Markers: HTML ``<meta name="generator" content="chainmap">``; SVG ``data-generator="chainmap"``; XLSX
creator ``chainmap`` in docProps/core.xml; PDF Creator ``chainmap``; PNG tEXt ``Software=chainmap``; CSV
our header line (UTF-8 BOM and the Chinese headers of one of our lists, or of the ledger's
projects and scorecard); JSON: records whose keys are all keys of our outputs (the ledger's too).

Examples
--------
>>> page_file("polyester"), page_file("index"), page_file("Panorama")
('polyester.html', 'chain-index.html', 'chain-Panorama.html')
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import UsageError

__all__ = ["RESERVED_PAGES", "check_writable", "is_ours", "page_file", "refuse_yaml"]

# pages render/demo/geo/ledger write next to the chain pages (names compared without case: Windows)
RESERVED_PAGES = frozenset(
    {"index", "panorama", "geo", "scorecard", "report", "targets", "gaps", "routes", "trips", "projects", "posters"}
)
_HTML_MARK = b'<meta name="generator" content="chainmap">'


def page_file(chain: str) -> str:
    """The file name of a chain's page: ``<chain>.html``, or ``chain-<chain>.html`` for a reserved name."""
    return f"chain-{chain}.html" if chain.lower() in RESERVED_PAGES else f"{chain}.html"


def _csv_headers() -> set[bytes]:
    from ..import_report import csv_headers
    from ..ledger.report import output_headers
    from .exports import for_people_headers

    ours = {("\ufeff" + ",".join(h)).encode("utf-8") for h in [*for_people_headers(), *csv_headers()]}
    return ours | {line.encode("utf-8") for line in output_headers()["csv"]}  # projects, scorecard


def is_ours(path: Path) -> bool:
    """True when ``path`` carries chainmap's marker for its kind of file."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                return b"<dc:creator>chainmap</dc:creator>" in z.read("docProps/core.xml")
        with path.open("rb") as fh:
            head = fh.read(4096)
            if suffix == ".pdf":
                fh.seek(0)
                return b"/Creator (chainmap)" in fh.read()
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    if suffix in (".html", ".htm"):
        return _HTML_MARK in head
    if suffix == ".svg":
        return b'data-generator="chainmap"' in head
    if suffix == ".png":
        return b"tEXtSoftware\x00chainmap" in head
    if suffix == ".csv":
        return head.split(b"\r\n", 1)[0] in _csv_headers()
    if suffix == ".json":
        return _our_json(path)
    return False


def _our_json(path: Path) -> bool:
    """A list of records whose keys are all keys of chainmap's outputs, or a node-link graph."""
    import json

    from ..ledger.report import output_headers
    from ..vocab import OUTPUTS

    try:
        if path.stat().st_size > 512 * 1024 * 1024:
            return False
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    known = {c.key for cols in OUTPUTS.values() for c in cols} | set(output_headers()["json"])

    def records(rows: object) -> bool:
        return isinstance(rows, list) and all(isinstance(r, dict) and set(r) <= known for r in rows)

    if isinstance(data, dict):
        pipeline = set(data) == {"funnel", "projects"} and all(records(v) for v in data.values())  # `projects`
        return (
            {"directed", "nodes"} <= set(data)
            or {"sheets", "problems"} <= set(data)
            or ("rows" in data and "imported" in data)
            or pipeline
        )
    return records(data)


def refuse_yaml(paths: Iterable[Path]) -> None:
    """Raise one UsageError for output paths named ``.yaml``/``.yml``: no list, page or workbook is YAML, and
    such a file in a chain library is read as a chain definition, which stops the whole library loading.

    >>> refuse_yaml([Path("out/gaps.csv")])
    >>> refuse_yaml([Path("chains/gaps.yaml")])
    Traceback (most recent call last):
    ...
    chainmap.errors.UsageError: chains/gaps.yaml: 输出文件不能以 .yaml/.yml 结尾（会被当作链库的 YAML 定义读取，整个链库随之无法加载）：请改用与格式相符的扩展名，如 .csv、.xlsx、.json、.html
    """
    bad = [str(p) for p in map(Path, paths) if p.suffix.lower() in (".yaml", ".yml")]
    if bad:
        raise UsageError(
            "; ".join(bad) + ": 输出文件不能以 .yaml/.yml 结尾（会被当作链库的 YAML 定义读取，整个链库随之无法加载）："
            "请改用与格式相符的扩展名，如 .csv、.xlsx、.json、.html"
        )


def check_writable(paths: Iterable[Path], force: bool) -> None:
    """Raise one UsageError naming every existing file among ``paths`` that chainmap did not write, or any
    path named ``.yaml``/``.yml`` (even with ``force``: see :func:`refuse_yaml`)."""
    paths = [Path(p) for p in paths]
    refuse_yaml(paths)
    if force:
        return
    foreign = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            foreign.append(f"{p}（是文件夹 / is a folder）")
        elif p.exists() and not is_ours(p):
            foreign.append(str(p))
    if foreign:
        raise UsageError(
            "refusing to overwrite file(s) chainmap did not write: "
            + "; ".join(foreign)
            + ". Choose another output (-o), move them away, or add --force to replace them. "
            "拒绝覆盖非本工具生成的文件；请换输出位置，或加 --force。"
        )
