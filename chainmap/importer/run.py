"""One import: read an export in chunks, clean and check each row, place the firm on chain nodes,
fold duplicates, and write the records (and a rejects CSV) where the library loader finds them.

Every data row ends up exactly once as imported (a new record), updated (a record already in the
library's import stores; ``unchanged`` counts those that had nothing new), merged (a duplicate folded
into another row's record), skipped (deregistered / revoked, or a firm the library already keeps by
hand) or rejected (written to the rejects CSV with a reason), so the counts add up to the rows read.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import hashlib
import os
import re
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UsageError
from ..files import _umask, write_atomic
from ..graph import select_chains
from ..load import Library
from ..model import Region
from ..money import uscc_problem
from . import clean
from .columns import blank_rows, cleaned, joined, map_unique, take_mapped, uscc_ok
from .headers import find_header, parse_maps
from .match import DEFAULT_THRESHOLD, Matcher
from .read import Opened, SlowPath, csv_fast_chunks, open_export, row_chunks
from .store import (
    COLUMNS,
    SCHEMA,
    TIES,
    check_writable,
    comparable,
    is_ours,
    read_table,
    to_table,
    write_parquet,
    write_yaml,
)

HEADER_SCAN_ROWS = 30
YAML_LIMIT = 2000  # above this many firms the auto store is Parquet (YAML loads at ~0.7 ms a firm)
_NOTE_ROW = re.compile(r"^(注|备注|说明|数据来源|来源|合计|总计|共\d|导出|免责)")
_CLOSED = "|".join(clean.CLOSED_WORDS)
PARALLEL_BYTES = 8 << 20  # CSVs larger than this are matched in worker processes
_BOILERPLATE = r"[(（]?依法须经批准的项目[^)）]*[)）]?|[一般许可]{2}项目[:：]"


@dataclass
class ImportOptions:
    file: Path
    chains: list[str] | None = None
    output: Path | None = None
    as_of: dt.date | None = None
    dry_run: bool = False
    maps: list[str] | tuple[str, ...] = ()
    sheet: str | None = None
    threshold: float = DEFAULT_THRESHOLD
    store: str = "auto"  # auto | yaml | parquet
    include_closed: bool = False
    region: Region | None = None
    chunk_rows: int = 50_000
    progress: bool | None = None  # None: a progress bar on a terminal only
    workers: int | None = None  # matching processes for big CSVs (None: one per core, at most 2; 1: none)


@dataclass
class Summary:
    """What an import did (docs/outputs.md: rows = imported + updated + merged + skipped + rejected)."""

    file: str
    rows: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0  # of `updated`: rows whose record had nothing new
    merged: int = 0
    skipped: int = 0
    rejected: int = 0
    placed: int = 0
    unplaced: int = 0
    local: int | None = None
    output: str | None = None
    rejects: str | None = None
    store: str = "yaml"
    dry_run: bool = False
    as_of: str = ""
    as_of_from: str = ""
    encoding: str | None = None
    sheet: str | None = None
    header_row: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    unused_columns: list[str] = field(default_factory=list)
    chains: list[str] = field(default_factory=list)
    threshold: float = DEFAULT_THRESHOLD
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    nodes: dict[str, int] = field(default_factory=dict)  # node id -> firms of this import placed there
    moved_from: list[str] = field(default_factory=list)  # other import stores whose records were updated
    outside_library: bool = False  # -o outside <library>/imported: the loader will not read it
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _namekey(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def _display_name(name: str) -> str:
    return re.sub(r"\s+", "", name).replace("(", "（").replace(")", "）")


def _new_id(code: str | None, namekey: str, taken: set[str]) -> str:
    """A stable id: from the credit code, else from the name (so a re-import finds the same id)."""
    base = f"imp_{code.lower()}" if code else "imp_n" + hashlib.sha1(namekey.encode()).hexdigest()[:12]
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}_{n}", n + 1
    taken.add(ident)
    return ident


def _code_problem(code: str) -> str | None:
    """Why a credit code is invalid, in Chinese for the rejects file."""
    why = uscc_problem(code)
    if why is None:
        return None
    if re.fullmatch(r"\d(\.\d+)?E\+?\d+", code):
        return f"统一社会信用代码“{code}”被 Excel 转成了科学计数法，请把该列设为文本后重新导出"
    if len(code) != 18:
        return f"统一社会信用代码“{code}”应为18位，实为{len(code)}位"
    if "cannot appear" in why:
        return f"统一社会信用代码“{code}”含有不允许的字符（代码中不用 I、O、S、V、Z）"
    expected = why.split("should be ")[-1].split(":")[0].strip("'")
    return f"统一社会信用代码“{code}”校验位错误（应为 {expected}），代码可能录错"


class _Records:
    """This run's records as Arrow tables, one per chunk (memory bounded by the chunk, not by Python
    objects per row); a record is pulled out as a dict only when a later duplicate is merged into it."""

    def __init__(self) -> None:
        self.batches: list[pa.Table] = []
        self.offsets: list[int] = []
        self.size = 0
        self.patched: dict[int, dict[str, Any]] = {}

    def __len__(self) -> int:
        return self.size

    def add_table(self, t: pa.Table) -> None:
        if len(t):
            self.offsets.append(self.size)
            self.batches.append(t)
            self.size += len(t)

    def get(self, i: int) -> dict[str, Any]:
        if i not in self.patched:
            b = bisect.bisect_right(self.offsets, i) - 1
            self.patched[i] = self.batches[b].slice(i - self.offsets[b], 1).to_pylist()[0]
        return self.patched[i]

    def table(self) -> pa.Table:
        t = pa.concat_tables(self.batches) if self.batches else to_table([])
        if self.patched:
            idx = sorted(self.patched)
            mask = pc.invert(pc.is_in(pa.array(range(len(t))), value_set=pa.array(idx)))
            t = pa.concat_tables([t.filter(mask), to_table([self.patched[i] for i in idx])])
            self.patched = {}
        return t


class _Importer:
    def __init__(self, lib: Library, opts: ImportOptions, slow: bool = False):
        self.lib, self.opts, self.slow = lib, opts, slow
        self.chains = select_chains(lib, opts.chains)
        self.matcher = Matcher(lib, self.chains if opts.chains else None, opts.threshold)
        known = {r.city for r in lib.regions.values() if r.city}
        for r in lib.regions.values():
            for pr in r.priority_regions:
                known.update(pr.cities)
        self.places = clean.Places(known)
        self.maps = parse_maps(list(opts.maps))
        self.s = Summary(file=str(opts.file), dry_run=opts.dry_run, threshold=opts.threshold, chains=self.chains)
        self.records = _Records()
        self.code_idx: dict[str, int] = {}
        self.name_idx: dict[str, int] = {}
        self.codes: list[str | None] = []
        self.prev_by_id: dict[str, tuple[Path, int]] = {}  # record id -> its version in an import store
        self.superseded: set[str] = set()  # imported records of firms the library now keeps by hand
        self.first_row: list[bool] = []  # record index -> True when it came from a new firm
        self.warn: Counter[str] = Counter()
        self._memos: dict[str, dict[str, Any]] = {}
        self.skip: Counter[str] = Counter()
        self.reject: Counter[str] = Counter()

    # -- setup ------------------------------------------------------------------------------------

    def _outputs(self) -> tuple[Path, str]:
        o = self.opts
        folder = self.lib.root / "imported"
        if o.output is not None:
            suffix = o.output.suffix.lower()
            kind = {".yaml": "yaml", ".yml": "yaml", ".parquet": "parquet"}.get(suffix)
            if kind is None:
                raise UsageError(f"-o {o.output}: 输出文件应以 .yaml 或 .parquet 结尾")
            if o.store != "auto" and o.store != kind:
                raise UsageError(f"-o {o.output} 与 --store {o.store} 不一致")
            return o.output, kind
        stem = re.sub(r"[\\/:*?\"<>|\s]+", "_", o.file.stem)
        if o.store != "auto":
            return folder / f"{stem}.{'yaml' if o.store == 'yaml' else 'parquet'}", o.store
        if (folder / f"{stem}.parquet").exists():
            return folder / f"{stem}.parquet", "parquet"
        return folder / f"{stem}.yaml", "auto"

    def _pool(self, output: Path) -> None:
        """Records earlier imports wrote (any store in imported/, and the output file), indexed by
        credit code and name, and the firms kept by hand (rows naming them are skipped)."""
        self.pool: dict[Path, pa.Table] = {}
        folder = self.lib.root / "imported"
        if output.parent.resolve() == folder.resolve():
            files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.parquet"))
        else:  # a store outside the library: on its own, it must not take records from the library's
            files = [output] if output.exists() else []
            self.s.outside_library = True
        for f in files:
            if is_ours(f):
                self.pool[f.resolve()] = read_table(f)
        self.pool_ids = {f: t["id"].to_pylist() for f, t in self.pool.items()}
        self.pool_code: dict[str, tuple[Path, int]] = {}
        self.pool_name: dict[str, tuple[Path, int, str | None]] = {}
        self.taken: set[str] = set(self.lib.companies) | set(self.lib.institutions) | set(self.lib.nodes)
        for f, t in self.pool.items():
            codes = t["credit_code"].to_pylist()
            names = pc.replace_substring_regex(pc.utf8_normalize(t["name"], "NFKC"), r"\s+", "").to_pylist()
            self.taken.update(self.pool_ids[f])
            for i, (c, n) in enumerate(zip(codes, names, strict=True)):
                if c:
                    self.pool_code.setdefault(c, (f, i))
                self.pool_name.setdefault(n, (f, i, c))
        ours = {str(f) for f in self.pool} | {str(f.resolve()) for f in folder.glob("*.*") if is_ours(f)}
        self.hand_code: dict[str, str] = {}
        self.hand_name: dict[str, tuple[str, str | None]] = {}
        for cid, c in self.lib.companies.items():
            where = self.lib.where.get(cid, ("", 0, 0))[0]
            if where and str(Path(where).resolve()) in ours:
                continue
            if c.credit_code:
                self.hand_code[c.credit_code] = cid
            self.hand_name[_namekey(c.name)] = (cid, c.credit_code)

    def _as_of(self, opened: Opened, above: list[tuple[int, list[Any]]]) -> None:
        today = dt.date.today()
        o = self.opts
        if o.as_of is not None:
            if o.as_of > today:
                raise UsageError(f"--as-of {o.as_of} 是未来的日期：请给出导出数据所反映的日期")
            self.as_of, self.s.as_of_from = o.as_of, "--as-of 参数"
        else:
            found: list[tuple[dt.date | None, str]] = [(clean.date_in(o.file.stem), "文件名中的日期")]
            for _n, cells in above:
                found.append(
                    (clean.date_in(" ".join(str(c) for c in cells if c is not None)), "表头上方标题行中的日期")
                )
            found.append((opened.file_date, "工作簿属性中的修改日期"))
            found.append((dt.date.fromtimestamp(o.file.stat().st_mtime), "文件修改时间"))
            self.as_of, self.s.as_of_from = next((d, how) for d, how in found if d is not None and d <= today)
        self.s.as_of = self.as_of.isoformat()

    # -- the rows ---------------------------------------------------------------------------------

    def run(self) -> Summary:
        t0 = time.perf_counter()
        o = self.opts
        output, kind = self._outputs()
        check_writable(output)
        opened = open_export(o.file, o.sheet)
        try:
            self.s.encoding, self.s.sheet = opened.encoding_label, opened.sheet
            head: list[tuple[int, list[Any]]] = []
            for rownum, cells in opened.rows:
                head.append((rownum, cells))
                if len(head) >= HEADER_SCAN_ROWS:
                    break
            hm = find_header(head, self.maps)
            if hm is None:
                raise UsageError(
                    f"{o.file.name}: 前{len(head)}行中找不到表头（需要有“企业名称”一列，以及统一社会信用代码、"
                    "经营范围等至少一列）。若表头名称特殊，请用 --map '表头=name' 指明哪一列是企业名称"
                )
            self.hm = hm
            self._name_i = hm.columns["name"][0]
            self.s.header_row, self.s.columns, self.s.unused_columns = hm.row, hm.describe(), hm.unused
            self._as_of(opened, [r for r in head if r[0] < hm.row])
            self._pool(output)
            self.source_name = o.file.name
            rejects_path = output.with_name(output.name.rsplit(".", 1)[0] + ".rejects.csv")
            self._open_rejects(rejects_path)
            rest = (r for r in head if r[0] > hm.row)
            try:
                self._stream(opened, rest)
            except SlowPath:
                if self.rejects_tmp is not None:
                    self.rejects_tmp[0].close()
                    os.unlink(self.rejects_tmp[1])
                raise
        finally:
            opened.close()
        self._finish(output, kind, rejects_path)
        self.s.seconds = round(time.perf_counter() - t0, 2)
        return self.s

    def _open_rejects(self, path: Path) -> None:
        self.rejects_path = path
        self.rejects_tmp = None
        self.rejects_writer = None

    def _reject(self, rownum: int, reason: str, short: str, cells: list[Any]) -> None:
        self.s.rejected += 1
        self.reject[short] += 1
        if self.opts.dry_run:
            return
        if self.rejects_writer is None:
            self.rejects_path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(
                prefix=f".{self.rejects_path.name}.", suffix=".tmp", dir=self.rejects_path.parent
            )
            self.rejects_tmp = (os.fdopen(fd, "w", encoding="utf-8-sig", newline=""), tmp)
            self.rejects_writer = csv.writer(self.rejects_tmp[0])
            self.rejects_writer.writerow(["原文件行号", "拒绝原因", *self.hm.headers])
        self.rejects_writer.writerow([rownum, reason, *("" if c is None else c for c in cells)])

    def _stream(self, opened: Opened, rest: Any) -> None:
        import itertools

        show = self.opts.progress if self.opts.progress is not None else sys.stderr.isatty()
        width = len(self.hm.headers)
        if opened.kind == "csv" and not self.slow:
            chunks = csv_fast_chunks(opened, self.hm.row, width)
        else:
            chunks = row_chunks(itertools.chain(rest, opened.rows), width, self.opts.chunk_rows)
        big = opened.kind == "csv" and opened.size > PARALLEL_BYTES and (self.opts.workers or 0) != 1
        pool = _pool_for(self.matcher, self.opts.workers) if big else None
        try:
            if not show:
                self._pump(chunks, pool, lambda: None)
                return
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

            with Progress(
                TextColumn("导入 {task.fields[name]}"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[rows]} 行"),
                TimeRemainingColumn(),
                transient=True,
                console=Console(stderr=True),
            ) as bar:
                task = bar.add_task("import", total=opened.size or None, name=opened.path.name, rows=0)
                self._pump(chunks, pool, lambda: bar.update(task, completed=opened.position(), rows=self.s.rows))
        finally:
            if pool is not None:
                pool.terminate()

    def _pump(self, chunks: Any, pool: Any, tick: Any) -> None:
        """Clean each chunk while the previous one's matches finish (in the worker pool, if any)."""
        pending = None
        for cols, nums, early in chunks:
            nxt = self._chunk(cols, nums, early, pool)
            if pending is not None:
                self._finish_chunk(pending)
            pending = nxt
            tick()
        if pending is not None:
            self._finish_chunk(pending)

    def _chunk(self, cols: list[pa.Array], nums: list[int], early: list[tuple[int, list[Any], str]], pool: Any) -> Any:
        """Clean, check and fold one chunk of rows (columns of text, their row numbers), and hand its
        firms to the matcher; :meth:`_finish_chunk` takes the result (the next chunk is read meanwhile)."""
        hm, s = self.hm, self.s
        for rownum, cells, reason in early:
            s.rows += 1
            self._reject(rownum, reason, "列数多于表头", cells)
        if not nums:
            return
        cols = [c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in cols]
        rownums = pa.array(nums, pa.int64())
        blank = blank_rows(cols)
        if pc.any(blank).as_py():
            keep = pc.invert(blank)
            cols = [c.filter(keep) for c in cols]
            rownums = rownums.filter(keep)
        n = len(rownums)
        if n == 0:
            return
        s.rows += n
        f: dict[str, pa.Array] = {fld: joined([cleaned(cols[i]) for i in idx]) for fld, idx in hm.columns.items()}
        name = f["name"]

        # rows that are no firm at all: no name, or a note under the table (数据来源：…)
        bad = np.asarray(pc.is_null(name))
        maybe_note = np.asarray(pc.fill_null(pc.match_substring_regex(name, _NOTE_ROW.pattern), False))
        reasons: dict[int, tuple[str, str]] = {}
        for i in np.nonzero(bad)[0]:
            reasons[int(i)] = ("缺少企业名称", "缺少企业名称")
        if maybe_note.any():
            others = [cleaned(c) for j, c in enumerate(cols) if j != self._name_i]
            for i in np.nonzero(maybe_note)[0]:
                if not any(o[int(i)].is_valid for o in others):
                    text = name[int(i)].as_py()
                    reasons[int(i)] = (f"说明/备注行，不是企业记录：“{text[:30]}”", "说明/备注行")
        name = pc.replace_substring(
            pc.replace_substring(pc.replace_substring_regex(name, r"\s+", ""), "(", "（"), ")", "）"
        )
        code = f.get("credit_code")
        if code is not None:
            code = pc.replace_substring(pc.utf8_upper(code), " ", "")
            ok = uscc_ok(code)
            for i in np.nonzero(~ok)[0]:
                i = int(i)
                if i not in reasons:
                    c = code[i].as_py()
                    reasons[i] = (_code_problem(c) or f"统一社会信用代码“{c}”无效", "统一社会信用代码无效")
        status = f.get("status")
        closed = np.zeros(n, dtype=bool)
        if status is not None and not self.opts.include_closed:
            closed = np.asarray(pc.fill_null(pc.match_substring_regex(status, _CLOSED, ignore_case=True), False))
        if reasons:
            order = sorted(reasons)
            which = pa.array(order, pa.int64())
            rows = zip(*(c.take(which).to_pylist() for c in cols), strict=True)
            for i, num, cells in zip(order, rownums.take(which).to_pylist(), rows, strict=True):
                self._reject(num, reasons[i][0], reasons[i][1], list(cells))
            closed[order] = False
        if closed.any():
            st = status.filter(pa.array(closed))
            for v, c in zip(*(x.to_pylist() for x in pc.value_counts(st).flatten()), strict=True):
                s.skipped += c
                self.skip[f"登记状态为{v}" if len(v) <= 8 else "已注销/吊销"] += c
        alive = ~closed
        if reasons:
            alive[list(reasons)] = False
        if not alive.all():
            sel = pa.array(alive)
            f = {k: v.filter(sel) for k, v in f.items()}
            name, rownums = name.filter(sel), rownums.filter(sel)
            code = code.filter(sel) if code is not None else None
        n = len(name)
        if n == 0:
            return

        # the firms' text goes to the matcher (in worker processes for big files) while we clean the rest
        def txt(k: str) -> pa.Array:
            v = f.get(k)
            return pa.nulls(n, pa.string()) if v is None else pc.replace_substring(v, "\n", " ")

        scope = txt("scope")
        if "scope" in f:  # the standard sentence every scope ends with says nothing about the firm
            scope = pc.replace_substring_regex(scope, _BOILERPLATE, "")
        texts = pc.binary_join_element_wise(
            txt("products"), scope, txt("industry"), name, "\n", null_handling="replace", null_replacement=""
        )
        jobs = _submit(pool, texts)

        rec = self._columns(f, name, code, rownums, n)
        # fold duplicates and firms already kept elsewhere (Python, per row: dictionary look-ups only)
        namekeys = pc.replace_substring_regex(pc.utf8_normalize(name, "NFKC"), r"\s+", "").to_pylist()
        codes = code.to_pylist() if code is not None else [None] * n
        ids: list[str | None] = [None] * n
        action = np.zeros(n, dtype=np.int8)  # 0 new record, 1 merged into an earlier row, 2 skipped (by hand)
        target: dict[int, int] = {}
        for i, (c, nk) in enumerate(zip(codes, namekeys, strict=True)):
            hand = self.hand_code.get(c) if c else None
            if hand is None and nk in self.hand_name and (c is None or self.hand_name[nk][1] in (None, c)):
                hand = self.hand_name[nk][0]
            if hand is not None:
                action[i] = 2
                stale = (self.pool_code.get(c) if c else None) or self.pool_name.get(nk)
                if stale is not None:  # an earlier import's record of a firm now kept by hand: drop it
                    self.superseded.add(self.pool_ids[stale[0]][stale[1]])
                continue
            g = self.code_idx.get(c) if c else None
            if g is None and nk in self.name_idx:
                cand = self.name_idx[nk]
                if c is None or self.codes[cand] in (None, c):
                    g = cand
            if g is not None:
                action[i] = 1
                target[i] = g
                if c and not self.codes[g]:
                    self.codes[g] = c
                    self.code_idx[c] = g
                continue
            prev = self.pool_code.get(c) if c else None
            if prev is None and nk in self.pool_name:
                pf, pi, pcode = self.pool_name[nk]
                if c is None or pcode in (None, c):
                    prev = (pf, pi)
            if prev is not None and self.pool_ids[prev[0]][prev[1]] in self.prev_by_id:
                prev = None  # two firms of this file claim one stored record (same name, no code): keep both
            if prev is not None:
                ident = self.pool_ids[prev[0]][prev[1]]
                self.prev_by_id[ident] = prev
            else:
                ident = _new_id(c, nk, self.taken)
            ids[i] = ident
            g = len(self.codes)
            self.codes.append(c)
            self.first_row.append(prev is None)
            if c:
                self.code_idx[c] = g
            self.name_idx.setdefault(nk, g)
        nhand = int((action == 2).sum())
        if nhand:
            s.skipped += nhand
            self.skip["库中已有手工维护的记录"] += nhand
        s.merged += len(target)

        return (jobs, texts, rec, ids, action, target)

    def _finish_chunk(self, pending: Any) -> None:
        """Second half of a chunk: the matcher's results in, the records stored, duplicates folded."""
        jobs, texts, rec, ids, action, target = pending
        n = len(ids)
        for k, arr in zip(("operates", "makes", "holds", "evidence"), _collect(jobs, self.matcher, texts), strict=True):
            rec[k] = arr
        rec["id"] = pa.array(ids, pa.string())
        table = pa.table([rec[c] for c in COLUMNS], schema=SCHEMA)
        new = np.nonzero(action == 0)[0]
        self.records.add_table(table.take(pa.array(new, pa.int64())) if len(new) < n else table)
        if target:
            rows = table.take(pa.array(sorted(target), pa.int64())).to_pylist()
            for i, row in zip(sorted(target), rows, strict=True):
                self._merge(target[i], row)

    def _memo(self, name: str) -> dict[str, Any]:
        """Parsed values of one column, kept across chunks (bounded: a cleared cache only costs time)."""
        m = self._memos.setdefault(name, {})
        if len(m) > 500_000:
            m.clear()
        return m

    def _columns(
        self, f: dict[str, pa.Array], name: pa.Array, code: pa.Array | None, rownums: pa.Array, n: int
    ) -> dict[str, pa.Array]:
        """The record columns of the chunk's firms, cleaned (values parsed once per distinct value)."""
        hm = self.hm
        none = pa.nulls(n, pa.string())
        rec: dict[str, pa.Array] = {"name": name, "credit_code": code if code is not None else none}
        for k in (
            "short_name",
            "name_en",
            "address",
            "website",
            "legal_rep",
            "company_type",
            "district",
            "industry",
            "products",
            "status",
        ):
            rec[k] = f.get(k, none)
        prov = f.get("province")
        if prov is not None:
            res, idx, _bad = map_unique(prov, clean.province, self._memo("province"))
            prov = take_mapped(res, idx, pa.string())
        rec["province"] = prov if prov is not None else none
        city = f.get("city")
        if city is not None or prov is not None:
            both = pc.binary_join_element_wise(
                city if city is not None else none,
                rec["province"],
                "\x1f",
                null_handling="replace",
                null_replacement="",
            )

            def place(key: str) -> str | None:
                c, p = key.split("\x1f")
                return self.places.city(c or None, p or None)

            res, idx, _bad = map_unique(both, place, self._memo("city"))
            rec["city"] = take_mapped(res, idx, pa.string())
        else:
            rec["city"] = none
        for fld, vcol, ccol, label in (
            ("registered_capital", "capital_value", "capital_currency", "注册资本"),
            ("paid_in_capital", "paid_in_value", "paid_in_currency", "实缴资本"),
        ):
            raw = f.get(fld)
            if raw is None:
                rec[vcol], rec[ccol] = pa.nulls(n, pa.float64()), none
                continue
            unit = hm.units.get(hm.columns[fld][0], 1.0)
            res, idx, nbad = map_unique(raw, lambda v, u=unit: clean.parse_capital(v, u), self._memo(fld))
            if nbad:
                self.warn[f"{label}无法识别，已留空"] += nbad
            rec[vcol] = take_mapped([a.value if a else None for a in res], idx, pa.float64())
            rec[ccol] = take_mapped([a.currency if a else None for a in res], idx, pa.string())
        raw = f.get("founded")
        if raw is not None:
            res, idx, nbad = map_unique(raw, clean.parse_date, self._memo("founded"))
            if nbad:
                self.warn["成立日期无法识别，已留空"] += nbad
            late = [d is not None and d > self.as_of for d in res]
            if any(late):
                nlate = (
                    pc.sum(pc.is_in(idx, value_set=pa.array([i for i, x in enumerate(late) if x], idx.type))).as_py()
                    or 0
                )
                self.warn["成立日期晚于数据日期，已留空"] += nlate
                res = [None if x else d for d, x in zip(res, late, strict=True)]
            rec["founded"] = take_mapped(res, idx, pa.date32())
        else:
            rec["founded"] = pa.nulls(n, pa.date32())
        for fld, parse, typ, label, empty in (
            ("employees", clean.parse_int, pa.int64(), "人数", pa.nulls(n, pa.int64())),
            ("stock_code", clean.stock_code, pa.string(), "上市代码", none),
        ):
            raw = f.get(fld)
            if raw is None:
                rec[fld] = empty
                continue
            res, idx, nbad = map_unique(raw, parse, self._memo(fld))
            if nbad:
                self.warn[f"{label}无法识别，已留空"] += nbad
            rec[fld] = take_mapped(res, idx, typ)
        rec["note"] = none
        src = pc.binary_join_element_wise(f"{self.source_name} 第", pc.cast(rownums, pa.string()), "行", "")
        rec["source"] = pa.ListArray.from_arrays(pa.array(np.arange(n + 1, dtype=np.int32)), src)
        rec["as_of"] = pa.array([self.as_of] * n, pa.date32())
        rec["placed"] = pa.nulls(n, pa.bool_())  # set when the store is written
        return rec

    def _merge(self, g: int, new: dict[str, Any]) -> None:
        """Fold a duplicate row into record ``g``: fill its gaps, add ties and the row's source."""
        rec = self.records.get(g)
        for k in COLUMNS:
            if k in ("id", "source", "evidence", *TIES):
                continue
            if rec.get(k) in (None, "") and new.get(k) not in (None, ""):
                rec[k] = new[k]
        for k in TIES:
            rec[k] = sorted(set(rec[k] or []) | set(new[k] or []))
        if new["evidence"] and new["evidence"] != rec.get("evidence"):
            placed = {n for k in TIES for n in rec[k]}
            parts = [p for e in (rec.get("evidence"), new["evidence"]) if e for p in e.split("；")]
            parts = [p for p in parts if not (p.endswith("（未达阈值）") and p.split(" ", 1)[0] in placed)]
            rec["evidence"] = "；".join(dict.fromkeys(parts))
        rec["source"] = list(rec["source"] or []) + [s for s in new["source"] if s not in (rec["source"] or [])]
        if new.get("credit_code") and not self.codes[g]:
            self.codes[g] = new["credit_code"]
            self.code_idx[new["credit_code"]] = g

    # -- writing ----------------------------------------------------------------------------------

    def _finish(self, output: Path, kind: str, rejects_path: Path) -> None:
        s = self.s
        new = self.records.table()
        out_res = base_key = output.resolve()  # base_key: the store holding the output's earlier records
        if kind == "auto":
            base_n = len(self.pool[out_res]) if out_res in self.pool else 0
            kind = "parquet" if base_n + len(new) > YAML_LIMIT else "yaml"
            if kind == "parquet":  # the list outgrew YAML: its records move to the Parquet store
                output = output.with_suffix(".parquet")
                check_writable(output)
                out_res = output.resolve()
        s.store, s.output = kind, str(output)

        # records that exist in a store already: changed, the same, or from an older export
        changed_ids: set[str] = set()
        if self.prev_by_id:
            mask = pc.is_in(new["id"], value_set=pa.array(list(self.prev_by_id), pa.string()))
            fresh, seen = new.filter(pc.invert(mask)), new.filter(mask)
            kept_parts, current_parts = [fresh], [fresh]
            for f, t in self.pool.items():
                pairs = sorted((cid, i) for cid, (pf, i) in self.prev_by_id.items() if pf == f)
                if not pairs:
                    continue
                old = t.take(pa.array([i for _c, i in pairs], pa.int64()))  # sorted by id, as `ours` is
                ours = seen.filter(pc.is_in(seen["id"], value_set=pa.array([c for c, _i in pairs], pa.string())))
                ours = ours.sort_by("id")
                keep = self._changed(ours, old, kind)
                kept = ours.filter(keep)
                changed_ids.update(kept["id"].to_pylist())
                kept_parts.append(kept)
                current_parts += [kept, old.filter(pc.invert(keep))]
            mine = pa.concat_tables(kept_parts)
            current = pa.concat_tables(current_parts)  # this run's firms as they stand now (for the counts)
        else:
            mine = current = new
        s.imported = sum(self.first_row)
        s.updated = len(self.first_row) - s.imported
        s.unchanged = s.updated - len(changed_ids)
        if s.rows != s.imported + s.updated + s.merged + s.skipped + s.rejected:  # pragma: no cover - a bug
            raise AssertionError(f"import counts do not add up: {s}")
        self._counts(current)

        # every store this run changes: the output gains new and changed records, others lose the
        # changed ones (a firm has one record, in the store of its latest import)
        writes: dict[Path, tuple[Path, pa.Table, str]] = {}
        moved = pa.array(sorted(changed_ids | self.superseded), pa.string())
        for f, t in self.pool.items():
            if f == base_key or not len(moved):
                continue
            gone = pc.is_in(t["id"], value_set=moved)
            if pc.any(gone).as_py():
                writes[f] = (f, t.filter(pc.invert(gone)), "parquet" if f.suffix == ".parquet" else "yaml")
                s.moved_from.append(str(f))
        base = self.pool.get(base_key)
        rewrite = base is None or base_key != out_res or len(mine) > 0
        if base is not None and self.superseded:
            gone = pc.is_in(base["id"], value_set=pa.array(sorted(self.superseded), pa.string()))
            if pc.any(gone).as_py():
                base, rewrite = base.filter(pc.invert(gone)), True
        if rewrite:
            final = (
                mine
                if base is None
                else pa.concat_tables([base.filter(pc.invert(pc.is_in(base["id"], value_set=mine["id"]))), mine])
            )
            if len(final) or base is not None:
                writes[out_res] = (output, final, kind)
        if not self.opts.dry_run:
            for _f, (path, t, k) in writes.items():
                if len(t) == 0 and path != output:
                    path.unlink()
                    continue
                if k == "parquet":
                    write_parquet(path, t, {"source_file": self.source_name})
                else:
                    data = write_yaml(
                        path, t.to_pylist(), "# 由导入生成的企业记录；source 为原文件及行号，as_of 为数据日期。\n"
                    )
                    write_atomic(path, data)
            stale = output.with_suffix(".yaml")
            if kind == "parquet" and stale.exists() and is_ours(stale):
                stale.unlink()  # the list outgrew YAML: one store per import
        if self.rejects_tmp is not None:
            fh, tmp = self.rejects_tmp
            fh.close()
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, rejects_path)
            s.rejects = str(rejects_path)
        elif not self.opts.dry_run and rejects_path.exists():
            rejects_path.unlink()  # a stale rejects file from an earlier import of this file

    def _changed(self, new: pa.Table, old: pa.Table, kind: str) -> pa.Array:
        """Per record (``new`` and ``old`` aligned): True where the new version replaces the stored
        one -- it differs, and is not from an older export. Ties to chains this import did not look at
        (``--chain``) are carried over to the new version first."""
        older = pc.fill_null(pc.less(new["as_of"], old["as_of"]), False)
        selected = self.matcher.nodes
        if self.opts.chains or kind != "parquet":  # few records (YAML) or a partial match: row by row
            recs, olds = new.to_pylist(), old.to_pylist()
            out = []
            for rec, o, too_old in zip(recs, olds, older.to_pylist(), strict=True):
                for k in TIES:
                    rec[k] = sorted(set(rec[k] or []) | {n for n in (o[k] or []) if n not in selected})
                out.append(not too_old and comparable(rec, kind) != comparable(o, kind))
            return pa.array(out, pa.bool_())
        same = None
        for c in COLUMNS:
            if c == "placed":
                continue
            a, b = new[c], old[c]
            if pa.types.is_list(a.type):
                a, b = pc.binary_join(a, "\x1f"), pc.binary_join(b, "\x1f")
            eq = pc.or_(pc.fill_null(pc.equal(a, b), False), pc.and_(pc.is_null(a), pc.is_null(b)))
            same = eq if same is None else pc.and_(same, eq)
        return pc.and_(pc.invert(same), pc.invert(older))

    def _counts(self, t: pa.Table) -> None:
        """Placed / unplaced / local firms and firms per node, over this run's firms as stored."""
        s = self.s
        n = None
        for k in TIES:
            m = pc.fill_null(pc.list_value_length(t[k]), 0)
            n = m if n is None else pc.add(n, m)
        s.placed = (pc.sum(pc.greater(n, 0)).as_py() or 0) if len(t) else 0
        s.unplaced = len(t) - s.placed
        counts: Counter[str] = Counter()
        for k in TIES:
            flat = pc.list_flatten(t[k])
            if len(flat):
                vc = pc.value_counts(flat)
                for v, c in zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True):
                    counts[v] += c
        s.nodes = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        r = self.opts.region
        if r is not None and len(t):
            if r.city:
                s.local = pc.sum(pc.equal(t["city"], r.city)).as_py() or 0
            else:
                s.local = (
                    pc.sum(
                        pc.and_(
                            pc.equal(t["province"], r.province),
                            pc.is_in(t["district"], value_set=pa.array(r.districts, pa.string())),
                        )
                    ).as_py()
                    or 0
                )
        elif r is not None:
            s.local = 0
        s.skipped_reasons = dict(self.skip.most_common())
        s.rejected_reasons = dict(self.reject.most_common())
        s.warnings = dict(self.warn.most_common())


