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

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .analysis.summary import chain_counts
from .errors import LoadError, Problem
from .graph import build_graph
from .load import SUBDIRS, display_path, load_library

__all__ = ["LibrarySummary", "ValidationReport", "validate"]


@dataclass
class LibrarySummary:
    """What one checked path holds: per-chain counts (rows of :func:`chain_counts`), firms, regions."""

    path: str
    chains: list[dict]
    companies: int
    institutions: int
    regions: list[str]

    def as_dict(self) -> dict:
        """JSON-ready data."""
        return {
            "path": self.path,
            "chains": self.chains,
            "companies": self.companies,
            "institutions": self.institutions,
            "regions": self.regions,
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


def _one(path: Path) -> LibrarySummary:
    root, only = (path, None) if path.is_dir() else (library_root(path), [path])
    lib = load_library(root, only=only)
    counts = chain_counts(build_graph(lib))
    if only:
        counts = counts[counts["chain"] == path.stem] if path.stem in lib.chains else counts.iloc[0:0]
    return LibrarySummary(
        display_path(path), counts.to_dict("records"), len(lib.companies), len(lib.institutions), sorted(lib.regions)
    )


def validate(paths: Iterable[str | Path]) -> ValidationReport:
    """Load each path (a library folder, or one YAML file checked within its library) and collect a
    summary or the problems of each. Never raises on bad input: the problems are in the report."""
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
