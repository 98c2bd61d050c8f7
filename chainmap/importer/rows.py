"""The clean stage: one chunk of an export's rows (columns of text) in, the firms' record columns out,
with the rows that are no firm (rejected, with a reason) and the closed ones (skipped) set apart.

Values are parsed once per distinct value and checked so that whatever is written loads again:
a capital, head count or date the loader would refuse leaves its field empty and is counted as a
warning; a row without a usable name or with a wrong credit code is rejected.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..money import uscc_problem
from . import clean
from .columns import (
    blank_rows,
    cleaned,
    emptied,
    first_char_in,
    has_byte,
    has_space,
    joined,
    map_unique,
    per_distinct,
    plain_dates,
    regex_rows,
    take_mapped,
    trim,
    upper_no_spaces,
    uscc_ok,
)
from .headers import HeaderMap
from .keys import key_hashes, name_keys
from .values import (
    _SIMPLE_CAPITAL,
    Figures,
    _simple_capital,
    capital,
    capital_figures,
    count_figures,
    employees,
    reject_out_of_range,
)

__all__ = ["Chunk", "Cleaner", "_SIMPLE_CAPITAL", "_simple_capital", "capital", "code_problem", "employees"]

_NOTE_ROW = re.compile(r"^(注|备注|说明|数据来源|来源|合计|总计|共\d|导出|免责)")
_NOTE_FIRST = "注备说数来合总共导免"  # the first characters of _NOTE_ROW's words: the regex runs on those rows
_CLOSED = "|".join(clean.CLOSED_WORDS)
_TEXT_FIELDS = (
    "short_name",
    "name_en",
    "address",
    "website",
    "legal_rep",
    "company_type",
    "district",
    "industry",
    "products",
)
_STATUS_WORDS = (
    ("破产清算", "破产清算"),
    ("破产", "破产"),
    ("清算", "清算"),
    ("注销", "注销"),
    ("吊销", "吊销"),
    ("停业", "停业"),
    ("歇业", "停业"),
    ("迁入", "迁入"),  # registration moved here / away: a living firm (天眼查 and 企查查 list both)
    ("迁出", "迁出"),
    ("存续", "存续"),
    ("在业", "在业"),
    ("在营", "在业"),
    ("开业", "在业"),
    ("正常", "存续"),
)


def code_problem(code: str) -> str | None:
    """Why a credit code is invalid, in Chinese for the rejects file.

    Examples
    --------
    >>> code_problem("91350100M000100Y44")
    '统一社会信用代码“91350100M000100Y44”校验位错误（应为 3），代码可能录错'
    >>> code_problem("9.1E+17")[-7:]
    '文本后重新导出'
    """
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


_KNOWN = "存续、在业、迁入、迁出、停业、注销、吊销、破产、清算"


def status_of(value: str) -> str:
    """登记状态 as the Company model knows it (存续, 在业, 迁入, 迁出, 停业, 注销, 吊销, 破产, 清算, 破产清算).

    Examples
    --------
    >>> status_of("存续（在营、开业、在册）"), status_of("吊销，未注销"), status_of("吊销，已注销"), status_of("迁出")
    ('存续', '吊销', '注销', '迁出')
    """
    value = value.replace("未注销", "")
    for word, status in _STATUS_WORDS:
        if word in value:
            return status
    return ""


@dataclass
class Chunk:
    """One chunk's firms after cleaning: record columns (without ids and ties), the texts the matcher
    reads (products, scope, industry and name), their row numbers, and the rows set apart."""

    rec: dict[str, pa.Array]
    texts: list[pa.Array]
    rownums: pa.Array
    keep: np.ndarray | None = None  # which rows of ``texts`` are the firms (None: all)
    namekeys: pa.Array | None = None  # names as compared (prepare.namekey): NFKC, no white space
    hashes: tuple[np.ndarray, np.ndarray] | None = None  # key hashes of the credit codes and name keys
    rows: int = 0
    rejects: list[tuple[int, str, str, list[Any]]] = field(default_factory=list)  # row, reason, short, cells
    skipped: Counter[str] = field(default_factory=Counter)
    silent: np.ndarray | None = None  # per firm: its scope and products blank (None: no firm's)
    warned: dict[str, list[int]] = field(default_factory=dict)  # warning -> its first rows (at most 5)

    def __len__(self) -> int:
        return len(self.rownums)


class Cleaner:
    """Cleans chunks for one import: the header map, the date the facts hold for, the place names the
    library knows, and caches of parsed values kept across chunks."""

    def __init__(self, hm: HeaderMap, as_of: dt.date, source_name: str, places: clean.Places, include_closed: bool):
        self.hm, self.as_of, self.source_name, self.places = hm, as_of, source_name, places
        self.include_closed = include_closed
        self._nums: pa.Array = pa.array([], pa.int64())  # the row numbers of the chunk being cleaned
        self._warned: dict[str, list[int]] = {}  # and where its warnings are
        # (credit codes or None, names) -> per row, True for firms the stores hold: a closed row of such
        # a firm is an update (its status changes), not a row to skip
        self.known: Callable[..., np.ndarray] | None = None
        self.name_i = hm.columns["name"][0]
        self.warn: Counter[str] = Counter()
        self._memos: dict[str, dict[str, Any]] = {}

    def memo(self, name: str) -> dict[str, Any]:
        """Parsed values of one column, kept across chunks (bounded: a cleared cache only costs time)."""
        m = self._memos.setdefault(name, {})
        if len(m) > 500_000:
            m.clear()
        return m

    def chunk(
        self, cols: list[pa.Array], nums: list[int] | np.ndarray, early: list[tuple[int, list[Any], str]]
    ) -> Chunk:
        out = Chunk({}, [], pa.array([], pa.int64()))
        for rownum, cells, reason in early:
            out.rejects.append((rownum, reason, "列数多于表头", cells))
        out.rows = len(early)
        if not len(nums):
            return out
        cols = [c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in cols]
        rownums = pa.array(nums, pa.int64())
        trimmed = [trim(c) for c in cols]  # once: for blank rows and for the fields
        blank = blank_rows(trimmed, trimmed=True)
        if blank.any():
            keep = pa.array(~blank)
            cols, rownums = [c.filter(keep) for c in cols], rownums.filter(keep)
            trimmed = [c.filter(keep) for c in trimmed]
        out.rows += len(rownums)
        if not len(rownums):
            return out
        f = {fld: joined([emptied(trimmed[i]) for i in idx]) for fld, idx in self.hm.columns.items()}
        alive = self._set_apart(f, cols, rownums, out)
        figs = self._figures(f)
        alive = reject_out_of_range(figs, cols, rownums, out, alive)
        texts = self._texts(f, len(rownums))  # of every row: the matcher skips those set apart
        silent = silent_rows(f.get("scope"), f.get("products"), len(rownums))
        for k in ("scope", "registered_capital", "paid_in_capital", "employees"):
            f.pop(k, None)  # the matcher's alone (the biggest column by far), the figures' (parsed): not filtered
        if not alive.all():
            sel = pa.array(alive)
            f = {k: v.filter(sel) for k, v in f.items()}
            figs = {k: (label, fig.filter(alive)) for k, (label, fig) in figs.items()}
            rownums = rownums.filter(sel)
            silent = silent[alive] if silent is not None and silent[alive].any() else None
        out.rownums, out.silent = rownums, silent
        if len(rownums):
            out.texts, out.keep = texts, None if alive.all() else alive
            self._nums, self._warned = rownums, out.warned
            out.rec = self.columns(f, rownums, figs)
            out.namekeys = name_keys(out.rec["name"])  # for the fold, computed in the worker
            out.hashes = (key_hashes(out.rec["credit_code"]), key_hashes(out.namekeys))
        return out

    def _figures(self, f: dict[str, pa.Array]) -> dict[str, tuple[str, Figures]]:
        """Capital and head count parsed for every row: field -> (label in messages, figures)."""
        out: dict[str, tuple[str, Figures]] = {}
        for fld, label in (("registered_capital", "注册资本"), ("paid_in_capital", "实缴资本")):
            if f.get(fld) is not None:
                unit = self.hm.units.get(self.hm.columns[fld][0], 1.0)
                out[fld] = (label, capital_figures(f[fld], unit, label, self.memo(f"fig:{fld}")))
        if f.get("employees") is not None:
            out["employees"] = ("参保人数", count_figures(f["employees"], "参保人数", self.memo("fig:employees")))
        return out

    def _set_apart(self, f: dict[str, pa.Array], cols: list[pa.Array], rownums: pa.Array, out: Chunk) -> np.ndarray:
        """Reject rows that are no firm (no name, a note under the table, a wrong credit code) and skip
        closed firms; returns the mask of rows that go on."""
        name, n = f["name"], len(rownums)
        reasons: dict[int, tuple[str, str]] = {
            int(i): ("缺少企业名称", "缺少企业名称") for i in np.nonzero(np.asarray(pc.is_null(name)))[0]
        }
        maybe_note = regex_rows(name, _NOTE_ROW.pattern, first_char_in(name, _NOTE_FIRST))
        if maybe_note.any():
            others = [cleaned(c) for j, c in enumerate(cols) if j != self.name_i]
            for i in map(int, np.nonzero(maybe_note)[0]):
                if not any(o[i].is_valid for o in others):
                    reasons[i] = (f"说明/备注行，不是企业记录：“{name[i].as_py()[:30]}”", "说明/备注行")
        code = f.get("credit_code")
        if code is not None:
            code = f["credit_code"] = upper_no_spaces(code)
            wrong = np.flatnonzero(~uscc_ok(code))
            for i, c in zip(wrong.tolist(), code.take(pa.array(wrong)).to_pylist(), strict=True):
                if i not in reasons:
                    reasons[i] = (code_problem(c) or f"统一社会信用代码“{c}”无效", "统一社会信用代码无效")
        self._nul_rows(cols, reasons)
        status = f.get("status")
        closed = np.zeros(n, dtype=bool)
        if status is not None and not self.include_closed:
            closed = per_distinct(status, lambda u: pc.match_substring_regex(u, _CLOSED, ignore_case=True))
        if closed.any() and self.known is not None:
            closed &= ~self._known(name, code, closed, rownums)
        if reasons:
            order = sorted(reasons)
            which = pa.array(order, pa.int64())
            rows = zip(*(c.take(which).to_pylist() for c in cols), strict=True)
            for i, num, cells in zip(order, rownums.take(which).to_pylist(), rows, strict=True):
                out.rejects.append((num, reasons[i][0], reasons[i][1], list(cells)))
            closed[order] = False
        if closed.any():
            st = status.filter(pa.array(closed))
            for v, c in zip(*(x.to_pylist() for x in pc.value_counts(st).flatten()), strict=True):
                out.skipped[f"登记状态为{v}" if len(v) <= 8 else "已注销/吊销"] += c
        alive = ~closed
        if reasons:
            alive[list(reasons)] = False
        return alive

    def _nul_rows(self, cols: list[pa.Array], reasons: dict[int, tuple[str, str]]) -> None:
        """Rows with a NUL byte in a cell (a damaged export: the file's start is checked before it is
        read, :mod:`.textcheck`, the rest here): rejected, naming the column, instead of a name or a
        scope holding an invisible NUL in the stores."""
        for j, col in enumerate(cols):
            for i in np.flatnonzero(has_byte(col, 0)).tolist():
                if i not in reasons:
                    head = self.hm.headers[j] if j < len(self.hm.headers) else f"第{j + 1}列"
                    why = f"“{head}”一列含有 NUL 空字符（\\0），通常是导出时文件受损：请在原文件中删去该字符后重新导入"
                    reasons[i] = (why, "含有 NUL 空字符")

    def _known(self, name: pa.Array, code: pa.Array | None, rows: np.ndarray, rownums: pa.Array) -> np.ndarray:
        which = np.nonzero(rows)[0]
        out = np.zeros(len(rows), dtype=bool)
        if self.known is not None:
            srcs = row_texts(f"{self.source_name} 第", rownums.take(pa.array(which)), "行")  # as records name rows
            out[which] = self.known(code.take(which) if code is not None else None, name.take(which), sources=srcs)
        return out

    def _texts(self, f: dict[str, pa.Array], n: int) -> list[pa.Array]:
        """What the matcher reads per firm: products, business scope, industry and name (a line break
        inside one made a space, as where they were one text joined by line breaks)."""

        def txt(k: str) -> pa.Array:
            v = f.get(k)
            if v is None:
                return pa.nulls(n, pa.string())
            broken = has_byte(v, 10)
            if not broken.any():
                return v
            mask = pa.array(broken)
            return pc.replace_with_mask(v, mask, pc.replace_substring(v.filter(mask), "\n", " "))

        # The scope's standard sentences (（依法须经批准的项目，…）, 一般项目：) are matched as they stand: no
        # term occurs in them (tested), and cutting them out by regex cost 2-3 s a million rows and cut
        # everything after an unbracketed 依法须经批准的项目 to the end of the scope.
        return [txt("products"), txt("scope"), txt("industry"), txt("name")]

    def columns(
        self, f: dict[str, pa.Array], rownums: pa.Array, figs: dict[str, tuple[str, Figures]]
    ) -> dict[str, pa.Array]:
        """The record columns of the chunk's firms (values parsed once per distinct value)."""
        n = len(rownums)
        none = pa.nulls(n, pa.string())
        rec: dict[str, pa.Array] = {"name": display_names(f["name"]), "credit_code": f.get("credit_code", none)}
        for k in _TEXT_FIELDS:
            rec[k] = f.get(k, none)
        rec["status"] = self._status(f.get("status"), n)
        self._places(f, rec, none)
        self._amounts(figs, rec, n)
        rec["founded"] = self._founded(f.get("founded"), n)
        rec["employees"] = self._counted(figs, "employees", "人数无法识别，已留空", pa.int64(), n)
        rec["stock_code"] = self._mapped(
            f.get("stock_code"), clean.stock_code, pa.string(), "上市代码无法识别，已留空", n
        )
        src = row_texts(f"{self.source_name} 第", rownums, "行")
        rec["source"] = pa.ListArray.from_arrays(pa.array(np.arange(n + 1, dtype=np.int32)), src)
        rec["as_of"] = pa.array(np.full(n, (self.as_of - _EPOCH).days, np.int32)).view(pa.date32())
        return rec

    def _status(self, raw: pa.Array | None, n: int) -> pa.Array:
        """登记状态 as the model knows it; a status it does not know (迁出, 迁入, 撤销 ...) is left empty and
        counted by its text under ``warn`` (before, it was dropped without a word)."""
        if raw is None:
            return pa.nulls(n, pa.string())
        d = pc.dictionary_encode(raw)
        memo = self.memo("status")
        res = [memo.setdefault(u, status_of(u)) for u in d.dictionary.to_pylist()]
        unknown = [i for i, r in enumerate(res) if not r]
        if unknown:
            codes = np.asarray(d.indices.fill_null(-1))
            for i in unknown:
                rows = codes == i
                if rows.any():
                    self._note(f"登记状态“{d.dictionary[i].as_py()}”不是可识别的状态（{_KNOWN}），已留空", rows)
        return pa.array([r or None for r in res], pa.string()).take(d.indices)

    def _note(self, label: str, rows: np.ndarray) -> None:
        """Count a warning on ``rows`` (a mask of the chunk's firms) and keep where its first ones are."""
        self.warn[label] += int(rows.sum())
        at = self._warned.setdefault(label, [])
        if len(at) < WHERE_SHOWN:
            at += self._nums.filter(pa.array(rows)).slice(0, WHERE_SHOWN - len(at)).to_pylist()

    def _mapped(self, raw: pa.Array | None, parse: Callable[[str], Any], typ: pa.DataType, label: str, n: int) -> Any:
        if raw is None:
            return pa.nulls(n, typ)
        res, idx, nbad = map_unique(raw, parse, self.memo(label or str(parse)))
        if nbad and label:
            self.warn[label] += nbad
        return take_mapped(res, idx, typ)

    def _places(self, f: dict[str, pa.Array], rec: dict[str, pa.Array], none: pa.Array) -> None:
        prov = f.get("province")
        if prov is not None:
            res, idx, _bad = map_unique(prov, clean.province, self.memo("province"))
            prov = take_mapped(res, idx, pa.string())
        rec["province"] = prov if prov is not None else none
        city = f.get("city")
        if city is None and prov is None:
            rec["city"] = none
            return
        both = pc.binary_join_element_wise(
            city if city is not None else none, rec["province"], "\x1f", null_handling="replace", null_replacement=""
        )

        def place(key: str) -> str | None:
            c, p = key.split("\x1f")
            return self.places.city(c or None, p or None)

        res, idx, _bad = map_unique(both, place, self.memo("city"))
        rec["city"] = take_mapped(res, idx, pa.string())

    def _amounts(self, figs: dict[str, tuple[str, Figures]], rec: dict[str, pa.Array], n: int) -> None:
        for fld, vcol, ccol in (
            ("registered_capital", "capital_value", "capital_currency"),
            ("paid_in_capital", "paid_in_value", "paid_in_currency"),
        ):
            if fld not in figs:
                rec[vcol], rec[ccol] = pa.nulls(n, pa.float64()), pa.nulls(n, pa.string())
                continue
            label, fig = figs[fld]
            if fig.unreadable.any():
                self._note(f"{label}无法识别或超出范围，已留空", fig.unreadable)
            rec[vcol], rec[ccol] = fig.value, fig.currency

    def _counted(self, figs: dict[str, tuple[str, Figures]], fld: str, label: str, typ: pa.DataType, n: int) -> Any:
        if fld not in figs:
            return pa.nulls(n, typ)
        fig = figs[fld][1]
        if fig.unreadable.any():
            self._note(label, fig.unreadable)
        return fig.value

    def _founded(self, raw: pa.Array | None, n: int) -> pa.Array:
        if raw is None:
            return pa.nulls(n, pa.date32())
        plain, valid, days = plain_dates(raw)
        unreadable = int((plain & ~valid).sum())
        rest_rows = np.nonzero(~plain)[0]
        if len(rest_rows):
            res, idx, nbad = map_unique(raw.take(pa.array(rest_rows)), clean.parse_date, self.memo("founded"))
            unreadable += nbad
            known = np.array([d is not None for d in res] + [False])
            epoch = [(d - _EPOCH).days if d is not None else 0 for d in res] + [0]
            at = np.asarray(idx.fill_null(len(res)) if idx.null_count else idx, dtype=np.int64)
            valid[rest_rows] = known[at]
            days[rest_rows] = np.asarray(epoch, dtype=np.int64)[at]
        if unreadable:
            self._note("成立日期无法识别，已留空", ~valid & np.asarray(raw.is_valid(), bool))
        late = valid & (days > (self.as_of - _EPOCH).days)
        if late.any():
            self._note("成立日期晚于数据日期，已留空", late)
            valid &= ~late
        return pa.array(days.astype(np.int32), pa.int32(), mask=~valid).view(pa.date32())


