"""Debian's Chromium, launched one way by every browser test, benchmark and script: no sandbox (the
containers run as root), no GPU, no background network, updates or sync (the pages must work offline,
and nothing but the page should use the CPU while it is timed)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
HAVE_CHROMIUM = shutil.which("chromium") is not None or Path(CHROMIUM).exists()


def launch(playwright: Any) -> Any:
    """A headless Chromium from a running ``sync_playwright()``."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def offline(target: Any, seen: list[str], prefix: str = "") -> list[str]:
    """Abort every request of ``target`` (a page or a browser context) but the ``file:`` and ``data:``
    ones, each recorded in ``seen`` (after ``prefix``): the pages must work with no network."""

    def route(r: Any) -> None:
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            seen.append(prefix + r.request.url)
            r.abort()

    target.route("**/*", route)
    return seen
