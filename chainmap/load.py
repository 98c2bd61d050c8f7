"""Load a chain library (YAML files) into a validated :class:`Library`, reporting every problem at once.

Three passes: read and parse every file (syntax, encoding), validate each against its model (types,
required and unknown fields), then check the library as a whole (duplicate ids, references that do
not resolve, a ``feeds`` cycle). Problems of all passes are collected and raised together as one
:class:`~chainmap.errors.LoadError`, each with ``file:line:col``.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
from pydantic import BaseModel, ValidationError

from .errors import LoadError, Problem
from .library import ChainLayout, Library, Node
from .model import ChainHead, Company, CompanyFile, Institution, InstitutionFile, LinkEntry, Region, SegmentHead
from .problems import describe, problems_from
from .vocab import CHAIN_NODE_KINDS, ROLE_OF_KIND
from .yamlsrc import Source, read

NODE_KINDS = CHAIN_NODE_KINDS
_ID_LINE = re.compile(r"^[ \t-]*id:[ \t]*['\"]?([a-z][a-z0-9_]*)", re.MULTILINE)
__all__ = ["ChainLayout", "Library", "Node", "SUBDIRS", "display_path", "did_you_mean", "library_files", "load_library"]

SUBDIRS = {"companies": "companies", "institutions": "institutions", "regions": "region", "imported": "companies"}


def did_you_mean(word: str, pool: Iterable[str]) -> list[str]:
    """The closest id in ``pool``: a similar spelling, or one that is a prefix of the word (a4 for a4_old).

    >>> did_you_mean("a44", ["a4", "b1"]), did_you_mean("pta_old", ["pta", "meg"])
    (['a4'], ['pta'])
    """
    pool = list(pool)
    close = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if close:
        return close
    prefixes = [p for p in pool if len(p) >= 2 and (word.startswith(p) or p.startswith(word))]
    return sorted(prefixes, key=lambda p: (-len(p), p))[:1]


def display_path(path: Path) -> str:
    """``path`` relative to the current folder when inside it, else absolute (how problems name files)."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return os.path.abspath(path) if rel.startswith("..") else rel  # abspath: a symbolic link keeps its own name


def _kind_of(path: Path, root: Path | None) -> str:
    if root is not None and path.parent != root and path.parent.name in SUBDIRS:
        return SUBDIRS[path.parent.name]
    return "chain"


def library_files(root: Path) -> list[tuple[Path, str]]:
    """Every YAML file of a library with its kind (chain, companies, institutions, region)."""
    return scan_library(root)[0]


def _is_yaml(name: str) -> bool:
    return name.endswith((".yaml", ".yml"))


def _entry_problem(path: Path) -> Problem | None:
    """Why a YAML entry of the library cannot be read as a file (a dangling link, a folder), if it cannot."""
    if path.is_symlink() and not path.exists():
        target = os.readlink(path)
        return Problem(display_path(path), 0, 0, f"a symbolic link to {target}, which does not exist: fix or remove it")
    if not path.is_file():
        return Problem(display_path(path), 0, 0, "not a file: a YAML name on a folder or device; rename or remove it")
    return None


def _folder_problem(path: Path, err: OSError) -> Problem:
    return Problem(
        display_path(path),
        0,
        0,
        f"cannot read the folder: {err.strerror or err} (give your user read access to it, or move it out)",
    )


def scan_library(root: Path) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """Every YAML file of a library with its kind, and a located problem for everything that cannot be read
    (an unreadable folder, a dangling symbolic link): nothing is skipped without a word."""
    files: list[tuple[Path, str]] = []
    problems: list[Problem] = []

    def add(path: Path, kind: str) -> None:
        why = _entry_problem(path)
        if why is None:
            files.append((path, kind))
        else:
            problems.append(why)

    try:
        top = sorted(e.name for e in os.scandir(root))
    except OSError as err:
        return [], [_folder_problem(root, err)]
    for name in top:
        if _is_yaml(name):
            add(root / name, "chain")
    for sub, kind in SUBDIRS.items():
        folder = root / sub
        if not (folder.exists() or folder.is_symlink()):
            continue
        if not folder.is_dir():
            problems.append(Problem(display_path(folder), 0, 0, f"'{sub}' should be a folder of YAML files"))
            continue
        found: list[Path] = []
        for dirpath, dirnames, names in os.walk(
            folder, onerror=lambda e: problems.append(_folder_problem(Path(e.filename), e))
        ):
            dirnames.sort()
            found += [Path(dirpath) / n for n in names if _is_yaml(n)]
        for path in sorted(found):
            add(path, kind)
    return files, problems


