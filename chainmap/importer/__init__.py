"""``chainmap import``: company lists from business-data exports (CSV / XLSX) into the chain library.

Read in chunks (:mod:`.read`), header row and columns found by name (:mod:`.headers`), values cleaned
(:mod:`.clean`), firms placed on chain nodes by one Aho-Corasick automaton (:mod:`.match`), records
written to ``<library>/imported/`` as YAML or Parquet (:mod:`.store`), counted in a summary
(:mod:`.run`, :class:`ImportSummary`); the store is read by the loader through :mod:`chainmap.store`.
"""

from ..store import attach_imported, read_store
from .match import DEFAULT_THRESHOLD, Matcher
from .options import ImportOptions, ImportSummary, Summary
from .run import run_import

__all__ = [
    "DEFAULT_THRESHOLD",
    "ImportOptions",
    "ImportSummary",
    "Matcher",
    "Summary",
    "attach_imported",
    "read_store",
    "run_import",
]
