"""A fast reader for the plain subset of YAML that hand-written library files use, with positions.

PyYAML builds a node object (and calls back into Python) for every value: about 0.2 ms per company
record. Library files are almost always written in a small subset: block mappings with identifier
keys, block sequences, ``[a, b]`` flow lists of plain words, plain and simply-quoted scalars and
comments. :func:`fast_parse` reads exactly that subset line by line and gives up (returns None) on
anything else: anchors, tags, block scalars, multi-line values, escapes, odd keys, duplicate keys,
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
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: +|$)")
_SQ = re.compile(r"'((?:[^']|'')*)'(?: +#.*)?$")
_DQ = re.compile(r'"([^"\\]*)"(?: +#.*)?$')
_FLOW = re.compile(r"\[([^\[\]{}'\"#]*)\](?: +#.*)?$")
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
        items = [p.strip() for p in m.group(1).split(",")]
        if items and not items[-1]:
            items.pop()  # a trailing comma
        return [_plain(p) for p in items]
    cut = rest.find(" #")
    return _plain((rest[:cut] if cut >= 0 else rest).rstrip())


class _Reader:
    def __init__(self) -> None:
        self.stack: list[tuple[int, Any, tuple]] = []  # (indent, container, path)
        self.marks: Marks = {}
        self.key_marks: Marks = {}
        self.pending: tuple[dict, str, int, tuple] | None = None  # `key:` waiting for a nested value
        self.root: Any = None

    def key(self, cont: dict, text: str, line: int, indent: int, path: tuple) -> None:
        m = _KEY.match(text)
        if not m:
            raise _Bail
        key = m.group(1)
        if key in cont:
            raise _Bail  # a duplicate: PyYAML's reader reports it
        kpath = path + (key,)
        self.key_marks[kpath] = (line, indent + 1)
        rest = text[m.end() :]
        if not rest or rest.startswith("#"):
            cont[key] = None
            self.pending = (cont, key, indent, kpath)
            return
        cont[key] = _value(rest)
        self.marks[kpath] = (line, indent + m.end() + 1)

    def open_pending(self, indent: int, is_item: bool, line: int) -> None:
        cont, key, kind, kpath = self.pending  # type: ignore[misc]
        self.pending = None
        if indent > kind or (indent == kind and is_item):
            new: Any = [] if is_item else {}
            cont[key] = new
            self.marks[kpath] = (line, indent + 1)
            self.stack.append((indent, new, kpath))

    def item(self, cont: list, content: str, line: int, indent: int, path: tuple) -> None:
        rest = content[1:].lstrip(" ")
        if not rest or content[1] != " ":
            raise _Bail
        inner = indent + len(content) - len(rest)  # where the item's content starts
        ipath = path + (len(cont),)
        self.marks[ipath] = (line, inner + 1)
        if _KEY.match(rest):
            item: dict = {}
            cont.append(item)
            self.stack.append((inner, item, ipath))
            self.key(item, rest, line, inner, ipath)
        else:
            cont.append(_value(rest))

    def line(self, raw: str, number: int) -> None:
        content = raw.lstrip(" ")
        if not content or content[0] == "#":
            return
        if "\t" in raw or raw.startswith(("---", "...", "%")):
            raise _Bail
        indent = len(raw) - len(content)
        content = content.rstrip(" \r")
        is_item = content == "-" or content.startswith("- ")
        if self.pending is not None:
            self.open_pending(indent, is_item, number)
        if self.root is None:
            self.root = [] if is_item else {}
            self.marks[()] = (number, indent + 1)
            self.stack.append((indent, self.root, ()))
        stack = self.stack
        while stack and (
            stack[-1][0] > indent or (stack[-1][0] == indent and isinstance(stack[-1][1], list) and not is_item)
        ):
            stack.pop()
        if not stack or stack[-1][0] != indent or len(stack) > _MAX_DEPTH:
            raise _Bail  # inconsistent indentation, or nesting the full reader must bound and report
        _ind, cont, path = stack[-1]
        if is_item:
            if not isinstance(cont, list):
                raise _Bail
            self.item(cont, content, number, indent, path)
        elif isinstance(cont, dict):
            self.key(cont, content, number, indent, path)
        else:
            raise _Bail


def fast_parse(text: str) -> tuple[Any, Marks, Marks] | None:
    """``(data, value marks, key marks)`` of a file in the plain subset, or None for anything else.

    Marks map a path (``("companies", 3, "name")``) to its 1-based (line, column); values inside flow
    lists and empty values have none (the caller finds those with PyYAML when a problem needs one).
    """
    reader = _Reader()
    try:
        for number, raw in enumerate(text.split("\n"), 1):
            reader.line(raw, number)
    except _Bail:
        return None
    if reader.root is None:
        return None
    return reader.root, reader.marks, reader.key_marks
