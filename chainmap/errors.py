"""Errors that carry a location, so every problem can be printed as ``file:line:col: message``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, at a place in a file (line and column are 1-based)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}: {self.message}"
        return f"{self.file}: {self.message}"

    def as_dict(self) -> dict:
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
