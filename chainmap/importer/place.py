"""The place stage: each chunk's firm texts through the matcher, giving their ties (operates, makes,
holds), the evidence and the uncertain nodes. A chunk is placed at once by :class:`.ChunkMatcher`
(one automaton call over the chunk, numpy over the hits); with ``workers`` >= 2 that runs in a
helper thread while the main thread reads and cleans the next chunk (no worker processes: nothing
to copy into other interpreters, nothing left behind by Ctrl-C).
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pyarrow as pa

from .chunkmatch import ChunkMatcher
from .match import Matcher

__all__ = ["MatchPool", "match_texts"]

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


class MatchPool:
    """Matching for one import: in a helper thread when ``workers`` >= 2, else in the caller's.
    Use as a context manager: leaving it (also by Ctrl-C or an error) drops pending work."""

    def __init__(self, matcher: Matcher, workers: int):
        self.matcher = matcher
        self.chunks = ChunkMatcher(matcher)
        self.n = workers
        self.pool: ThreadPoolExecutor | None = ThreadPoolExecutor(1) if workers >= 2 else None

    @staticmethod
    def default_workers(requested: int | None) -> int:
        return requested or min(2, os.cpu_count() or 1)

    def submit(self, texts: pa.Array) -> Any:
        """Start matching ``texts``; :meth:`collect` returns the result."""
        if self.pool is None:
            return texts
        return self.pool.submit(self.chunks.match, texts)

    def collect(self, job: Any) -> list[pa.Array]:
        if isinstance(job, Future):
            return job.result()
        return self.chunks.match(job)

    def __enter__(self) -> MatchPool:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