_EPOCH = dt.date(1970, 1, 1)
WHERE_SHOWN = 5  # rows named per warning
_POW10 = 10 ** np.arange(1, 19, dtype=np.int64)


def silent_rows(scope: pa.Array | None, products: pa.Array | None, n: int) -> np.ndarray | None:
    """Per row, whether it says nothing of what the firm does: no scope and no products (no such column, or
    a cell the cleaner emptied: blank or a marker such as ``-``); None when every row says something.

    Examples
    --------
    >>> silent_rows(pa.array(["化纤", None, None]), pa.array([None, "涤纶", None]), 3).tolist()
    [False, False, True]
    >>> silent_rows(None, None, 2).tolist(), silent_rows(pa.array(["化纤"]), None, 1)
    ([True, True], None)
    """
    out = np.ones(n, dtype=bool)
    for col in (scope, products):
        if col is None:
            continue
        if not col.null_count:  # the usual export: every row has a scope
            return None
        out &= np.asarray(col.is_null(), dtype=bool)
    return out if out.any() else None


def row_texts(head: str, rownums: pa.Array, tail: str) -> pa.Array:
    """``head`` + row number + ``tail`` for each row (as Arrow's join of the numbers cast to text), put
    together from numpy digits where the numbers rise (the chunks' rows): each run of one digit count a
    table of fixed-width texts.

    Examples
    --------
    >>> row_texts("甲.csv 第", pa.array([9, 10, 123]), "行").to_pylist()
    ['甲.csv 第9行', '甲.csv 第10行', '甲.csv 第123行']
    """
    nums = rownums.to_numpy(zero_copy_only=False)
    if rownums.null_count or not len(nums) or nums.min() < 0 or (np.diff(nums) < 0).any():
        return pc.binary_join_element_wise(head, pc.cast(rownums, pa.string()), tail, "")
    h, t = np.frombuffer(head.encode(), np.uint8), np.frombuffer(tail.encode(), np.uint8)
    digits = np.searchsorted(_POW10, nums, side="right") + 1  # rising, so each digit count is one run
    runs = np.flatnonzero(np.diff(digits)) + 1
    parts = []
    for lo, hi in zip([0, *runs.tolist()], [*runs.tolist(), len(nums)], strict=True):
        d = int(digits[lo])
        table = np.empty((hi - lo, len(h) + d + len(t)), np.uint8)
        table[:, : len(h)], table[:, len(h) + d :] = h, t
        run = nums[lo:hi].astype(np.uint32) if d < 10 else nums[lo:hi]  # a narrower division where it fits
        for j in range(d):  # one digit column at a time: a division by one number (numpy's fast path)
            table[:, len(h) + j] = run // (10 ** (d - 1 - j)) % 10 + 48
        parts.append(table.ravel())
    offsets = np.zeros(len(nums) + 1, np.int32)
    np.cumsum(len(h) + len(t) + digits, out=offsets[1:])
    return pa.StringArray.from_buffers(len(nums), pa.py_buffer(offsets), pa.py_buffer(np.concatenate(parts)))


def display_names(name: pa.Array) -> pa.Array:
    """Names as the user wrote them (their punctuation kept), with line breaks and runs of spaces made
    one space and spaces between two Chinese characters dropped (an export's padding, not a name's).

    Examples
    --------
    >>> display_names(pa.array(["BASF (China) Co.,  Ltd.", "宁波 恒瑞\\n化纤有限公司"])).to_pylist()
    ['BASF (China) Co., Ltd.', '宁波恒瑞化纤有限公司']
    """
    spaced = has_space(name)  # most names have none: the regexes run on the others only
    if not spaced.any():
        return name
    at = pa.array(np.nonzero(spaced)[0])
    some = pc.replace_substring_regex(name.take(at), r"\s+", " ")
    for _ in range(2):  # non-overlapping matches: twice covers 甲 乙 丙
        some = pc.replace_substring_regex(some, r"(\p{Han}) (\p{Han})", r"\1\2")
    return pc.replace_with_mask(name, pa.array(spaced), some)
