"""A fast reader for the plain subset of YAML that hand-written library files use, with positions.

PyYAML builds a node object (and calls back into Python) for every value: about 0.2 ms per company
record. Library files are almost always written in a small subset: block mappings with identifier
keys, block sequences, ``[a, b]`` flow lists of plain words, plain and simply-quoted scalars, folded
``>-`` text (lines of one indentation, no blank or more-indented line) and comments. :func:`fast_parse` reads exactly that subset line by line and gives up (returns None) on
anything else: anchors, tags, other block scalars, multi-line values, escapes, odd keys, duplicate keys,
tabs, several documents. The caller then reads the file with PyYAML as before, so behaviour and
messages never depend on which reader ran. Plain scalars are typed by PyYAML's own resolver and
constructor (``2024-06-30`` is a date, ``yes`` a boolean), so both readers give the same data.

Examples
--------
>>> data, marks, key_marks = fast_parse("companies:\\n- id: a1\\n  tags: [上市, 链主]\\n  as_of: 2024-06-30\\n")
>>> data
{'companies': [{'id': 'a1', 'tags': ['上市', '链主'], 'as_of': datetime.date(2024, 6, 30)}]}
>>> marks[("companies", 0)], key_marks[("companies", 0, "tags")]
((2, 3), (3, 3))
>>> fast_parse("a: &x 1\\n") is None  # an anchor: not the plain subset, PyYAML reads it
True
"""

from __future__ import annotations

import re
from typing import Any

import yaml

__all__ = ["fast_parse"]

Marks = dict[tuple, tuple[int, int]]
_SQ = re.compile(r"'((?:[^']|'')*)'(?: +#.*)?$")
_DQ = re.compile(r'"([^"\\]*)"(?: +#.*)?$')
_FLOW = re.compile(r"\[(.*)\](?: +#.*)?$")
# one item of a flow list: quoted (no escapes but '') or plain (none of ,[]{}#'"), then a comma or the end
_ITEM = re.compile(r""" *(?:'((?:[^']|'')*)'|"([^"\\]*)"|([^,\[\]{}#'"]*?)) *(,|$)""")
_BAD_START = set("&*!|>%@`{}],?#'\"[")
_STR = "tag:yaml.org,2002:str"
_MAX_DEPTH = 40
_resolver = yaml.resolver.Resolver()
_constructor = yaml.SafeLoader("")
_tags: dict[str, str] = {}


class _Bail(Exception):
    """Not the plain subset: let PyYAML read the file."""


def _plain(text: str) -> Any:
    """A plain scalar, typed as PyYAML types it."""
    if not text or text[0] in _BAD_START or text in ("-", "---", "...") or text.startswith("- "):
        raise _Bail
    if ": " in text or text.endswith(":") or " #" in text or "\t" in text:
        raise _Bail
    if text[0] not in _resolver.yaml_implicit_resolvers:  # no implicit type starts so: a string
        return text
    tag = _tags.get(text)
    if tag is None:
        tag = _resolver.resolve(yaml.ScalarNode, text, (True, False))
        if len(_tags) < 100_000:
            _tags[text] = tag
    if tag == _STR:
        return text
    try:
        _constructor.constructed_objects = {}
        return _constructor.construct_object(yaml.ScalarNode(tag, text), deep=True)
    except (yaml.YAMLError, ValueError, OverflowError):
        raise _Bail from None


def _flow(inner: str) -> list[Any]:
    """The items of a one-line flow list (``inner``: between its brackets); a trailing comma allowed."""
    out: list[Any] = []
    pos = 0
    while pos < len(inner):
        m = _ITEM.match(inner, pos)
        if m is None or m.end() == pos:
            raise _Bail
        single, double, plain, comma = m.groups()
        if single is not None:
            out.append(single.replace("''", "'"))
        elif double is not None:
            out.append(double)
        elif plain or comma or m.end() < len(inner):
            out.append(_plain(plain))
        pos = m.end()
    return out


def _value(rest: str) -> Any:
    """The value after ``key: `` or ``- `` on one line."""
    first = rest[0]
    if first == "'":
        m = _SQ.match(rest)
        if not m:
            raise _Bail
        return m.group(1).replace("''", "'")
    if first == '"':
        m = _DQ.match(rest)
        if not m:
            raise _Bail
        return m.group(1)
    if first == "[":
        m = _FLOW.match(rest)
        if not m:
            raise _Bail
        return _flow(m.group(1))
    cut = rest.find(" #")
    return _plain((rest[:cut] if cut >= 0 else rest).rstrip())


_LINE = re.compile(r"( *)(?:-(?: +|$))?(?:([A-Za-z_][A-Za-z0-9_]*):(?: +|$))?(.*)")
_SLOW_FIRST = frozenset(_BAD_START) | frozenset(_resolver.yaml_implicit_resolvers)  # may not be a plain string


def _scalar(rest: str) -> Any:
    """:func:`_value`, with the common case (a plain string that no implicit type starts with) inline."""
    if rest[0] in _SLOW_FIRST or ": " in rest or rest[-1] == ":":
        return _value(rest)
    cut = rest.find(" #")
    if cut >= 0:
        return _value(rest)
    return rest


_BREAKS = ("\r", "\x85", "\u2028", "\u2029")  # line breaks to YAML, not to str.split("\n")


