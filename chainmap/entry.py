"""The `chainmap` script's entry point.

Importing the command line is quick (click and the options); a command then loads what it needs --
the chain library's pydantic and pyarrow, pandas, networkx -- which can take a second: a Ctrl-C at any
moment must still be one line and exit 130, not a traceback, so the import happens inside the handler.
"""

from __future__ import annotations

import atexit
import gc
import sys

__all__ = ["forget_interrupt", "run"]

INTERRUPTED = "已中断 (interrupted)\n"


def forget_interrupt() -> None:
    """Call before exiting 130 on a Ctrl-C we caught. CPython (3.11, 3.12) marks a KeyboardInterrupt
    that ends an ``exec`` of a *string* -- dataclasses and namedtuple build their methods that way while
    modules import -- and under ``python -m`` then ends the process by SIGINT after our exit (-2, not
    130), even though the interrupt was caught. An ``exec`` of a string that ends normally clears it."""
    exec("")  # noqa: S102 - the empty string: see above


def run() -> None:
    """Import the command line and run it; Ctrl-C at any moment: one line on stderr, exit 130."""
    # Every object frozen at exit: the interpreter's last collection then leaves them to the process's
    # end instead of walking and freeing them one by one (after a 1M-row import, ~0.15 s of a ~0.2 s exit)
    atexit.register(gc.freeze)
    try:
        from .cli import run as cli_run
    except KeyboardInterrupt:
        sys.stderr.write(INTERRUPTED)
        forget_interrupt()
        sys.exit(130)
    cli_run()
