"""chainmap: chain-based investment attraction (产业链招商) from YAML chain definitions.

Load -> build -> analyse -> present::

    import chainmap
    lib = chainmap.load()                         # ./chains or the bundled library
    g = chainmap.graph(lib, "聚酯纤维")            # networkx MultiDiGraph (ids or Chinese names)
    a = chainmap.analyse(lib, "carbon_fiber")     # gaps, completeness, targets, routes (DataFrames)
    chainmap.render(lib, "carbon_fiber", outdir="maps")   # offline HTML maps

Examples
--------
>>> import chainmap
>>> lib = chainmap.load()
>>> a = chainmap.analyse(lib, "碳纤维")
>>> a.region.name, a.graph.graph["chains"]
('连云港市', ['carbon_fiber'])
"""

import sys
from importlib import import_module
from types import ModuleType
from typing import Any

# Names are imported on first use (PEP 562), so `import chainmap` is cheap and the command line can
# answer Ctrl-C while pandas and networkx are still loading (chainmap/entry.py).
_HOME = {
    **dict.fromkeys(["Analysis", "analyse", "gaps", "graph", "load", "region", "render", "routes", "targets"], "api"),
    **dict.fromkeys(["ChainmapError", "LoadError", "OutputError", "Problem", "UsageError"], "errors"),
    **dict.fromkeys(["build_graph", "to_node_link"], "graph"),
    **dict.fromkeys(["Library", "load_library"], "load"),
    **dict.fromkeys(["ValidationReport", "validate"], "validate"),
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(import_module(f".{_HOME[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'chainmap' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])


class _Package(ModuleType):
    """Importing a submodule binds it on the package (``chainmap.graph``, ``chainmap.load``,
    ``chainmap.validate``); the public function of the same name must win, as it did when these names
    were imported eagerly."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, ModuleType) and name in _HOME and value.__name__ == f"{__name__}.{name}":
            return  # resolved by __getattr__ to the function on first use
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = [
    "Analysis",
    "ChainmapError",
    "Library",
    "LoadError",
    "OutputError",
    "Problem",
    "UsageError",
    "ValidationReport",
    "analyse",
    "build_graph",
    "gaps",
    "graph",
    "load",
    "load_library",
    "region",
    "render",
    "routes",
    "targets",
    "to_node_link",
    "validate",
]
__version__ = "0.1.0"