def _check(model: type[BaseModel], data: Any, src: Source, prefix: tuple, problems: list[Problem]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        problems += problems_from(err, src, model, prefix)
        return None


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


def _raw_ids(item: Any) -> set[str]:
    """Ids a (possibly invalid) raw entry defines, found anywhere inside it without trusting its shape
    (a misspelt key such as `technolgies` still holds definitions)."""
    out: set[str] = set()
    stack = [item]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("id"), str):
                out.add(node["id"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return out


def _validate(src: Source, kind: str) -> tuple[Doc | None, list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(src.data, dict):
        top = {"companies": "companies:", "institutions": "institutions:"}.get(kind, "`key: value` lines")
        return None, [src.at((), f"the file should hold a mapping (start with {top}), got {describe(src.data)}")]
    if kind == "region":
        head = _check(Region, src.data, src, (), problems)
        return (Doc(src, kind, head) if head else None), problems
    if kind in ("companies", "institutions"):
        file_model, item_model = (CompanyFile, Company) if kind == "companies" else (InstitutionFile, Institution)
        head = _check(file_model, src.data, src, (), problems)
        if head is None:
            return None, problems
        doc = Doc(src, kind, head)
        for i, raw in enumerate(getattr(head, kind)):
            obj = _check(item_model, raw, src, (kind, i), problems)
            if obj is None:
                doc.broken |= _raw_ids(raw)
            else:
                doc.items.append((i, obj))
        return doc, problems
    head = _check(ChainHead, src.data, src, (), problems)
    if head is None:
        doc = Doc(src, kind, None)
        for seg in src.data.get("segments") or [] if isinstance(src.data.get("segments"), list) else []:
            for link in (
                (seg.get("links") or []) if isinstance(seg, dict) and isinstance(seg.get("links"), list) else []
            ):
                doc.broken |= _raw_ids(link)
        return doc, problems
    doc = Doc(src, kind, head)
    for si, raw_seg in enumerate(head.segments):
        seg = _check(SegmentHead, raw_seg, src, ("segments", si), problems)
        if seg is None:
            if isinstance(raw_seg, dict) and isinstance(raw_seg.get("links"), list):
                for link in raw_seg["links"]:
                    doc.broken |= _raw_ids(link)
            continue
        links = []
        for li, raw in enumerate(seg.links):
            entry = _check(LinkEntry, raw, src, ("segments", si, "links", li), problems)
            if entry is None:
                doc.broken |= _raw_ids(raw)
            else:
                links.append((li, entry))
        doc.segments.append((si, seg, links))
    return doc, problems


# -- whole-library checks --------------------------------------------------------------------------


class _Checker:
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


def load_library(root: str | Path, *, only: Iterable[str | Path] | None = None) -> Library:
    """Load and check the library at ``root``. Raises :class:`LoadError` listing every problem.

    >>> from chainmap.library import bundled_library
    >>> lib = load_library(bundled_library())
    >>> "polyester" in lib.chains and lib.nodes["pta"].kind
    'link'
    >>> load_library("no/such/folder")
    Traceback (most recent call last):
    chainmap.errors.LoadError: no/such/folder: no such folder: give the folder that holds the chain YAML files

    ``only``: restrict the reported problems to these files (the whole library is still checked, since
    references cross files).
    """
    root = Path(root)
    if not root.is_dir():
        raise LoadError(
            [Problem(display_path(root), 0, 0, "no such folder: give the folder that holds the chain YAML files")]
        )
    lib = Library(root=root)
    docs: list[Doc] = []
    broken_files: list[Path] = []
    files, problems = scan_library(root)
    for path, kind in files:
        src, probs = read(path, display_path(path))
        problems += probs
        if src is None:
            broken_files.append(path)
            continue
        doc, probs = _validate(src, kind)
        problems += probs
        if doc is None:
            continue
        if kind in ("chain", "region") and doc.head is not None and doc.head.id != path.stem:
            problems.append(
                src.at(("id",), f"{kind} id '{doc.head.id}' differs from the file name '{path.stem}': make them equal")
            )
        docs.append(doc)

    check = _Checker(lib)
    for doc in docs:
        check.broken |= doc.broken
    for path in broken_files:  # unreadable YAML: guess its ids so references to them are not reported too
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            continue  # already reported by read()
        check.broken |= set(_ID_LINE.findall(text))
    _collect_definitions(lib, check, docs)
    _check_references(lib, check, docs)
    _check_default_region(check, docs)
    problems += check.problems
    if only is not None:
        wanted = {display_path(Path(p)) for p in only}
        problems = [p for p in problems if p.file in wanted]
    if problems:
        raise LoadError(problems)
    lib.chains = dict(sorted(lib.chains.items()))
    from .importer.store import attach_imported  # firms of the Parquet stores `chainmap import` writes

    attach_imported(lib, root)
    return lib


def _check_default_region(check: _Checker, docs: list[Doc]) -> None:
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


def _collect_definitions(lib: Library, check: _Checker, docs: list[Doc]) -> None:
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
        elif kind == "companies":
            for i, c in doc.items:
                if check.define(src, ("companies", i), c.id, "company"):
                    lib.companies[c.id] = c
                    p = src.at(("companies", i), "")
                    lib.where[c.id] = (p.file, p.line, p.column)
        elif kind == "institutions":
            for i, inst in doc.items:
                if check.define(src, ("institutions", i), inst.id, "institution"):
                    lib.institutions[inst.id] = inst
                    p = src.at(("institutions", i), "")
                    lib.where[inst.id] = (p.file, p.line, p.column)
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


def _check_references(lib: Library, check: _Checker, docs: list[Doc]) -> None:
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

    graph = nx.DiGraph(lib.feeds)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        cycle = []
    if cycle:
        src, fpath = feeds_at[cycle[-1]]
        loop = " -> ".join([e[0] for e in cycle] + [cycle[0][0]])
        check.add(
            src, fpath, f"the feeds edges form a cycle: {loop}; material flows one way, remove one of these feeds"
        )


def _link_parts(
    lib: Library, check: _Checker, src: Source, path: tuple, entry: LinkEntry, seen: set[tuple[str, str, str]]
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