def _folded(lines: list[str], at: int, parent: int) -> tuple[str, int]:
    """The ``>-`` text whose lines start at ``lines[at]``, indented more than ``parent``, and the number
    of lines it spans: lines of one indentation, folded into one with spaces (as PyYAML folds them).
    A blank or more-indented line, trailing spaces or another line break: :class:`_Bail`."""
    parts: list[str] = []
    indent = -1
    for i in range(at, len(lines)):  # by index: no copy of the rest of the file per text
        raw = lines[i]
        body = raw.lstrip(" ")
        n = len(raw) - len(body)
        if not body:
            after = next((lines[j] for j in range(i, len(lines)) if lines[j].strip(" ")), "")
            if len(after) - len(after.lstrip(" ")) > parent:
                raise _Bail  # a blank line inside the text (it folds to a line break)
            break
        if indent < 0:
            indent = n
        if n < indent:
            break
        if n > indent or indent <= parent or body[-1] == " " or any(b in body for b in _BREAKS):
            raise _Bail
        parts.append(body)
    if not parts:
        raise _Bail
    return " ".join(parts), len(parts)


_Frame = tuple[int, Any, tuple, bool]  # (indent, container, path, record its marks)


def _nest(
    stack: list[_Frame],
    pending: tuple[dict, str, int, tuple],
    number: int,
    indent: int,
    is_item: bool,
    marks: Marks,
    full: bool,
) -> None:
    """The value of a ``key:`` left open on the line before: a list or mapping when this line is nested
    under it (else it stays null)."""
    cont, pkey, pind, kpath = pending
    if indent > pind or (indent == pind and is_item):
        new: Any = [] if is_item else {}
        cont[pkey] = new
        if full or len(kpath) < 3:
            marks[kpath] = (number, indent + 1)
        stack.append((indent, new, kpath, full or len(kpath) < 2))


def _enclosing(stack: list[_Frame], indent: int, is_item: bool) -> _Frame:
    """The container a line at ``indent`` belongs to, the deeper ones closed."""
    while stack and (stack[-1][0] > indent or (stack[-1][0] == indent and not is_item and type(stack[-1][1]) is list)):
        stack.pop()
    if not stack or stack[-1][0] != indent or len(stack) > _MAX_DEPTH:
        raise _Bail  # inconsistent indentation, or nesting the full reader must bound and report
    return stack[-1]


def _parse(lines: list[str], full: bool = True) -> tuple[Any, Marks, Marks]:
    """The line loop: one regular expression per line; raises :class:`_Bail` outside the subset.

    ``full=False``: marks only down to the items of top-level lists, and of every ``id`` (what loading
    a valid file asks for); the rest are found by a full pass when a problem needs one.
    """
    stack: list[_Frame] = []
    marks: Marks = {}
    key_marks: Marks = {}
    pending: tuple[dict, str, int, tuple] | None = None  # `key:` waiting for a nested value
    root: Any = None
    match = _LINE.match
    skip = 0  # lines of a folded text read with its key
    for number, raw in enumerate(lines, 1):
        if number <= skip:
            continue
        m = match(raw)
        indent = m.end(1)
        if indent == len(raw) or raw[indent] == "#":
            continue  # blank, or a comment line
        if not indent and raw.startswith(("---", "...", "%")):
            raise _Bail
        rest = m.group(3).rstrip(" \r")
        key = m.group(2)
        is_item = indent != m.start(2 if key is not None else 3)
        if pending is not None:
            _nest(stack, pending, number, indent, is_item, marks, full)
            pending = None
        if root is None:
            root = [] if is_item else {}
            marks[()] = (number, indent + 1)
            stack.append((indent, root, (), True))
        _ind, cont, path, rec = _enclosing(stack, indent, is_item)
        if is_item:
            if type(cont) is not list:
                raise _Bail
            inner = m.start(2) if key is not None else m.start(3)  # where the item's content starts
            if key is None:
                if not rest:
                    raise _Bail  # an empty item
                if rec:
                    marks[path + (len(cont),)] = (number, inner + 1)
                cont.append(_scalar(rest))
                continue
            ipath = path + (len(cont),)
            if rec:
                marks[ipath] = (number, inner + 1)
            cont.append(item := {})
            rec = full or len(ipath) < 2
            stack.append((inner, item, ipath, rec))
            cont, path, kcol = item, ipath, inner
        elif type(cont) is dict and key is not None:
            kcol = indent
        else:
            raise _Bail
        if key in cont:
            raise _Bail  # a duplicate: PyYAML's reader reports it
        if not rest or rest[0] == "#":
            cont[key] = None
            kpath = path + (key,)
            if rec or key == "id":
                key_marks[kpath] = (number, kcol + 1)
            pending = (cont, key, kcol, kpath)
            continue
        if rest == ">-":
            cont[key], span = _folded(lines, number, kcol)
            skip = number + span
        else:
            cont[key] = _scalar(rest)
        if rec or key == "id":
            kpath = path + (key,)
            key_marks[kpath] = (number, kcol + 1)
            marks[kpath] = (number, m.start(3) + 1)
    if root is None:
        raise _Bail
    return root, marks, key_marks


def fast_parse(text: str, full: bool = True) -> tuple[Any, Marks, Marks] | None:
    """``(data, value marks, key marks)`` of a file in the plain subset, or None for anything else.

    Marks map a path (``("companies", 3, "name")``) to its 1-based (line, column); values inside flow
    lists and empty values have none (the caller finds those with PyYAML when a problem needs one).
    ``full=False``: only the marks loading a valid file needs (see :func:`_parse`); a second call with
    ``full=True`` gives all of them, the same.
    """
    if "\t" in text:
        return None  # tabs anywhere (even in a comment): PyYAML reads the file
    try:
        return _parse(text.split("\n"), full)
    except _Bail:
        return None
