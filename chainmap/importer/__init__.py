"""``chainmap import``: company lists from business-data exports (CSV / XLSX) into the chain library.

Read in chunks (:mod:`.read`), header row and columns found by name (:mod:`.headers`), values cleaned
(:mod:`.clean`), firms placed on chain nodes by one Aho-Corasick automaton (:mod:`.match`), records
written to ``<library>/imported/`` as YAML or Parquet (:mod:`.store`), counted in a summary
(:mod:`.run`, :mod:`.report`).
"""

from .match import DEFAULT_THRESHOLD, Matcher
from .run import ImportOptions, Summary, run_import
from .store import attach_imported, read_store

__all__ = ["DEFAULT_THRESHOLD", "ImportOptions", "Matcher", "Summary", "attach_imported", "read_store", "run_import"]
