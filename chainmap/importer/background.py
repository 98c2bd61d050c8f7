"""Work done in order by one helper thread -- writing and reading Arrow and Parquet files, which pyarrow
does without holding the GIL -- while the main thread goes on with the next part."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

__all__ = ["Background"]


class Background:
    """Jobs run in the order they are given by one helper thread. At most ``depth`` jobs wait (the
    memory they hold stays bounded); the error of a job is raised in the caller's thread, at the latest
    by :meth:`finish`. Leaving the ``with`` block waits for the running job and drops the others.

    Examples
    --------
    >>> out = []
    >>> with Background() as bg:
    ...     for i in range(5):
    ...         _ = bg.submit(out.append, i)
    ...     bg.finish()
    >>> out
    [0, 1, 2, 3, 4]
    """

    def __init__(self, depth: int = 2):
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="chainmap-io")
        self.pending: deque[Future[Any]] = deque()
        self.depth = depth

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        job = self.pool.submit(fn, *args)
        self.pending.append(job)
        while len(self.pending) > self.depth:
            self.pending.popleft().result()
        return job

    def finish(self) -> None:
        """Wait for every job (raising the first error)."""
        while self.pending:
            self.pending.popleft().result()

    def close(self) -> None:
        self.pending.clear()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Background:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
