"""The store stage's fast paths give what the general ones give: the review ids of a record's open pairs
joined by Arrow as :func:`review_id` makes them one by one (free text in firm ids and nodes, and the null
firm id of the general path), and a spilled part's rows gathered with its empty columns made as nulls, as
a filter of the whole table gives them."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from chainmap.importer.records import _rows_of
from chainmap.importer.review import queue_rows, review_id
from chainmap.store import SCHEMA

TEXT = st.text(alphabet=st.sampled_from(list("ab 甲\u3000\u00a0\r\n\"',；é\x1f")), max_size=6)


def _records(ids: list[str | None], uncertain: list[list[str] | None]) -> pa.Table:
    n = len(ids)
    cols = {name: pa.nulls(n, SCHEMA.field(name).type) for name in SCHEMA.names}
    cols["id"] = pa.array(ids, pa.string())
    cols["uncertain"] = pa.array(uncertain, pa.list_(pa.string()))
    cols["name"] = pa.array([f"甲{i}" for i in range(n)], pa.string())
    cols["evidence"] = pa.array(["；".join(f"{x} 经营范围" for x in u or []) for u in uncertain], pa.string())
    return pa.table(cols, schema=SCHEMA)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), TEXT), st.one_of(st.none(), st.lists(TEXT, max_size=3))), max_size=8))
def test_queue_rows_ids_are_review_ids_of_each_pair(recs):
    t = _records([i for i, _ in recs], [u for _, u in recs])
    q = queue_rows(t)
    want = [(str(i), n) for i, u in recs for n in u or []]  # str(None): the id the one-by-one path made
    assert q["node"].to_pylist() == [n for _, n in want]
    assert q["id"].to_pylist() == [review_id(f, n) for f, n in want]
    assert q["firm"].to_pylist() == [i for i, u in recs for _ in u or []]
    assert q["name"].to_pylist() == [f"甲{k}" for k, (_, u) in enumerate(recs) for _ in u or []]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.one_of(st.none(), TEXT), st.one_of(st.none(), TEXT)), max_size=12))
def test_rows_of_a_spill_equal_its_filter(rows):
    keep = np.array([k for k, _, _ in rows], dtype=bool)
    t = _records([a for _, a, _ in rows], [None if b is None else [b] for _, _, b in rows])
    got = _rows_of(t, np.flatnonzero(keep))
    assert got.schema == t.schema
    assert got.equals(t.filter(pa.array(keep)))
    assert got["placed"].null_count == len(got)  # an empty column: made, not gathered
