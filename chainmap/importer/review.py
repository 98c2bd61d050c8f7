"""The review queue: a firm matched to a node above the review minimum but below the placing threshold
is kept as ``uncertain`` with its evidence; people accept or reject each (firm, node) pair, by id or
with a reviewed CSV / XLSX. Decisions live in ``imported/review.decisions`` and are applied to the
stores at once and again at every later import, so they survive re-imports."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import LoadError, Problem, UsageError
from ..store import TIES, read_table, store_files
from ..vocab import ROLE_OF_KIND
from .reviewed import SAID
from .store import StoreLock, Transaction

__all__ = [
    "DECISIONS",
    "QUEUE",
    "apply_decisions",
    "decide",
    "queue_after",
    "read_decisions",
    "recorded",
    "review_id",
    "review_items",
    "updated_queue",
]

DECISIONS = "review.decisions"
QUEUE = "review.queue"  # the open (firm, node) pairs, whatever the store kind (YAML keeps no evidence)
_QUEUE_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("firm", pa.string()),
        ("node", pa.string()),
        ("name", pa.string()),
        ("credit_code", pa.string()),
        ("city", pa.string()),
        ("evidence", pa.string()),
    ]
)
_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("firm", pa.string()),
        ("node", pa.string()),
        ("decision", pa.string()),
        ("date", pa.date32()),
    ]
)


def review_id(firm: str, node: str) -> str:
    """A short id for a (firm, node) pair, stable across imports (firm ids are).

    Examples
    --------
    >>> review_id("imp_x", "a2") == review_id("imp_x", "a2"), len(review_id("imp_x", "a2"))
    (True, 9)
    """
    return "r" + hashlib.sha1(f"{firm}\x1f{node}".encode()).hexdigest()[:8]


def read_decisions(folder: Path) -> dict[tuple[str, str], str]:
    path = Path(folder) / DECISIONS
    if not path.exists():
        return {}
    t = pq.read_table(path)
    return {(f, n): d for f, n, d in zip(*(t[c].to_pylist() for c in ("firm", "node", "decision")), strict=True)}


def apply_decisions(
    rec: dict[str, pa.Array], decisions: dict[tuple[str, str], str], kinds: dict[str, str], ids: Any = None
) -> None:
    """Move accepted nodes from ``uncertain`` to the firm's ties, drop rejected ones (chunk columns);
    ``ids``: the firm of each row when not ``rec["id"]`` (a duplicate row: the record it is folded into)."""
    firms = {f for f, _n in decisions}
    ids = (rec["id"] if ids is None else ids).to_pylist()
    rows = [i for i, cid in enumerate(ids) if cid in firms]
    if not rows:
        return
    cols = {k: rec[k].to_pylist() for k in (*TIES, "uncertain")}
    by_firm = _by_firm(decisions)
    for i in rows:
        _decide_row(ids[i], cols, i, by_firm, kinds)
    for k, v in cols.items():
        rec[k] = pa.array(v, pa.list_(pa.string()))


def _by_firm(decisions: dict[tuple[str, str], str]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for (f, node), d in decisions.items():
        out.setdefault(f, []).append((node, d))
    return out


def _decide_row(firm: str, cols: dict[str, list[Any]], i: int, by_firm: dict, kinds: dict[str, str]) -> bool:
    changed = False
    for node, d in by_firm.get(firm, ()):
        cols["uncertain"][i] = [n for n in (cols["uncertain"][i] or []) if n != node]
        if d == "accept" and node in kinds:
            role = ROLE_OF_KIND[kinds[node]]
            cols[role][i] = sorted(set(cols[role][i] or []) | {node})
        changed = True
    return changed


def read_queue(folder: Path) -> pa.Table:
    path = Path(folder) / QUEUE
    return pq.read_table(path).cast(_QUEUE_SCHEMA) if path.exists() else _QUEUE_SCHEMA.empty_table()


def queue_rows(t: pa.Table) -> pa.Table:
    """The open pairs of some records (their ``uncertain`` nodes, with the evidence for each): one row
    per (firm, node), in the order of the records and of their nodes."""
    uncertain = t["uncertain"].combine_chunks()
    nodes = pc.list_flatten(uncertain)  # a null or empty list adds no pair: no filter of the records first
    if not len(nodes):
        return _QUEUE_SCHEMA.empty_table()
    parent = pc.list_parent_indices(uncertain)
    firms = t["id"].take(parent)
    cols = {
        "id": _pair_ids(firms, nodes),
        "firm": firms,
        "node": nodes,
        "name": t["name"].take(parent),
        "credit_code": t["credit_code"].take(parent),
        "city": t["city"].take(parent),
        "evidence": _node_evidence(t["evidence"].take(parent), nodes),
    }
    return pa.table([pc.cast(cols[f.name], f.type) for f in _QUEUE_SCHEMA], schema=_QUEUE_SCHEMA)


def _pair_ids(firms: pa.ChunkedArray, nodes: pa.Array) -> pa.Array:
    """:func:`review_id` of each pair: the UTF-8 of "firm\x1fnode" joined by Arrow (not per pair in Python)."""
    sha1 = hashlib.sha1
    if firms.null_count or nodes.null_count:  # f"{None}" is "None": the general path
        pairs = zip(firms.to_pylist(), nodes.to_pylist(), strict=True)
        return pa.array([review_id(f, n) for f, n in pairs], pa.string())
    keys = pc.binary_join_element_wise(firms, nodes, "\x1f").cast(pa.binary()).to_pylist()
    return pa.array(["r" + sha1(k).hexdigest()[:8] for k in keys], pa.string())


def _node_evidence(evidence: pa.ChunkedArray, nodes: pa.Array) -> pa.Array:
    """Per pair, the parts of the firm's evidence ("node hits", joined by "；") that are about its node."""
    parts = pc.split_pattern(evidence.combine_chunks(), "；")
    pair = pc.list_parent_indices(parts)
    flat = pc.list_flatten(parts)
    head = pc.list_element(pc.split_pattern(flat, " ", max_splits=1), 0)  # the node id before the first space
    keep = pc.equal(head, nodes.take(pair))
    counts = np.bincount(np.asarray(pair)[np.asarray(keep)], minlength=len(nodes))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), flat.filter(keep)), "；")


