"""A YAML company store gives back exactly the text it was given, whichever emitter PyYAML uses
(libyaml's, when installed, or the pure-Python one): control characters, line and paragraph
separators, BOMs, quotes and YAML indicators included."""

from __future__ import annotations

import datetime as dt

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from chainmap.importer import store as S
from chainmap.store import empty_record, read_yaml

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


def _record(i: int, address: str, note: str, name_en: str) -> dict:
    return empty_record() | {
        "id": f"imp_{i}",
        "name": f"甲{i}有限公司",
        "source": ["s"],
        "as_of": dt.date(2024, 1, 1),
        "address": address or None,
        "note": note or None,
        "name_en": name_en or None,
    }


class _PyDumper(yaml.SafeDumper):
    pass


_PyDumper.yaml_representers = {**S._Dumper.yaml_representers}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT, TEXT), min_size=1, max_size=4), st.booleans())
def test_text_round_trips_through_a_yaml_store(tmp_path_factory, cells, pure):
    recs = [_record(i, *c) for i, c in enumerate(cells)]
    path = tmp_path_factory.mktemp("y") / "s.yaml"
    fast = S._Dumper
    try:
        S._Dumper = _PyDumper if pure else fast
        path.write_bytes(S.yaml_bytes(recs))
    finally:
        S._Dumper = fast
    back = read_yaml(path)
    for rec, got in zip(recs, back, strict=True):
        for k in ("address", "note", "name_en"):
            assert got.get(k) == rec[k], k


def test_the_fast_emitter_is_used_when_pyyaml_has_it():
    # the property above then exercises libyaml's emitter; the Python one is what it falls back to
    assert issubclass(S._Dumper, getattr(yaml, "CSafeDumper", yaml.SafeDumper))
