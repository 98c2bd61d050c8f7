"""Whole-library checks: every id defined once, every reference resolves, one default region, no
``feeds`` cycle. Run by :func:`chainmap.load.load_library` after each file is validated on its own.

Examples
--------
>>> did_you_mean("a44", ["a4", "b1"]), did_you_mean("pta_old", ["pta", "meg"])
(['a4'], ['pta'])
"""

from __future__ import annotations

import difflib
import graphlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import Problem
from .library import ChainLayout, Library, Node
from .model import LinkEntry
from .vocab import CHAIN_NODE_KINDS, ROLE_OF_KIND
from .yamlsrc import Source

__all__ = ["Checker", "Doc", "check_default_region", "check_references", "collect_definitions", "did_you_mean"]

NODE_KINDS = CHAIN_NODE_KINDS


def did_you_mean(word: str, pool: Iterable[str]) -> list[str]:
    """The closest id in ``pool``: a similar spelling, or one that is a prefix of the word (a4 for a4_old)."""
    pool = list(pool)
    close = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if close:
        return close
    prefixes = [p for p in pool if len(p) >= 2 and (word.startswith(p) or p.startswith(word))]
    return sorted(prefixes, key=lambda p: (-len(p), p))[:1]


@dataclass
class Doc:
    """One validated file. Items keep their index in the file, so later checks can point at them;
    items that failed validation are left out, and their ids kept in ``broken`` to avoid follow-on errors."""

    src: Source
    kind: str
    head: Any
    items: list[tuple[int, Any]] = field(default_factory=list)  # companies / institutions
    segments: list[tuple[int, Any, list[tuple[int, LinkEntry]]]] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)


class Checker:
    """Collects the problems of the whole-library pass; knows every id defined so far."""

    def __init__(self, lib: Library):
        self.lib = lib
        self.problems: list[Problem] = []
        self.defined: dict[str, tuple[str, tuple[str, int, int]]] = {}  # id -> (kind, place)
        self.broken: set[str] = set()  # ids defined by entries that failed validation

    def add(self, src: Source, path: tuple, msg: str, key: bool = False) -> None:
        self.problems.append(src.at(path, msg, key=key))

    def define(self, src: Source, path: tuple, ident: str, kind: str) -> bool:
        place = src.at(path + ("id",), "")
        if ident in self.defined:
            other_kind, (f, line, _c) = self.defined[ident]
            what = "" if other_kind == kind else f" (as a {other_kind})"
            self.add(
                src,
                path + ("id",),
                f"duplicate id '{ident}': already defined at {f}:{line}{what}; "
                "define it once and refer to it elsewhere",
            )
            return False
        self.defined[ident] = (kind, (place.file, place.line, place.column))
        return True

    def resolve(self, src: Source, path: tuple, ident: str, kinds: Iterable[str], role: str) -> bool:
        kinds = tuple(kinds)
        if ident in self.broken and ident not in self.defined:
            return False  # its definition has its own problem; do not report a second one
        if ident in self.defined:
            kind = self.defined[ident][0]
            if kind in kinds:
                return True
            self.add(src, path, f"'{ident}' is a {kind}, but {role} must name a {' or '.join(kinds)}")
            return False
        pool = [i for i, (k, _) in self.defined.items() if k in kinds]
        guess = did_you_mean(ident, pool)
        hint = f" (did you mean '{guess[0]}'?)" if guess else f" (no {' or '.join(kinds)} has this id; was it renamed?)"
        self.add(src, path, f"unknown {' or '.join(kinds)} '{ident}' in {role}{hint}")
        return False


def check_default_region(check: Checker, docs: list[Doc]) -> None:
    """At most one region profile may be marked ``default: true``."""
    marked = [d for d in docs if d.kind == "region" and d.head is not None and d.head.default]
    if len(marked) > 1:
        ids = ", ".join(sorted(d.head.id for d in marked))
        for d in marked:
            check.add(
                d.src,
                ("default",),
                f"more than one region profile is marked `default: true` ({ids}): keep it on one",
                key=True,
            )


def collect_definitions(lib: Library, check: Checker, docs: list[Doc]) -> None:
    """First pass over valid entries: every defined id, so references can be resolved in any order."""
    for doc in docs:
        src, kind, obj = doc.src, doc.kind, doc.head
        if kind == "chain":
            for si, _seg, links in doc.segments:
                for li, entry in links:
                    if entry.id is None:
                        continue
                    path = ("segments", si, "links", li)
                    if check.define(src, path, entry.id, "link"):
                        lib.nodes[entry.id] = _node(entry, "link", obj.id, src, path)
                    for key, items, k in (
                        ("technologies", entry.technologies, "technology"),
                        ("components", entry.components, "component"),
                    ):
                        for ti, item in enumerate(items):
                            if item.id and check.define(src, path + (key, ti), item.id, k):
                                lib.nodes[item.id] = _node(item, k, obj.id, src, path + (key, ti))
        elif kind in ("companies", "institutions"):  # firms and institutions: defined, then placed
            node_kind, into = ("company", lib.companies) if kind == "companies" else ("institution", lib.institutions)
            for i, item in doc.items:
                if check.define(src, (kind, i), item.id, node_kind):
                    into[item.id] = item
                    p = src.at((kind, i), "")
                    lib.where[item.id] = (p.file, p.line, p.column)
        elif kind == "region":
            lib.regions[obj.id] = obj


