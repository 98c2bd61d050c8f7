"""What an import is asked to do (:class:`ImportOptions`) and what it did (:class:`ImportSummary`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model import Region
from .match import DEFAULT_THRESHOLD

__all__ = ["ImportOptions", "ImportSummary", "Summary"]


@dataclass
class ImportOptions:
    """The request: which file, which chains, where to write, and how."""

    file: Path
    chains: list[str] | None = None
    output: Path | None = None
    as_of: dt.date | None = None
    dry_run: bool = False
    maps: list[str] | tuple[str, ...] = ()
    sheet: str | None = None
    threshold: float = DEFAULT_THRESHOLD
    store: str = "auto"  # auto | yaml | parquet
    include_closed: bool = False
    region: Region | None = None
    chunk_rows: int = 50_000
    progress: bool | None = None  # None: a progress bar on a terminal only
    workers: int | None = None  # processes cleaning and matching big CSVs (None: one per core, at most 2; 1: none)


@dataclass
class ImportSummary:
    """What an import did (docs/outputs.md: rows = imported + updated + merged + skipped + rejected).

    Examples
    --------
    >>> s = ImportSummary(file="名单.csv", rows=3, imported=2, rejected=1)
    >>> s.adds_up(), s.as_dict()["imported"]
    (True, 2)
    """

    file: str
    rows: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0  # of `updated`: rows whose record had nothing new
    refreshed: int = 0  # of `updated`: the same facts, a newer data date or source only
    merged: int = 0
    skipped: int = 0
    rejected: int = 0
    placed: int = 0
    unplaced: int = 0
    local: int | None = None
    output: str | None = None
    rejects: str | None = None
    store: str = "yaml"
    dry_run: bool = False
    as_of: str = ""
    as_of_from: str = ""
    encoding: str | None = None
    sheet: str | None = None
    header_row: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    unused_columns: list[str] = field(default_factory=list)
    chains: list[str] = field(default_factory=list)
    threshold: float = DEFAULT_THRESHOLD
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    warning_rows: dict[str, list[int]] = field(default_factory=dict)  # warning -> its first rows (at most 5)
    nodes: dict[str, int] = field(default_factory=dict)  # node id -> firms of this import placed there
    moved_from: list[str] = field(default_factory=list)  # other import stores whose records were updated
    signals: dict[str, int] = field(default_factory=dict)  # change signals recorded, by kind
    review: int = 0  # uncertain placements of this import's firms waiting for review
    outside_library: bool = False  # -o outside <library>/imported: the loader will not read it
    seconds: float = 0.0

    def adds_up(self) -> bool:
        return self.rows == self.imported + self.updated + self.merged + self.skipped + self.rejected

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


Summary = ImportSummary  # the name of earlier versions
