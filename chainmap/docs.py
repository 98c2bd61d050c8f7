"""Generate ``docs/outputs.md`` from the column specs in :data:`chainmap.vocab.OUTPUTS`.

Run ``python -m chainmap.docs`` after changing a column spec; a test checks that the file is in step.

Examples
--------
>>> text = outputs_markdown()
>>> text.splitlines()[0]
'# chainmap outputs: every key of every machine-readable output'
>>> "| `why` | 推荐理由 |" in text
True
"""

from __future__ import annotations

import sys
from pathlib import Path

from .files import write_atomic
from .vocab import OUTPUTS

__all__ = ["DOC", "outputs_markdown"]

DOC = Path(__file__).resolve().parent.parent / "docs" / "outputs.md"

TITLES = {
    "gaps": "`chainmap gaps --format json` (缺链清单): a list, highest priority first",
    "completeness": "产业链完整度 (the first sheet of the gaps and report workbooks): one row per chain, and `all`",
    "targets": "`chainmap targets --format json` (目标企业清单): a list, best first",
    "routes": "`chainmap routes --format json` (招商线路): a list of cities, best first",
    "graph_nodes": "`chainmap graph`: node attributes (networkx node-link JSON, `nodes`)",
    "graph_edges": "`chainmap graph`: edge attributes (networkx node-link JSON, `edges`)",
    "import": "`chainmap import --format json`: what an import did",
    "validate": "`chainmap validate --format json`",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def outputs_markdown() -> str:
    """The text of ``docs/outputs.md``: one table (key, Chinese header, meaning) per output."""
    out = [
        "# chainmap outputs: every key of every machine-readable output",
        "",
        "Generated from `chainmap/vocab.py` (`OUTPUTS`) by `python -m chainmap.docs`; do not edit by hand.",
        "CSV and XLSX files use the Chinese headers; JSON uses the keys.",
    ]
    for name, cols in OUTPUTS.items():
        out += ["", f"## {TITLES.get(name, name)}", "", "| key | 中文表头 | meaning |", "|---|---|---|"]
        out += [f"| `{c.key}` | {_cell(c.header)} | {_cell(c.meaning)} |" for c in cols]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write ``docs/outputs.md`` (or the path given)."""
    args = sys.argv[1:] if argv is None else argv
    path = write_atomic(Path(args[0]) if args else DOC, outputs_markdown())
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
