"""Load a chain library (YAML files) into a validated :class:`Library`, reporting every problem at once.

Three passes: read and parse every file (syntax, encoding), validate each against its model (types,
required and unknown fields), then check the library as a whole (duplicate ids, references that do
not resolve, a ``feeds`` cycle). Problems of all passes are collected and raised together as one
:class:`~chainmap.errors.LoadError`, each with ``file:line:col``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .checks import Checker, Doc, check_default_region, check_references, collect_definitions, did_you_mean
from .errors import LoadError, Problem
from .library import ChainLayout, Library, Node
from .model import ChainHead, Company, CompanyFile, Institution, InstitutionFile, LinkEntry, Region, SegmentHead
from .problems import describe, problems_from
from .store import attach_imported, settle
from .vocab import CHAIN_NODE_KINDS
from .yamlsrc import Source, read

NODE_KINDS = CHAIN_NODE_KINDS
_ID_LINE = re.compile(r"^[ \t-]*id:[ \t]*['\"]?([a-z][a-z0-9_]*)", re.MULTILINE)
__all__ = ["ChainLayout", "Library", "Node", "SUBDIRS", "display_path", "did_you_mean", "library_files", "load_library"]

SUBDIRS = {"companies": "companies", "institutions": "institutions", "regions": "region", "imported": "companies"}


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


def _settle_store(root: Path) -> None:
    """Finish a store switch a crashed import left half done, before any store file is read."""
    try:
        settle(root / "imported")
    except OSError as err:
        where = display_path(root / "imported")
        raise LoadError(
            [Problem(where, 0, 0, f"上次导入中断，无法完成恢复：{err}；请检查该文件夹的写权限后重试")]
        ) from None


def load_library(root: str | Path, *, only: Iterable[str | Path] | None = None, imported: str = "store") -> Library:
    """Load and check the library at ``root``. Raises :class:`LoadError` listing every problem.

    >>> from chainmap.library import bundled_library
    >>> lib = load_library(bundled_library())
    >>> "polyester" in lib.chains and lib.nodes["pta"].kind
    'link'
    >>> load_library("no/such/folder")
    Traceback (most recent call last):
    chainmap.errors.LoadError: no/such/folder: no such folder: give the folder that holds the chain YAML files

    ``only``: restrict the reported problems to these files (the whole library is still checked, since
    references cross files). ``imported``: ``"store"`` (default) keeps the firms of the Parquet import
    stores in ``lib.store`` (:class:`~chainmap.firmstore.FirmStore`: analysis reads them there, graphs
    hold only those shown); ``"graph"`` makes each placed one a ``Company`` in ``lib.companies``, as
    before the store (kept to check that both give the same results); ``"none"`` reads none of them (the
    importer, which reads the stores itself: the placed firms of a 917k-firm store cost ~1.2 s and ~380 MB).
    """
    root = Path(root)
    if not root.is_dir():
        raise LoadError(
            [Problem(display_path(root), 0, 0, "no such folder: give the folder that holds the chain YAML files")]
        )
    _settle_store(root)
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

    check = Checker(lib)
    for doc in docs:
        check.broken |= doc.broken
    for path in broken_files:  # unreadable YAML: guess its ids so references to them are not reported too
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            continue  # already reported by read()
        check.broken |= set(_ID_LINE.findall(text))
    collect_definitions(lib, check, docs)
    check_references(lib, check, docs)
    check_default_region(check, docs)
    problems += check.problems
    if only is not None:
        wanted = {display_path(Path(p)) for p in only}
        problems = [p for p in problems if p.file in wanted]
    if problems:
        raise LoadError(problems)
    lib.chains = dict(sorted(lib.chains.items()))
    if imported == "graph":
        attach_imported(lib, root)
    elif imported == "store":
        from .firmstore import open_store

        lib.store = open_store(root, lib.nodes, skip=lib.companies)
    return lib
