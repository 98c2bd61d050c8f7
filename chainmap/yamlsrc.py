"""Read YAML with the position of every value, so validation errors can point at ``file:line:col``.

PyYAML's composer keeps a mark on every node; we build plain Python data from the node tree and keep
a map from each value's path (``("segments", 0, "links", 2)``) to where its key and value start.
Duplicate keys, which PyYAML would silently overwrite, are reported here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem
from .fastyaml import fast_parse

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
    """Data of one YAML file plus its node tree, so that any value's position (1-based line and column)
    can be found when a problem needs it (positions are looked up, not stored for every value)."""

    file: str
    data: Any
    root: yaml.Node | None = field(default=None, repr=False)
    text: str | None = field(default=None, repr=False)  # read by the fast reader: compose on demand
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict, repr=False)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict, repr=False)
    partial: bool = field(default=False, repr=False)  # marks only to the top-level items: complete on demand

    def _trail(self, path: Path_) -> list[tuple[yaml.Node | None, yaml.Node]]:
        """(key node or None, value node) from the root down ``path`` as far as it exists."""
        if self.root is None and self.text is not None:
            try:
                self.root = _compose(self.text)[0]
            except (yaml.YAMLError, IndexError, RecursionError):
                self.text = None
        if self.root is None:
            return []
        node, trail = self.root, [(None, self.root)]
        for part in path:
            if isinstance(node, yaml.MappingNode):
                hit = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part), None)
                if hit is None:
                    break
                trail.append(hit)
                node = hit[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                trail.append((None, node))
            else:
                break
        return trail

    def at(self, path: Path_, message: str, *, key: bool = False) -> Problem:
        """A problem located at ``path`` (its key with ``key=True``), or at its nearest ancestor that exists."""
        path = tuple(path)
        known = (self.key_marks if key else self.marks).get(path)
        if known is None and self.partial and self.text is not None:
            self.partial = False  # a problem inside a record: read the marks of the whole file, once
            full = fast_parse(self.text)
            if full is not None:
                self.marks, self.key_marks = full[1], full[2]
                known = (self.key_marks if key else self.marks).get(path)
        if known is not None:
            return Problem(self.file, known[0], known[1], message)
        trail = self._trail(path)
        mark = None
        for key_node, value_node in reversed(trail):
            if key and key_node is None:
                continue
            mark = (key_node if key else value_node).start_mark
            break
        if mark is None:
            mark = trail[0][1].start_mark if trail else None
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
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


def _reader_problem(exc: yaml.reader.ReaderError, text: str, file: str) -> Problem:
    """A control character (BEL, ESC ...): name it and point at its real line and column."""
    pos = max(0, min(int(exc.position), len(text)))
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    name = _CONTROL_NAMES.get(ord(char)) or unicodedata.name(char, "control character")
    return Problem(
        file,
        line,
        col,
        f"a control character U+{ord(char):04X} ({name}) is not allowed in YAML: delete it "
        "(it often comes with text pasted from another program)",
    )


_CONTROL_NAMES = {0: "NUL", 7: "BEL", 8: "BACKSPACE", 27: "ESC", 0x7F: "DEL"}


def _syntax_problem(exc: yaml.MarkedYAMLError, file: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    if exc.context == "while scanning a simple key" and exc.context_mark is not None:
        mark = exc.context_mark  # the line missing its ':' is where the key started, not the next one
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if "duplicate anchor" in str(exc.context or ""):
        first = exc.context_mark
        name = re.search(r"anchor '([^']*)'", exc.context or "")
        anchor = f"&{name.group(1)}" if name else "an anchor"
        where = f" (first at line {first.line + 1})" if first else ""
        return Problem(file, line, col, f"duplicate anchor {anchor}{where}: give each anchor its own name")
    what = exc.problem or exc.context or "invalid YAML"
    hint = next((h for key, h in _HINTS if key in str(exc)), "")
    return Problem(file, line, col, f"YAML syntax error: {what}" + (f" ({hint})" if hint else ""))


def _compose(text: str) -> list[yaml.Node]:
    try:  # libyaml composes several times faster; its nodes carry the same marks
        return list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError:  # let the pure-Python loader word the error (and give its hints)
        return list(yaml.compose_all(text, Loader=yaml.SafeLoader))


def parse(text: str, file: str) -> tuple[Source | None, list[Problem]]:
    """Parse YAML text; on failure return the problems (syntax errors with a hint), never raise.

    Examples
    --------
    >>> src, problems = parse("id: a\\nname: 甲\\nname: 乙\\n", "a.yaml")
    >>> src.data, [str(p) for p in problems]
    ({'id': 'a', 'name': '甲'}, ["a.yaml:3:1: duplicate key 'name' (first at line 2); keep one"])
    >>> parse("a: 1\\nb: x\\x07y\\n", "b.yaml")[1][0].line
    2
    """
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return None, [
            Problem(file, 1, 1, "the file is empty: write the YAML content (see docs/format.md) or delete the file")
        ]
    big = text.count("\n") >= SHALLOW_FROM  # a large firms file: marks of the records' insides on demand
    fast = fast_parse(text, full=not big) if not _CONTROL.search(text) else None
    if fast is not None:
        data, marks, key_marks = fast
        return Source(file, data, text=text, marks=marks, key_marks=key_marks, partial=big), []
    try:
        nodes = _compose(text)
    except yaml.reader.ReaderError as exc:
        return None, [_reader_problem(exc, text, file)]
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, file)]
    except yaml.YAMLError as exc:
        return None, [Problem(file, 1, 1, f"YAML error: {exc}")]
    except RecursionError:
        return None, [Problem(file, 1, 1, f"YAML nesting is too deep: keep it under {MAX_DEPTH} levels")]
    if len(nodes) != 1:
        if not nodes:
            return None, [Problem(file, 1, 1, "the file is empty: write the YAML content or delete the file")]
        second = nodes[1].start_mark
        return None, [
            Problem(file, second.line + 1, 1, "the file holds several YAML documents ('---'); keep one per file")
        ]
    builder = _Builder(Source(file, None, nodes[0]), budget=max(2 * len(text), 10_000))
    try:
        builder.src.data = builder.build(nodes[0], 0)
    except _TooBig as exc:
        return None, [exc.problem]
    return builder.src, builder.problems


MAX_DEPTH = 50  # a chain file needs about 8 levels
SHALLOW_FROM = 5_000  # lines: from this size the fast reader keeps only the marks loading needs
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff\ufffe\uffff]")  # YAML forbids them
_constructor = yaml.SafeLoader("")
_STR = "tag:yaml.org,2002:str"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's loader with the implicit-tag lookup memoised (keys and values repeat a lot)."""

    _memo: dict[tuple[str, bool], str] = {}

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit is not None and not self.yaml_path_resolvers:
            key = (value, bool(implicit[0]))
            tag = self._memo.get(key)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(self._memo) < 200_000:
                    self._memo[key] = tag
            return tag
        return super().resolve(kind, value, implicit)