def _node(entry: Any, kind: str, chain: str, src: Source, path: tuple) -> Node:
    p = src.at(path, "")
    return Node(
        id=entry.id,
        kind=kind,
        name=entry.name,
        chain=chain,
        name_en=entry.name_en,
        aliases=list(entry.aliases),
        keywords=list(entry.keywords),
        note=entry.note,
        key=bool(getattr(entry, "key", False)),
        role=getattr(entry, "role", None),
        type=getattr(entry, "type", None) or ("component" if kind == "component" else None),
        where=(p.file, p.line, p.column),
    )


def check_references(lib: Library, check: Checker, docs: list[Doc]) -> None:
    """Resolve every reference (feeds, parts, firms' ties, institutions, local firms); find a feeds cycle."""
    feeds_at = _chain_references(lib, check, docs)
    _record_references(check, docs)
    _feeds_cycle(lib, check, feeds_at)


def _chain_references(lib: Library, check: Checker, docs: list[Doc]) -> dict[tuple[str, str], tuple[Source, tuple]]:
    feeds_at: dict[tuple[str, str], tuple[Source, tuple]] = {}
    seen_feeds: set[tuple[str, str]] = set()
    seen_pairs: set[tuple[str, str, str]] = set()
    for doc in docs:
        src, kind, obj = doc.src, doc.kind, doc.head
        if kind != "chain" or obj is None:
            continue
        segments = []
        in_chain: dict[str, tuple] = {}
        seg_ids: set[str] = set()
        for si, seg, links in doc.segments:
            if seg.id in seg_ids:
                check.add(src, ("segments", si, "id"), f"duplicate segment id '{seg.id}' in this chain")
            seg_ids.add(seg.id)
            members = []
            for li, entry in links:
                path = ("segments", si, "links", li)
                link = entry.node_id
                if entry.ref and not check.resolve(src, path + ("ref",), entry.ref, ["link"], "a segment's links"):
                    continue
                if link in in_chain:
                    check.add(
                        src,
                        path,
                        f"link '{link}' appears twice in this chain (first at line {src.at(in_chain[link], '').line})",
                    )
                    continue
                in_chain[link] = path
                members.append(link)
                for fi, target in enumerate(entry.feeds):
                    fpath = path + ("feeds", fi)
                    if check.resolve(src, fpath, target, ["link"], "feeds"):
                        if target == link:
                            check.add(src, fpath, f"link '{link}' feeds itself")
                        elif (link, target) not in seen_feeds:
                            seen_feeds.add((link, target))
                            lib.feeds.append((link, target))
                            feeds_at[(link, target)] = (src, fpath)
                _link_parts(lib, check, src, path, entry, seen_pairs)
            segments.append((seg.id, seg.name, members))
        lib.chains[obj.id] = ChainLayout(chain=obj, segments=segments, file=src.file)

    return feeds_at


def _record_references(check: Checker, docs: list[Doc]) -> None:
    for doc in docs:
        src, kind, obj = doc.src, doc.kind, doc.head
        if kind == "companies":
            for i, c in doc.items:
                base = ("companies", i)
                for node_kind, role in ROLE_OF_KIND.items():
                    kinds = [node_kind]
                    for j, ident in enumerate(getattr(c, role)):
                        check.resolve(src, base + (role, j), ident, kinds, role)
                for j, tie in enumerate(c.supplies):
                    if tie.to == c.id:
                        check.add(src, base + ("supplies", j), "a firm cannot supply itself")
                    else:
                        check.resolve(src, base + ("supplies", j), tie.to, ["company"], "supplies")
                if c.parent:
                    if c.parent == c.id:
                        check.add(src, base + ("parent",), "a firm cannot be its own parent")
                    else:
                        check.resolve(src, base + ("parent",), c.parent, ["company"], "parent")
        elif kind == "institutions":
            for i, inst in doc.items:
                for j, ident in enumerate(inst.researches):
                    check.resolve(src, ("institutions", i, "researches", j), ident, NODE_KINDS, "researches")
                for j, ident in enumerate(inst.holds):
                    check.resolve(src, ("institutions", i, "holds", j), ident, ["technology"], "holds")
        elif kind == "region" and obj is not None:
            for j, ident in enumerate(obj.local_companies):
                check.resolve(src, ("local_companies", j), ident, ["company"], "local_companies")


def _feeds_cycle(lib: Library, check: Checker, feeds_at: dict[tuple[str, str], tuple[Source, tuple]]) -> None:
    preds: dict[str, set[str]] = {}
    for a, b in lib.feeds:
        preds.setdefault(b, set()).add(a)
    try:  # the standard library's check: networkx (a slow import) only to name a cycle found
        graphlib.TopologicalSorter(preds).prepare()
    except graphlib.CycleError:
        import networkx as nx

        cycle = nx.find_cycle(nx.DiGraph(lib.feeds))
        src, fpath = feeds_at[cycle[-1]]
        loop = " -> ".join([e[0] for e in cycle] + [cycle[0][0]])
        check.add(
            src, fpath, f"the feeds edges form a cycle: {loop}; material flows one way, remove one of these feeds"
        )


def _link_parts(
    lib: Library, check: Checker, src: Source, path: tuple, entry: LinkEntry, seen: set[tuple[str, str, str]]
) -> None:
    link = entry.node_id
    for key, items, kind, out in (
        ("technologies", entry.technologies, "technology", lib.requires),
        ("components", entry.components, "component", lib.uses),
    ):
        for i, item in enumerate(items):
            if item.ref and not check.resolve(src, path + (key, i, "ref"), item.ref, [kind], key):
                continue
            pair = (kind, link, item.node_id)
            if pair in seen:
                continue
            seen.add(pair)
            out.append((link, item.node_id))
