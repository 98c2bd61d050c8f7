"""Analysis: pure functions from the graph (and a region profile) to tables.

classify (status, per-chain gap type) -> score (priority) -> explain (reasons) are joined by ``gaps``
(one row per (chain, node), and one per node); ``targets`` (with ``groups`` and ``why``), ``wave``
(first wave, what-if), ``feasibility`` (RCA, density) and ``routes`` read those tables.
"""
