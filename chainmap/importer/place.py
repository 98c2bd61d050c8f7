"""The place stage: each firm's text through the matcher's automaton, giving its ties (operates,
makes, holds) and the evidence. Big files are matched in worker processes while the main process
reads and cleans the next chunk; the workers get the matcher through the pool's initializer (so any
start method works: fork, spawn, forkserver) and leave Ctrl-C to the main process, which stops them.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from typing import Any

import pyarrow as pa

from .match import Matcher

__all__ = ["MatchPool", "match_texts"]

_EMPTY: list[str] = []
_WORKER: dict[str, Matcher] = {}  # the matcher of this worker process (set by the initializer)


def match_texts(matcher: Matcher, texts: pa.Array) -> list[pa.Array]:
    """Place each firm of a chunk: operates, makes, holds (list arrays), the evidence text and the
    uncertain nodes (for review)."""
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


def _init_worker(matcher: Matcher) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    _WORKER["m"] = matcher


def _work(texts: pa.Array) -> list[pa.Array]:
    return match_texts(_WORKER["m"], texts)


class MatchPool:
    """Matching for one import: in ``workers`` processes, or in this one when ``workers`` < 2.
    Use as a context manager: leaving it (also by Ctrl-C or an error) terminates the workers."""

    def __init__(self, matcher: Matcher, workers: int, method: str | None = None):
        self.matcher = matcher
        self.n = workers
        self.pool: Any = None
        if workers >= 2:
            # fork where there is one (no helper processes outlive an interrupted import); spawn elsewhere
            method = method or ("fork" if "fork" in mp.get_all_start_methods() else "spawn")
            self.pool = mp.get_context(method).Pool(workers, initializer=_init_worker, initargs=(matcher,))

    @staticmethod
    def default_workers(requested: int | None) -> int:
        return requested or min(2, os.cpu_count() or 1)

    def submit(self, texts: pa.Array) -> Any:
        """Start matching ``texts``; :meth:`collect` returns the result."""
        if self.pool is None:
            return texts
        step = (len(texts) + self.n - 1) // self.n or 1
        return [self.pool.apply_async(_work, (texts.slice(i, step),)) for i in range(0, len(texts), step)]

    def collect(self, job: Any) -> list[pa.Array]:
        if self.pool is None:
            return match_texts(self.matcher, job)
        parts = [j.get() for j in job]
        if not parts:
            return match_texts(self.matcher, pa.array([], pa.string()))
        return [pa.concat_arrays([p[k] for p in parts]) for k in range(len(parts[0]))]

    def __enter__(self) -> MatchPool:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
