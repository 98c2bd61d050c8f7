"""Keys of firms while an import runs, computed on whole Arrow columns: the name as compared (NFKC, no
spaces) and 64-bit hashes of names, credit codes and ids (numpy over the strings' UTF-8 bytes, no Python
string per row)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["key_hash1", "key_hashes", "name_keys"]

_NONE = np.uint64(0)  # the hash of "no key"


def _nfkc_maybe(b: np.ndarray) -> np.ndarray:
    """UTF-8 bytes that start a character NFKC may change: any but ASCII and U+4000..U+9FFF (CJK
    ideographs, extension A and the hexagrams, which NFKC leaves alone; their lead bytes are 0xE4..0xE9)."""
    return (b >= 0xC0) & ((b < 0xE4) | (b > 0xE9))


def _space(b: np.ndarray) -> np.ndarray:
    """What the regex ``\\s`` matches (RE2: ASCII only: tab, newline, form feed, return, space) and \\v."""
    return (b == 32) | ((b >= 9) & (b <= 13))


def name_keys(name: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Firms' names as compared: NFKC, no spaces (as :func:`.prepare.namekey`, with Arrow kernels). Only
    the names with a character NFKC may change are normalised, only those with a space are stripped.

    Examples
    --------
    >>> name_keys(pa.array(["甲 公司", "Ａ（乙）", None, "丙"])).to_pylist()
    ['甲公司', 'A(乙)', None, '丙']
    """
    arr = name.combine_chunks() if isinstance(name, pa.ChunkedArray) else name
    arr = arr.cast(pa.string())
    odd = _rows_with(arr, _nfkc_maybe)
    if odd.any():
        mask = pa.array(odd)
        arr = pc.replace_with_mask(arr, mask, pc.utf8_normalize(arr.filter(mask), "NFKC"))
    spaced = _rows_with(arr, _space, 32)
    if spaced.any():
        mask = pa.array(spaced)
        arr = pc.replace_with_mask(arr, mask, pc.replace_substring_regex(arr.filter(mask), r"\s+", ""))
    return arr


