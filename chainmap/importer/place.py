"""The per-firm reference of the place stage: :func:`match_texts` places each firm of a chunk one by
one with :meth:`.Matcher.place_text`. The import itself places a whole chunk at once with
:class:`.chunkmatch.ChunkMatcher` (in the worker processes of :mod:`.workers` for big CSVs); the tests
hold the two to the same result.
"""

from __future__ import annotations

import pyarrow as pa

from .match import Matcher

__all__ = ["match_texts"]

_EMPTY: list[str] = []


def match_texts(matcher: Matcher, texts: pa.Array) -> list[pa.Array]:
    """Place each firm of a chunk one by one with :meth:`.Matcher.place_text` (the reference the
    vectorised :class:`.ChunkMatcher` is tested against): operates, makes, holds (list arrays), the
    evidence text and the uncertain nodes (for review)."""
    ties: tuple[list[list[str]], ...] = ([], [], [])
    evidence: list[str | None] = []
    uncertain: list[list[str]] = []
    for t in texts.to_pylist():
        p = matcher.place_text(t)
        if p is None:
            for k in ties:
                k.append(_EMPTY)
            evidence.append(None)
            uncertain.append(_EMPTY)
            continue
        for k, role in zip(ties, ("operates", "makes", "holds"), strict=True):
            k.append(p.ties.get(role, _EMPTY))
        evidence.append(matcher.describe(p) or None)
        uncertain.append(matcher.uncertain(p))
    lists = pa.list_(pa.string())
    return [*(pa.array(k, lists) for k in ties), pa.array(evidence, pa.string()), pa.array(uncertain, lists)]
