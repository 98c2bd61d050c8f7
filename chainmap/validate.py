"""Check chain YAML files or whole library folders and return a :class:`ValidationReport`.

Examples
--------
>>> from chainmap.library import bundled_library
>>> report = validate([bundled_library()])
>>> report.ok, report.results[0].companies > 0
(True, True)
>>> validate([Path("no/such/folder")]).problems[0].message
'no such file or folder'
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from .analysis.summary import chain_counts
from .errors import LoadError, Problem
from .graph import build_graph
from .library import Library
from .load import SUBDIRS, display_path, load_library

__all__ = ["LibrarySummary", "ValidationReport", "summary_counts", "validate"]


@dataclass
class LibrarySummary:
    """What one checked path holds: per-chain counts (rows of :func:`chain_counts`), firms, regions."""

    path: str
    chains: list[dict]
    companies: int
    institutions: int
    regions: list[str]
    imported: int = 0  # placed firms kept in the firm store (chainmap import), not among ``companies``

    def as_dict(self) -> dict:
        """JSON-ready data."""
        return {
            "path": self.path,
            "chains": self.chains,
            "companies": self.companies,
            "institutions": self.institutions,
            "regions": self.regions,
            "imported": self.imported,
        }


@dataclass
class ValidationReport:
    """The outcome of :func:`validate`: a summary per valid path and every problem found, located."""

    results: list[LibrarySummary] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def as_dict(self) -> dict:
        """JSON-ready data: ``ok``, ``results``, ``problems``."""
        return {
            "ok": self.ok,
            "results": [r.as_dict() for r in self.results],
            "problems": [p.as_dict() for p in self.problems],
        }


def library_root(file: Path) -> Path:
    """The library a single YAML file belongs to (its folder, or the parent of ``companies/`` ...)."""
    parent = file.resolve().parent
    return parent.parent if parent.name in SUBDIRS else parent


_TIED = ("link", "technology", "component")  # a firm belongs to the chains of the nodes it is tied to


def summary_counts(lib: Library) -> pd.DataFrame:
    """:func:`~chainmap.analysis.summary.chain_counts` of the library's graph, without putting every firm
    into the graph: the graph of the chains and institutions, then firms counted by their ties.

    >>> from chainmap.library import bundled_library
    >>> lib = load_library(bundled_library())
    >>> summary_counts(lib).equals(chain_counts(build_graph(lib)))
    True
    """
    g = build_graph(replace(lib, companies={}))
    node_chains = {n: d["chains"] for n, d in g.nodes(data=True) if d["kind"] in _TIED}
    per_chain = dict.fromkeys(g.graph["chains"], 0)
    memo: dict[tuple[str, ...], set[str]] = {}
    for c in lib.companies.values():
        key = (*c.operates, *c.makes, *c.holds)
        found = memo.get(key)
        if found is None:
            found = memo[key] = {cid for t in key for cid in node_chains.get(t, ())}
        for cid in found:
            per_chain[cid] += 1
    counts = chain_counts(g)
    counts["companies"] = [per_chain[c] for c in counts["chain"]]
    return counts


def _one(path: Path) -> LibrarySummary:
    root, only = (path, None) if path.is_dir() else (library_root(path), [path])
    lib = load_library(root, only=only)
    counts = summary_counts(lib)
    if only:
        counts = counts[counts["chain"] == path.stem] if path.stem in lib.chains else counts.iloc[0:0]
    return LibrarySummary(
        display_path(path),
        counts.to_dict("records"),
        len(lib.companies),
        len(lib.institutions),
        sorted(lib.regions),
        len(lib.store) if lib.store is not None else 0,
    )


@contextlib.contextmanager
def _few_collections() -> Iterator[None]:
    """Collect garbage rarely while a library loads: 100k records are millions of long-lived objects that
    each collection would scan again (a quarter of the time of a large file)."""
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], 100_000), 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def validate(paths: Iterable[str | Path]) -> ValidationReport:
    """Load each path (a library folder, or one YAML file checked within its library) and collect a
    summary or the problems of each. Never raises on bad input: the problems are in the report."""
    with _few_collections():
        return _validate_all(paths)


def _validate_all(paths: Iterable[str | Path]) -> ValidationReport:
    report = ValidationReport()
    for p in map(Path, paths):
        if not p.exists():
            report.problems.append(Problem(display_path(p), 0, 0, "no such file or folder"))
            continue
        try:
            report.results.append(_one(p))
        except LoadError as err:
            report.problems += err.problems
    return report
