"""``chainmap import``: company lists from business-data exports (CSV / XLSX) into the chain library.

Read in chunks (:mod:`.read`), header row and columns found by name (:mod:`.headers`), values cleaned
(:mod:`.clean`), firms placed on chain nodes by one Aho-Corasick automaton (:mod:`.match`), records
written to ``<library>/imported/`` as YAML or Parquet (:mod:`.store`), counted in a summary
(:mod:`.run`, :class:`ImportSummary`); the store is read by the loader through :mod:`chainmap.store`.
"""

from __future__ import annotations

import importlib
from typing import Any

# imported when first asked for: ``chainmap import`` starts reading a big file (:mod:`.early`) before
# it pays for the rest of the importer (pyarrow, the model, the matcher)
_WHERE = {
    "DEFAULT_THRESHOLD": ".match",
    "ImportOptions": ".options",
    "ImportSummary": ".options",
    "Matcher": ".match",
    "Summary": ".options",
    "attach_imported": "..store",
    "read_store": "..store",
    "run_import": ".run",
}

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


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