def updated_queue(folder: Path, records: pa.Table) -> pa.Table | None:
    """The queue after an import that wrote ``records``: their old pairs replaced by their open ones;
    None when nothing changes."""
    return queue_after(read_queue(folder), records["id"], queue_rows(records))


def queue_after(old: pa.Table, ids: pa.Array | pa.ChunkedArray, fresh: pa.Table) -> pa.Table | None:
    """The queue ``old`` with the pairs of the firms ``ids`` replaced by ``fresh`` (their open pairs);
    None when nothing changes."""
    if not len(fresh) and not len(old):
        return None
    keep = old.filter(pc.invert(pc.is_in(old["firm"], value_set=ids)))
    new = pa.concat_tables([keep, fresh])
    return None if new.equals(old) else new


def review_items(folder: Path, nodes: set[str] | None = None) -> list[dict[str, Any]]:
    """Every open (firm, node) pair of the store folder: id, firm, name, credit_code, city, node,
    evidence (the hits for that node)."""
    items = read_queue(folder).to_pylist()
    return [i for i in items if nodes is None or i["node"] in nodes]


def decide(
    folder: Path,
    choices: dict[str, str],
    kinds: dict[str, str],
    where: dict[str, Problem] | None = None,
    problems: list[Problem] | None = None,
) -> dict[str, int]:
    """Record decisions (review id -> accept | reject) and apply them to the stores at once. An id
    decided before the same way is passed over (counted as ``already``); an id that is no open item, or
    was decided the other way, is a problem. ``where`` (the place each id was written, from a reviewed
    file) and that file's ``problems`` make every problem a :class:`LoadError` at its place, all at once;
    without them the problems are one UsageError. Nothing is written when there is any problem. Returns
    counts per decision."""
    folder = Path(folder)
    if not folder.is_dir():  # nothing imported yet, so nothing open (and the lock would make the folder)
        wrong = _sorted_choices(folder, choices, {})[2]
        if wrong or problems:
            _refuse(wrong, where, problems or [])
        return {}
    with StoreLock(folder):
        open_items = {i["id"]: i for i in review_items(folder)}
        todo, already, wrong = _sorted_choices(folder, choices, open_items)
        if wrong or problems:
            _refuse(wrong, where, problems or [])
        decisions = {(open_items[r]["firm"], open_items[r]["node"]): d for r, d in todo.items()}
        if decisions:
            _record(folder, decisions, kinds, sorted(todo))
    out: dict[str, int] = {}
    for d in todo.values():
        out[d] = out.get(d, 0) + 1
    if already:
        out["already"] = already
    return out


