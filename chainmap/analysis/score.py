"""Score a gap: its priority (0-100) as a sum of named criteria whose points the region profile sets
(``gap_weights``), so the breakdown of every priority can be shown and changed.

Criteria (defaults): the gap type (fill 50, extend 35, strengthen 25), a key link (+20), the share of
the chain's links downstream of it (up to +20), its betweenness on the chain's flow relative to the
chain's highest (up to +10) and, only when feasibility is computed, its relatedness density (up to
+10). A technology or component earns ``part_factor`` (0.6) of those points, so links come first. The
sum is capped at 100.

Examples
--------
>>> from chainmap.model import GapWeights
>>> p, parts = gap_priority("fill", key=True, downstream_share=0.5, between_share=1.0, weights=GapWeights())
>>> p, parts
(90.0, {'fill': 50.0, 'key': 20.0, 'downstream': 10.0, 'betweenness': 10.0})
>>> gap_priority(None, key=True, downstream_share=1, between_share=1, weights=GapWeights())
(0.0, {})
"""

from __future__ import annotations

from ..model import GapWeights

__all__ = ["gap_priority"]


def gap_priority(
    gap_type: str | None,
    *,
    key: bool,
    downstream_share: float,
    between_share: float,
    weights: GapWeights,
    density: float | None = None,
    part: bool = False,
) -> tuple[float, dict[str, float]]:
    """The priority of a gap and its breakdown (criterion -> points); no gap scores 0.

    Examples
    --------
    >>> from chainmap.model import GapWeights
    >>> gap_priority("extend", key=False, downstream_share=0, between_share=0, weights=GapWeights(),
    ...              density=0.5, part=True)
    (24.0, {'extend': 21.0, 'density': 3.0})
    """
    if gap_type is None:
        return 0.0, {}
    points = {
        gap_type: getattr(weights, gap_type),
        "key": weights.key if key else 0.0,
        "downstream": weights.downstream * min(max(downstream_share, 0.0), 1.0),
        "betweenness": weights.betweenness * min(max(between_share, 0.0), 1.0),
    }
    if density is not None:
        points["density"] = weights.density * min(max(density, 0.0), 1.0)
    factor = weights.part_factor if part else 1.0
    breakdown = {k: round(float(v) * factor, 2) for k, v in points.items() if v}
    return round(min(sum(breakdown.values()), 100.0), 1), breakdown
