"""Errors that carry a location, so every problem can be printed as ``file:line:col: message``.

Library functions raise these; the command line maps every :class:`ChainmapError` to a message and
exit code 2 in one place (:mod:`chainmap.cli`).

Examples
--------
>>> str(Problem("chains/a.yaml", 6, 3, "duplicate key 'name'"))
"chains/a.yaml:6:3: duplicate key 'name'"
>>> str(Problem("chains/companies", 0, 0, "cannot read the folder"))
'chains/companies: cannot read the folder'
>>> err = LoadError([Problem("b.yaml", 2, 1, "x"), Problem("a.yaml", 9, 1, "y")])
>>> [p.file for p in err.problems]  # sorted by place
['a.yaml', 'b.yaml']
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ChainmapError", "LoadError", "OutputError", "Problem", "UsageError"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, at a place in a file (line and column are 1-based; 0 = the
    whole file or folder)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}: {self.message}"
        return f"{self.file}: {self.message}"

    def as_dict(self) -> dict:
        """The problem as JSON-ready data (``file``, ``line``, ``column``, ``message``)."""
        return {"file": self.file, "line": self.line, "column": self.column, "message": self.message}


class ChainmapError(Exception):
    """Base of every error chainmap raises on bad input or usage (the CLI exits 2 on it)."""


class LoadError(ChainmapError):
    """The library (or one file) has problems; ``problems`` lists all of them, sorted by place."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(ChainmapError):
    """A request that cannot be met (unknown chain, missing region, bad option value)."""


class OutputError(ChainmapError):
    """A file could not be written (read-only folder, full disk ...); nothing half-written is left."""
