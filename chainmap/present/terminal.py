"""Terminal output with rich: tables whose CJK columns line up, and the chain tree of `chainmap show`."""

from __future__ import annotations

import io
from collections.abc import Sequence

import networkx as nx
import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from ..vocab import chain_node


def _console(width: int | None = None) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, width=width or 200, color_system=None, highlight=False, soft_wrap=False), buf


def table_text(
    df: pd.DataFrame, headers: Sequence[str] | None = None, title: str | None = None, width: int | None = None
) -> str:
    """Render a DataFrame as a plain-text table; rich measures CJK characters as two cells wide."""
    console, buf = _console(width)
    t = Table(title=title, show_lines=False, header_style="bold", pad_edge=True)
    for h in headers or list(df.columns):
        t.add_column(escape(str(h)), overflow="fold")
    for row in df.itertuples(index=False):
        t.add_row(*["" if v is None or (isinstance(v, float) and pd.isna(v)) else escape(str(v)) for v in row])
    console.print(t)
    return buf.getvalue()


def chain_tree(g: nx.MultiDiGraph, chain: str, width: int | None = None) -> str:
    """The chain as a tree: segments -> links (★ key) -> technologies, components, institutions, firms."""
    console, buf = _console(width)
    cnode = chain_node(chain)
    data = g.nodes[cnode]
    root = Tree(Text(f"{data['name']}" + (f"  {data['name_en']}" if data.get("name_en") else "") + f"  [{chain}]"))
    segments = sorted(
        (u for u, _v, k in g.in_edges(cnode, keys=True) if k == "part_of"), key=lambda s: g.nodes[s]["order"]
    )
    for seg in segments:
        seg_tree = root.add(Text(g.nodes[seg]["name"]))
        links = [u for u, _v, k in g.in_edges(seg, keys=True) if k == "part_of"]
        for link in sorted(links, key=lambda n: (g.nodes[n]["level"], n)):
            d = g.nodes[link]
            downstream = [v for _u, v, k in g.out_edges(link, keys=True) if k == "feeds"]
            label = ("★ " if d.get("key") else "") + d["name"] + f"  [{link}]"
            if downstream:
                label += "  → " + "、".join(g.nodes[v]["name"] for v in sorted(downstream))
            lt = seg_tree.add(Text(label))
            groups = {"技术": "requires", "部件/材料": "uses"}
            for title, kind in groups.items():
                names = [g.nodes[v]["name"] for _u, v, k in g.out_edges(link, keys=True) if k == kind]
                if names:
                    lt.add(Text(f"{title}: " + "、".join(sorted(names))))
            inst = sorted(g.nodes[u]["name"] for u, _v, k in g.in_edges(link, keys=True) if k == "researches")
            if inst:
                lt.add(Text("研究机构: " + "、".join(inst)))
            firms = sorted(
                (
                    (not g.nodes[u].get("local"), g.nodes[u]["short_name"])
                    for u, _v, k in g.in_edges(link, keys=True)
                    if k == "operates"
                )
            )
            if firms:
                lt.add(Text("企业: " + "、".join(("【本地】" if not other else "") + name for other, name in firms)))
    console.print(root)
    return buf.getvalue()
