"""Property tests: whatever bytes a chain file holds, loading either succeeds or raises LoadError whose
problems all carry a location, never another exception."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainmap import LoadError, load_library

from .conftest import MINI

ALPHA = (MINI / "alpha.yaml").read_text(encoding="utf-8")
FIRMS = (MINI / "companies" / "firms.yaml").read_text(encoding="utf-8")

yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.dates(),
    st.sampled_from(["a2", "t1", "id", "name", "ref"]),
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "name",
                    "ref",
                    "feeds",
                    "links",
                    "segments",
                    "key",
                    "technologies",
                    "components",
                    "source",
                    "as_of",
                    "operates",
                    "x",
                ]
            )
            | st.text(max_size=5),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=25,
)


def _check(name: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "chains"
        shutil.copytree(MINI, root)
        (root / name).write_bytes(content)
        try:
            load_library(root)
        except LoadError as err:
            assert err.problems
            for p in err.problems:
                assert p.file and p.message
                assert p.line >= 1 and p.column >= 1, p


settings_ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings_
@given(st.binary(max_size=300))
def test_random_bytes(data):
    _check("alpha.yaml", data)


@settings_
@given(yaml_values)
def test_random_yaml_structures(value):
    _check("alpha.yaml", yaml.safe_dump(value, allow_unicode=True).encode("utf-8"))
    _check("companies/firms.yaml", yaml.safe_dump({"companies": [value]}, allow_unicode=True).encode("utf-8"))


@settings_
@given(st.data())
def test_mutated_real_files(data):
    for name, text in (("alpha.yaml", ALPHA), ("companies/firms.yaml", FIRMS)):
        chars = list(text)
        for _ in range(data.draw(st.integers(1, 4))):
            i = data.draw(st.integers(0, len(chars) - 1))
            op = data.draw(st.sampled_from(["delete", "insert", "replace"]))
            c = data.draw(st.sampled_from(list(":-[]{}\t\n '\"#&*!|>%@`,?") + ["中", "a", "1"]))
            if op == "delete":
                del chars[i]
            elif op == "insert":
                chars.insert(i, c)
            else:
                chars[i] = c
        _check(name, "".join(chars).encode("utf-8"))


@settings_
@given(st.lists(st.sampled_from(ALPHA.splitlines()), max_size=30))
def test_shuffled_lines(lines):
    _check("alpha.yaml", "\n".join(lines).encode("utf-8"))