# -- matching in worker processes -------------------------------------------------------------------

_MATCHER: Matcher | None = None  # set before forking: workers inherit the automaton, nothing is pickled


def _match_texts(texts: pa.Array) -> list[pa.Array]:
    """Place each firm of a chunk: operates, makes, holds (list arrays) and the evidence text."""
    m = _MATCHER
    assert m is not None
    ties: tuple[list[list[str]], ...] = ([], [], [])
    evidence: list[str | None] = []
    empty: list[str] = []
    for t in texts.to_pylist():
        p = m.place_text(t)
        if p is None:
            for k in ties:
                k.append(empty)
            evidence.append(None)
            continue
        for k, role in zip(ties, ("operates", "makes", "holds"), strict=True):
            k.append(p.ties.get(role, empty))
        evidence.append(m.describe(p) or None)
    return [*(pa.array(k, pa.list_(pa.string())) for k in ties), pa.array(evidence, pa.string())]


def _pool_for(matcher: Matcher, workers: int | None) -> Any:
    import multiprocessing as mp

    global _MATCHER
    n = workers or min(2, os.cpu_count() or 1)
    if n < 2 or "fork" not in mp.get_all_start_methods():
        return None
    _MATCHER = matcher
    return mp.get_context("fork").Pool(n)


def _submit(pool: Any, texts: pa.Array) -> Any:
    if pool is None:
        return None
    parts = pool._processes
    step = (len(texts) + parts - 1) // parts or 1
    return [pool.apply_async(_match_texts, (texts.slice(i, step),)) for i in range(0, len(texts), step)]


def _collect(jobs: Any, matcher: Matcher, texts: pa.Array) -> list[pa.Array]:
    global _MATCHER
    if jobs is None:
        _MATCHER = matcher
        return _match_texts(texts)
    parts = [j.get() for j in jobs]
    return [pa.concat_arrays([p[k] for p in parts]) for k in range(4)]


def run_import(lib: Library, opts: ImportOptions) -> Summary:
    """Import ``opts.file`` into the library ``lib`` (see :class:`ImportOptions`)."""
    try:
        return _Importer(lib, opts).run()
    except SlowPath:  # a ragged row: read again row by row, for exact row numbers in the rejects file
        return _Importer(lib, opts, slow=True).run()


__all__ = ["ImportOptions", "SCHEMA", "Summary", "run_import"]