def _sorted_choices(
    folder: Path, choices: dict[str, str], open_items: dict[str, dict]
) -> tuple[dict[str, str], int, dict[str, str]]:
    """The choices to record, how many were decided the same way before, and id -> what is wrong."""
    past = _past(folder)
    todo, already, wrong = {}, 0, {}
    for rid, d in choices.items():
        if rid in open_items:
            todo[rid] = d
        elif rid in past and past[rid][0] == d:
            already += 1
        elif rid in past:
            was, when = past[rid]
            wrong[rid] = (
                f"编号 {rid} 已于{when}审核为“{SAID[was]}”，不能再改为“{SAID[d]}”（该匹配已不在待审核清单中）："
                "请清空这个决定"
            )
        else:
            wrong[rid] = (
                f"没有待审核的编号 {rid}：编号可能录错，或清单来自另一个产业链库；"
                "请用 chainmap review 查看当前的待审核清单"
            )
    return todo, already, wrong


def recorded(folder: Path) -> dict[str, str]:
    """review id -> the decision recorded for it (accept | reject)."""
    return {r: d for r, (d, _day) in _past(folder).items()}


def _past(folder: Path) -> dict[str, tuple[str, str]]:
    """review id -> (decision, date) of the decisions recorded so far (the latest of each)."""
    path = Path(folder) / DECISIONS
    if not path.exists():
        return {}
    t = pq.read_table(path)
    return {
        r: (d, day.isoformat() if day else "此前")
        for r, d, day in zip(*(t[c].to_pylist() for c in ("id", "decision", "date")), strict=True)
    }


def _refuse(wrong: dict[str, str], where: dict[str, Problem] | None, problems: list[Problem]) -> None:
    if where is None and not problems:
        raise UsageError("；".join(wrong[r] for r in sorted(wrong)))
    places = where or {}
    found = list(problems)
    for rid, msg in wrong.items():
        at = places.get(rid, Problem("", 0, 0, ""))
        found.append(Problem(at.file, at.line, at.column, at.message + msg))
    raise LoadError(found)


def _record(folder: Path, decisions: dict[tuple[str, str], str], kinds: dict[str, str], ids: list[str]) -> None:
    """Apply ``decisions`` to the stores, take their ids off the queue and add them to the decisions
    file, in one transaction."""
    tx = Transaction(folder)
    try:
        _rewrite(folder, tx, decisions, kinds)
        queue = read_queue(folder)
        tx.write_raw_parquet(
            folder / QUEUE,
            queue.filter(pc.invert(pc.is_in(queue["id"], value_set=pa.array(ids, pa.string())))),
        )
        old = pq.read_table(folder / DECISIONS) if (folder / DECISIONS).exists() else _SCHEMA.empty_table()
        today = dt.date.today()
        new = pa.Table.from_pylist(
            [
                {"id": review_id(f, n), "firm": f, "node": n, "decision": d, "date": today}
                for (f, n), d in sorted(decisions.items())
            ],
            schema=_SCHEMA,
        )
        tx.write_raw_parquet(folder / DECISIONS, pa.concat_tables([old, new]))
        tx.commit()
    except BaseException:
        tx.abort()
        raise


def _rewrite(folder: Path, tx: Transaction, decisions: dict, kinds: dict[str, str]) -> None:
    firms = {f for f, _n in decisions}
    for f in store_files(folder):
        t = read_table(f)
        ids = t["id"].to_pylist()
        if not firms & set(ids):
            continue
        cols = {k: t[k].to_pylist() for k in (*TIES, "uncertain")}
        by_firm = _by_firm(decisions)
        for i, cid in enumerate(ids):
            if cid in firms:
                _decide_row(cid, cols, i, by_firm, kinds)
        for k, v in cols.items():
            t = t.set_column(t.column_names.index(k), k, pa.array(v, pa.list_(pa.string())))
        tx.write_table(f, t, "parquet" if f.suffix == ".parquet" else "yaml", {"reviewed": True})
