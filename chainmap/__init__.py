"""chainmap: chain-based investment attraction (产业链招商) from YAML chain definitions.

Load -> build -> analyse -> present::

    import chainmap
    lib = chainmap.load()                       # ./chains or the bundled library
    g = chainmap.graph(lib, ["polyester"])      # networkx MultiDiGraph
"""

from .api import graph, load, region
from .errors import ChainmapError, LoadError, Problem, UsageError
from .graph import build_graph, to_node_link
from .load import Library, load_library

__all__ = [
    "ChainmapError",
    "Library",
    "LoadError",
    "Problem",
    "UsageError",
    "build_graph",
    "graph",
    "load",
    "load_library",
    "region",
    "to_node_link",
]
__version__ = "0.1.0"
