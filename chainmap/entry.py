"""The `chainmap` script's entry point.

Importing the command line loads pandas, pyarrow and networkx (about a second): a Ctrl-C then must
still be one line and exit 130, not a traceback, so the import happens inside the handler.
"""

from __future__ import annotations

import sys

__all__ = ["run"]

INTERRUPTED = "已中断 (interrupted)\n"


def run() -> None:
    """Import the command line and run it; Ctrl-C at any moment: one line on stderr, exit 130."""
    try:
        from .cli import run as cli_run
    except KeyboardInterrupt:
        sys.stderr.write(INTERRUPTED)
        sys.exit(130)
    cli_run()
