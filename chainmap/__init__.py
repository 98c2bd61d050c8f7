"""chainmap: chain-based investment attraction (产业链招商) from YAML chain definitions.

Load -> build -> analyse -> present::

    import chainmap
    lib = chainmap.load()                       # ./chains or the bundled library
    g = chainmap.graph(lib, ["polyester"])      # networkx MultiDiGraph
    a = chainmap.analyse(lib, ["carbon_fiber"]) # gaps, completeness, targets, routes (DataFrames)
"""

from .api import Analysis, analyse, gaps, graph, load, region, routes, targets
from .errors import ChainmapError, LoadError, Problem, UsageError
from .graph import build_graph, to_node_link
from .load import Library, load_library

__all__ = [
    "Analysis",
    "ChainmapError",
    "Library",
    "LoadError",
    "Problem",
    "UsageError",
    "analyse",
    "build_graph",
    "gaps",
    "graph",
    "load",
    "load_library",
    "region",
    "routes",
    "targets",
    "to_node_link",
]
__version__ = "0.1.0"
