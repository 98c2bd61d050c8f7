"""Where the chain library lives: ``./chains`` when it exists, else the copy bundled with the package."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def bundled_library() -> Path:
    """The chain library shipped with chainmap (package data in a wheel, ``chains/`` in a checkout)."""
    for candidate in (_PKG / "chains", _PKG.parent / "chains"):
        if (candidate / "regions").is_dir():
            return candidate
    raise FileNotFoundError("the bundled chain library is missing from this installation")


def default_library(cwd: Path | None = None) -> Path:
    """``./chains`` if the current folder has one, else the bundled library."""
    local = (cwd or Path.cwd()) / "chains"
    return local if local.is_dir() else bundled_library()
