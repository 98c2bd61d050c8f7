"""Where a chunk's text is cut (the segments' ；, the clause ends of the trading check): the cut
characters found with whole-buffer numpy comparisons over the UTF-8 bytes, no Python per byte."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["_CutTable", "_cut_spans", "_cut_table", "_cuts"]


@dataclass(frozen=True)
class _CutTable:
    """The one-byte cuts; the three-byte cuts by their middle byte (with their last bytes), and as
    24-bit codes."""

    ones: tuple[int, ...]
    pairs: tuple[tuple[int, tuple[int, ...]], ...]  # (middle byte, last bytes)
    wide: tuple[int, ...]


def _cut_table(cuts: list[str]) -> _CutTable:
    """The cuts (one-byte or three-byte UTF-8 characters) as :func:`_cuts` looks for them."""
    coded = {c.encode() for c in cuts}
    ones = sorted(b[0] for b in coded if len(b) == 1)
    groups: dict[int, set[int]] = {}
    for b in coded:
        if len(b) == 3:
            groups.setdefault(b[1], set()).add(b[2])
    pairs = tuple((mid, tuple(sorted(last))) for mid, last in sorted(groups.items()))
    wide = sorted(int.from_bytes(b, "big") for b in coded if len(b) == 3)
    return _CutTable(tuple(ones), pairs, tuple(wide))


def _cut_spans(buf: np.ndarray, lo: int, hi: int, cut: _CutTable) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) of every cut of a :func:`_cut_table` in ``buf[lo:hi]``, in order.

    Masks of the one-byte cuts and of the last bytes of three-byte ones preceded by their middle byte
    (whole-buffer comparisons: a last byte alone is common in Chinese text, a pair is rare), scanned
    once (one mask alone where there is one: the segments' ；); the first byte of each three-byte
    candidate is then read at the candidates only."""
    x = buf[lo:hi]
    if not cut.ones and len(cut.wide) == 1:  # the segments' ； alone
        return _one_wide(x, cut.wide[0], lo)
    n = len(x)
    tmp = np.empty(n, dtype=bool)
    masks: list[tuple[np.ndarray, int]] = []  # (mask, the byte it starts at)
    if cut.ones:
        ones = np.equal(x, cut.ones[0])
        for b in cut.ones[1:]:
            np.logical_or(ones, np.equal(x, b, out=tmp), out=ones)
        masks.append((ones, 0))
    if n >= 3:
        mid, tail, sub = x[1:-1], x[2:], tmp[2:]
        for b1, lasts in cut.pairs:
            pair = np.equal(tail, lasts[0])
            for b2 in lasts[1:]:
                np.logical_or(pair, np.equal(tail, b2, out=sub), out=pair)
            np.logical_and(pair, np.equal(mid, b1, out=sub), out=pair)
            masks.append((pair, 2))
    if len(masks) == 1:  # one kind of cut (the segments' ；): its mask alone
        mark, at = masks[0]
        end = np.flatnonzero(mark) + at
    else:
        mark = np.zeros(n, dtype=bool)
        for m, at in masks:
            np.logical_or(mark[at:], m, out=mark[at:])
        end = np.flatnonzero(mark)
    width = np.ones(len(end), dtype=np.int64)
    wide = np.flatnonzero(x[end] >= 0x80)
    if len(wide):  # a pair ending a three-byte cut: its first byte too
        w = end[wide]
        code = (x[w - 2].astype(np.int32) << 16) | (x[w - 1].astype(np.int32) << 8) | x[w]
        ok = np.isin(code, cut.wide)
        width[wide] = 3
        if not ok.all():
            keep = np.ones(len(end), dtype=bool)
            keep[wide[~ok]] = False
            end, width = end[keep], width[keep]
    end += lo + 1
    return end - width, end


def _one_wide(x: np.ndarray, code: int, lo: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_cut_spans` of one three-byte cut: one whole-buffer pass for its last byte (rare enough in
    Chinese text for ；: about as many others as cuts), the two bytes before read at the candidates."""
    if len(x) < 3:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    at = np.flatnonzero(x[2:] == code & 0xFF)
    pairs = np.ndarray((len(x) - 2,), dtype="<u2", buffer=x, strides=(1,))  # the two bytes from each byte on
    at = at[pairs[at] == ((code >> 16) | (code & 0xFF00))]  # the first two bytes, read as one little-endian pair
    return at + lo, at + (lo + 3)


def _cuts(buf: np.ndarray, lo: int, hi: int, cut: _CutTable) -> np.ndarray:
    """The end (one past the last byte) of every cut of a :func:`_cut_table` in ``buf[lo:hi]``, in order."""
    return _cut_spans(buf, lo, hi, cut)[1]
