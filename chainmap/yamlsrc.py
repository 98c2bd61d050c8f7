"""Read YAML with the position of every value, so validation errors can point at ``file:line:col``.

PyYAML's composer keeps a mark on every node; we build plain Python data from the node tree and keep
a map from each value's path (``("segments", 0, "links", 2)``) to where its key and value start.
Duplicate keys, which PyYAML would silently overwrite, are reported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem

Path_ = tuple[Any, ...]

_HINTS = (
    ("cannot start any token", "a tab character? YAML indentation must use spaces, not tabs"),
    ("could not find expected ':'", "a key is missing its ':' (write `key: value`)"),
    (
        "mapping values are not allowed here",
        "a ':' where it is not expected: quote a value that contains ': ' or fix the indentation",
    ),
    ("expected <block end>, but found", "the indentation is inconsistent: align entries of the same list or mapping"),
    ("did not find expected '-' indicator", "the indentation of a list is inconsistent"),
    ("found undefined alias", "an alias (*name) without an anchor (&name)"),
    ("did not find expected key", "the indentation is inconsistent or a key is missing its ':'"),
    ("found unexpected end of stream", "a quote or bracket is not closed"),
    ("while scanning a quoted scalar", "a quote is not closed"),
)


@dataclass
class Source:
    """Data of one YAML file plus the positions of its values (1-based line and column)."""

    file: str
    data: Any
    value_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def at(self, path: Path_, message: str, *, key: bool = False) -> Problem:
        """A problem located at ``path``, or at its nearest ancestor that has a position."""
        marks = self.key_marks if key else self.value_marks
        p = tuple(path)
        while p:
            if p in marks:
                line, col = marks[p]
                return Problem(self.file, line, col, message)
            if not key and p in self.key_marks:
                line, col = self.key_marks[p]
                return Problem(self.file, line, col, message)
            p = p[:-1]
        line, col = self.value_marks.get((), (1, 1))
        return Problem(self.file, line, col, message)


def decode(raw: bytes, file: str) -> tuple[str | None, list[Problem]]:
    """Bytes -> text, with a plain message for the common GBK-saved file."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        try:
            raw.decode("gb18030")
            hint = (
                "the file is not UTF-8; it looks like GBK/GB18030 (as saved by Notepad or Excel on "
                "Chinese Windows). Save it again as UTF-8 (记事本: 另存为 -> 编码 UTF-8)"
            )
        except UnicodeDecodeError:
            hint = "the file is not UTF-8 text; save it again as UTF-8"
        return None, [Problem(file, line, col, hint)]


def parse(text: str, file: str) -> tuple[Source | None, list[Problem]]:
    """Parse YAML text; on failure return the problems (syntax errors with a hint)."""
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return None, [
            Problem(file, 1, 1, "the file is empty: write the YAML content (see docs/format.md) or delete the file")
        ]
    try:
        try:  # libyaml composes several times faster; its nodes carry the same marks
            nodes = list(yaml.compose_all(text, Loader=_FAST))
        except yaml.YAMLError:  # let the pure-Python loader word the error (and give its hints)
            nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context == "while scanning a simple key" and exc.context_mark is not None:
            mark = exc.context_mark  # the line missing its ':' is where the key started, not the next one
        what = exc.problem or exc.context or "invalid YAML"
        hint = next((h for key, h in _HINTS if key in str(exc)), "")
        msg = f"YAML syntax error: {what}" + (f" ({hint})" if hint else "")
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [Problem(file, line, col, msg)]
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        mark = getattr(exc, "position", None)
        return None, [
            Problem(file, 1, 1, f"YAML error: {exc}" if mark is None else f"YAML error at character {mark}: {exc}")
        ]
    except RecursionError:
        return None, [Problem(file, 1, 1, "YAML nesting is too deep")]
    if len(nodes) != 1:
        if not nodes:
            return None, [Problem(file, 1, 1, "the file is empty: write the YAML content or delete the file")]
        second = nodes[1].start_mark
        return None, [
            Problem(file, second.line + 1, 1, "the file holds several YAML documents ('---'); keep one per file")
        ]
    src = Source(file, None)
    problems: list[Problem] = []
    src.data = _build(nodes[0], (), src, problems, set())
    return src, problems


_constructor = yaml.SafeLoader("")
_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _build(node: yaml.Node, path: Path_, src: Source, problems: list[Problem], stack: set[int]) -> Any:
    src.value_marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if id(node) in stack:
        problems.append(src.at(path, "recursive YAML alias: an anchor refers to itself"))
        return None
    if isinstance(node, yaml.ScalarNode):
        try:
            _constructor.constructed_objects = {}
            return _constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            problems.append(src.at(path, f"cannot read value {node.value!r}: {exc}"))
            return node.value
    stack = stack | {id(node)}
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, path + (i,), src, problems, stack) for i, child in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _build(key_node, path + ("<key>",), src, problems, stack)
            if isinstance(key, (list, dict)) or key is None:
                problems.append(
                    Problem(
                        src.file,
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        "a mapping key must be a plain word",
                    )
                )
                continue
            if key in out:
                first = src.key_marks[path + (key,)]
                problems.append(
                    Problem(
                        src.file,
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        f"duplicate key '{key}' (first at line {first[0]}); keep one",
                    )
                )
                continue
            src.key_marks[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _build(value_node, path + (key,), src, problems, stack)
        src.value_marks.pop(path + ("<key>",), None)
        return out
    return None


def read(path: Path, display: str | None = None) -> tuple[Source | None, list[Problem]]:
    """Read and parse one YAML file from disk."""
    file = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(file, 0, 0, f"cannot read the file: {exc.strerror}")]
    text, problems = decode(raw, file)
    if text is None:
        return None, problems
    if "\x00" in text:
        return None, [Problem(file, 1, 1, "the file holds NUL bytes: it is not a text file")]
    return parse(text, file)