def _offsets(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The value offsets (int64) and the data bytes of a string array."""
    _valid, offsets, data = arr.buffers()
    off = np.frombuffer(offsets, dtype=np.int32, count=len(arr) + 1, offset=arr.offset * 4).astype(np.int64)
    return off, (np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8))


def _rows_with(arr: pa.Array, marked: Callable[[np.ndarray], np.ndarray], below: int = 255) -> np.ndarray:
    """Per string, whether any of its bytes is ``marked`` (a null has none); ``below``: no byte above it
    is marked (white space, line breaks: a column whose smallest byte is above it holds none, found in
    one pass without a mask)."""
    off, data = _offsets(arr)
    out = np.zeros(len(arr), dtype=bool)
    x = data[off[0] : off[-1]] if len(arr) else data[:0]
    hit = marked(x) if len(x) and (below == 255 or x.min() <= below) else None
    if hit is not None and hit.any():  # most columns hold no such byte: no search for where
        at = np.flatnonzero(hit) + off[0]
        out[np.searchsorted(off, at, side="right") - 1] = True
        if arr.null_count:  # a null slot may keep the bytes it had (nulls set over the same buffers)
            out &= np.asarray(arr.is_valid(), dtype=bool)
    return out


def key_hashes(values: list[str | None] | pa.Array | pa.ChunkedArray) -> np.ndarray:
    """64-bit hashes of keys (0 for a missing key; a real key never hashes to 0), computed on the
    strings' UTF-8 bytes with numpy: the length, then each 8-byte word in turn, mixed by MurmurHash3's
    finaliser (a bijection of 64-bit words). The hashes live only while an import runs.

    Examples
    --------
    >>> h = key_hashes(["甲", None, "甲", "乙", ""])
    >>> bool(h[0] == h[2]), int(h[1]), bool(h[0] != h[3]), bool(h[4] != 0)
    (True, 0, True, True)
    >>> bool((key_hashes(pa.array(["甲", None])) == h[:2]).all())
    True
    """
    if isinstance(values, pa.ChunkedArray):
        arr = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    elif isinstance(values, pa.Array):
        arr = values
    else:
        arr = pa.array(values, pa.string())
    arr = arr.cast(pa.string())
    if len(arr) > HASH_BLOCK:  # a block at a time: the temporaries (a few arrays of 8 bytes a key) stay small
        return np.concatenate([_hashes(arr.slice(i, HASH_BLOCK)) for i in range(0, len(arr), HASH_BLOCK)])
    return _hashes(arr)


HASH_BLOCK = 1 << 20  # keys hashed at a time (10M stored ids at once: ~1 GB of temporaries)


def _hashes(arr: pa.Array) -> np.ndarray:
    """:func:`key_hashes` of a string array."""
    off, data = _offsets(arr)
    lens = np.diff(off)
    h = _mix(lens.astype(np.uint64) + _SEED)
    if len(arr) and lens.max() > 0:
        base = off[0]
        data = np.concatenate([data[base : off[-1]], np.zeros(8, np.uint8)])  # a last word may read past the end
        words = np.ndarray((len(data) - 7,), dtype="<u8", buffer=data, strides=(1,))  # the 8 bytes from each byte on
        start, end = off[:-1] - base, off[1:] - base
        rows = np.flatnonzero(lens > 0)
        shortest = _shortest(arr, lens)
        for j in range(0, int(lens.max()), 8):
            if j < shortest:  # every key has bytes here (credit codes: always): no rows picked out
                # a null's word is read anywhere in bounds: its hash is set to 0 below
                word = words[np.minimum(start + j, len(words) - 1) if arr.null_count else start + j]
                if j + 8 > shortest:
                    word &= _KEEP[np.clip(lens - j, 0, 8)]
                h = _mix(h ^ word)
                continue
            rows = rows[lens[rows] > j]
            at = start[rows] + j
            word = words[at] & _KEEP[np.minimum(end[rows] - at, 8)]  # not the bytes past the string's end
            h[rows] = _mix(h[rows] ^ word)
    h[h == _NONE] = 1
    if arr.null_count:
        h[np.asarray(arr.is_null())] = _NONE
    return h


def _shortest(arr: pa.Array, lens: np.ndarray) -> int:
    """The length of the shortest key (nulls left out: a column of codes with gaps is hashed a whole
    word at a time as one without)."""
    if arr.null_count:
        lens = lens[np.asarray(arr.is_valid(), bool)]
    return int(lens.min()) if len(lens) else 0


_SEED = np.uint64(0x9E3779B97F4A7C15)
_KEEP = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], dtype=np.uint64)  # the first k bytes
_M1, _M2, _S = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33)


_U64 = (1 << 64) - 1


def key_hash1(value: str | None) -> int:
    """:func:`key_hashes` of one key, in plain Python (a look-up of one firm costs no numpy call).

    Examples
    --------
    >>> key_hash1("甲公司") == int(key_hashes(["甲公司"])[0]), key_hash1(None)
    (True, 0)
    """
    if value is None:
        return 0
    data = value.encode()
    h = _mix1((len(data) + 0x9E3779B97F4A7C15) & _U64)
    for j in range(0, len(data), 8):  # _mix1 written out: a look-up per closed row in the workers
        h ^= int.from_bytes(data[j : j + 8], "little")
        h ^= h >> 33
        h = (h * 0xFF51AFD7ED558CCD) & _U64
        h ^= h >> 33
        h = (h * 0xC4CEB9FE1A85EC53) & _U64
        h ^= h >> 33
    return h or 1


def _mix1(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _U64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _U64
    return h ^ (h >> 33)


def _mix(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser, element-wise (wrapping multiplication)."""
    h = h ^ (h >> _S)
    h *= _M1
    h ^= h >> _S
    h *= _M2
    h ^= h >> _S
    return h
