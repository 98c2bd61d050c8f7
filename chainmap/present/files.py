"""Moved to :mod:`chainmap.files` (a neutral module the loader and the importer may use too).

Kept as a re-export while other branches still import it from here."""

from ..files import _umask, atomic_path, write_atomic

__all__ = ["_umask", "atomic_path", "write_atomic"]
