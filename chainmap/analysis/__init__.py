"""Analysis: pure functions from the graph (and a region profile) to tables."""
