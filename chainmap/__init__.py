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

from .api import Analysis, analyse, gaps, graph, load, region, render, routes, targets
from .errors import ChainmapError, LoadError, OutputError, Problem, UsageError
from .graph import build_graph, to_node_link
from .load import Library, load_library
from .validate import ValidationReport, validate

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