class _TooBig(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


class _Builder:
    """Plain Python data from a node tree. Aliases are expanded within a budget (a few aliases are fine;
    a "billion laughs" file is refused), nesting is bounded, keys are compared as written."""

    def __init__(self, src: Source, budget: int):
        self.src, self.budget = src, budget
        self.problems: list[Problem] = []
        self.stack: set[int] = set()
        self.built: set[int] = set()  # collections built once: meeting one again is an alias
        self.key: yaml.Node | None = None  # the key whose value is being built
        self.alias_use: yaml.Node | None = None  # where the outermost alias being expanded is used

    def _at(self, node: yaml.Node, message: str) -> Problem:
        return Problem(self.src.file, node.start_mark.line + 1, node.start_mark.column + 1, message)

    def _over_budget(self, node: yaml.Node) -> _TooBig:
        msg = (
            "YAML aliases (*name) expand to far more values than the file holds (an alias bomb?): "
            "write the values out, or use fewer aliases"
        )
        return _TooBig(self._at(self.alias_use or node, msg))

    def build(self, node: yaml.Node, depth: int) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise self._over_budget(node)
        if isinstance(node, yaml.ScalarNode):
            return node.value if node.tag == _STR else self._scalar(node)
        if depth >= MAX_DEPTH:
            self.problems.append(self._at(node, f"YAML nesting is too deep: keep it under {MAX_DEPTH} levels"))
            return None
        ident = id(node)
        if ident in self.stack:
            self.problems.append(self._at(self.key or node, "recursive YAML alias: an anchor refers to itself"))
            return None
        outermost = self.alias_use is None and ident in self.built
        if outermost:
            self.alias_use = self.key or node
        self.stack.add(ident)
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(child, depth + 1) for child in node.value]
            return self._mapping(node, depth) if isinstance(node, yaml.MappingNode) else None
        finally:
            self.stack.discard(ident)
            self.built.add(ident)
            if outermost:
                self.alias_use = None

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        try:
            _constructor.constructed_objects = {}
            return _constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            self.problems.append(self._at(node, f"cannot read value {node.value!r}: {exc}"))
            return node.value

    def _mapping(self, node: yaml.MappingNode, depth: int) -> dict:
        out: dict[Any, Any] = {}
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:null":
                self.problems.append(self._at(key_node, "a mapping key must be a plain word"))
                continue
            key = key_node.value  # as written: `1` and `true` are two keys, not 1 == True
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append(self._at(key_node, "merge keys (<<) are not supported: write the keys out"))
                continue
            if key in out:
                msg = f"duplicate key '{key}' (first at line {first[key]}); keep one"
                self.problems.append(self._at(key_node, msg))
                continue
            first[key] = key_node.start_mark.line + 1
            outer, self.key = self.key, key_node
            out[key] = self.build(value_node, depth + 1)
            self.key = outer
        return out


def read(path: Path, display: str | None = None) -> tuple[Source | None, list[Problem]]:
    """Read and parse one YAML file from disk."""
    file = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [
            Problem(file, 0, 0, f"cannot read the file: {exc.strerror or exc} (give your user read access to it)")
        ]
    text, problems = decode(raw, file)
    if text is None:
        return None, problems
    if "\x00" in text:
        return None, [Problem(file, 1, 1, "the file holds NUL bytes: it is not a text file")]
    return parse(text, file)
