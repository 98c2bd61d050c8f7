"""Which column of an export holds what: header variants of the common business-data platforms,
the header row found below title / note rows, and ``--map 'HEADER=field'`` for odd headers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import UsageError

# Canonical field -> (Chinese label used in messages, header variants as exports write them).
# Variants are compared after normalisation (see ``norm_header``): no spaces, half-width brackets,
# units in brackets removed.
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": (
        "企业名称",
        (
            "企业名称",
            "公司名称",
            "名称",
            "企业名",
            "公司名",
            "单位名称",
            "机构名称",
            "纳税人名称",
            "企业全称",
            "公司全称",
            "市场主体名称",
            "主体名称",
            "companyname",
            "name",
        ),
    ),
    "credit_code": (
        "统一社会信用代码",
        ("统一社会信用代码", "社会信用代码", "信用代码", "统一信用代码", "统一代码", "uscc", "creditcode"),
    ),
    "legal_rep": ("法定代表人", ("法定代表人", "法人代表", "法人", "法定代表人/负责人", "负责人", "法定代表")),
    "status": (
        "登记状态",
        ("登记状态", "经营状态", "企业状态", "状态", "存续状态", "公司状态", "营业状态", "企业经营状态"),
    ),
    "founded": ("成立日期", ("成立日期", "成立时间", "注册日期", "成立年月", "设立日期", "注册时间")),
    "registered_capital": ("注册资本", ("注册资本", "注册资金", "注册资本金")),
    "paid_in_capital": ("实缴资本", ("实缴资本", "实缴资金", "实收资本")),
    "province": ("所属省份", ("所属省份", "省份", "省", "所在省份", "注册省份", "所属省", "省份名称", "地区省份")),
    "city": ("所属城市", ("所属城市", "城市", "市", "所在城市", "地级市", "所属地市", "所属市", "注册城市")),
    "district": ("所属区县", ("所属区县", "区县", "区/县", "所在区县", "县区", "所属县区", "所属区", "注册区县")),
    "company_type": ("企业类型", ("企业类型", "公司类型", "企业(机构)类型", "机构类型", "市场主体类型", "类型")),
    "industry": (
        "所属行业",
        (
            "所属行业",
            "国标行业",
            "行业",
            "行业门类",
            "国民经济行业",
            "行业分类",
            "国标行业门类",
            "国标行业大类",
            "国标行业中类",
            "国标行业小类",
            "所属行业门类",
            "所属行业大类",
            "所属行业中类",
            "所属行业小类",
            "行业大类",
            "行业中类",
            "行业小类",
            "产业分类",
        ),
    ),
    "address": (
        "注册地址",
        (
            "注册地址",
            "地址",
            "企业地址",
            "住所",
            "公司地址",
            "通信地址",
            "经营地址",
            "注册地",
            "住所/经营场所",
            "办公地址",
        ),
    ),
    "scope": ("经营范围", ("经营范围", "经营业务范围", "许可经营范围", "一般经营范围")),
    "products": (
        "主营产品",
        (
            "主营产品",
            "主营业务",
            "主要产品",
            "产品",
            "主营",
            "核心产品",
            "产品服务",
            "产品与服务",
            "主营产品/服务",
            "业务范围",
            "主要业务",
        ),
    ),
    "stock_code": ("上市代码", ("上市代码", "股票代码", "证券代码", "上市公司代码", "stockcode")),
    "short_name": ("企业简称", ("企业简称", "公司简称", "简称", "股票简称", "证券简称")),
    "name_en": ("英文名称", ("英文名称", "英文名", "企业英文名称", "englishname")),
    "website": ("官网", ("官网", "网址", "企业官网", "公司官网", "网站", "官方网站")),
    "employees": ("参保人数", ("参保人数", "员工人数", "职工人数", "从业人数", "员工数")),
}
LABELS = {f: label for f, (label, _v) in FIELDS.items()}
# Fields several columns may feed (their texts are joined); the others take the first column.
JOINED = {"industry", "products", "scope"}
IGNORE = "-"  # --map 'HEADER=-' ignores a column

_BRACKETS = re.compile(r"[(（\[【]([^)）\]】]*)[)）\]】]")
_UNIT_IN_HEADER = re.compile(r"(亿|万|千)?元|美元|人民币")


def norm_header(text: object) -> str:
    """A header cell reduced to what identifies it: no blanks or BOM, no leading ``*``, lower case."""
    s = "" if text is None else str(text)
    s = s.replace("\ufeff", "").replace("\u3000", "").replace("（", "(").replace("）", ")")
    s = re.sub(r"\s+", "", s).lstrip("*＊").strip(":：")
    return s.lower()


def header_unit(text: object) -> float:
    """A multiplier stated in a header: ``注册资本(万元)`` -> 1e4, so a bare 5000 there means 5000万元."""
    s = "" if text is None else str(text)
    for inside in _BRACKETS.findall(s) + [s]:
        m = _UNIT_IN_HEADER.search(inside)
        if m:
            return {"亿": 1e8, "万": 1e4, "千": 1e3}.get(m.group(1) or "", 1.0)
    return 1.0


_LOOKUP: dict[str, str] = {}
for _f, (_label, _variants) in FIELDS.items():
    for _v in _variants:
        _LOOKUP.setdefault(norm_header(_v), _f)


def field_of(header: object) -> str | None:
    """The canonical field a header names, or ``None``: exact variant, else the variant without a
    bracketed remark (``注册资本(万元)``, ``企业名称(中文)``)."""
    h = norm_header(header)
    if not h:
        return None
    if h in _LOOKUP:
        return _LOOKUP[h]
    bare = _BRACKETS.sub("", h.replace("(", "（").replace(")", "）")).strip()
    bare = norm_header(bare)
    return _LOOKUP.get(bare) if bare else None


def parse_maps(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``--map 'HEADER=field'`` options -> {normalised header: field}; field may be the English field
    name, its Chinese label or any known header variant; ``-`` ignores the column."""
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise UsageError(f"--map '{item}' 的格式应为 '表头=字段'，例如 --map '单位全称=name'")
        head, _, target = item.rpartition("=")
        head, target = head.strip(), target.strip()
        if not head:
            raise UsageError(f"--map '{item}' 缺少表头名")
        if target == IGNORE:
            out[norm_header(head)] = IGNORE
            continue
        fieldname = target if target in FIELDS else field_of(target)
        if fieldname is None:
            names = ", ".join(f"{f}({label})" for f, label in LABELS.items())
            raise UsageError(f"--map '{item}': 未知字段 '{target}'。可用字段: {names}；用 '-' 忽略该列")
        out[norm_header(head)] = fieldname
    return out


@dataclass
class HeaderMap:
    """The header row found in a file and what each column means."""

    row: int  # 1-based row number of the header in the file
    headers: list[str]
    columns: dict[str, list[int]] = field(default_factory=dict)  # field -> column indexes
    units: dict[int, float] = field(default_factory=dict)  # column index -> multiplier stated in its header
    unused: list[str] = field(default_factory=list)

    def describe(self) -> dict[str, str]:
        """Field -> the header(s) it was read from, for the summary."""
        return {f: "、".join(self.headers[i] for i in idx) for f, idx in self.columns.items()}


def map_headers(cells: list[object], maps: dict[str, str]) -> tuple[dict[str, list[int]], list[str]]:
    columns: dict[str, list[int]] = {}
    unused: list[str] = []
    for i, cell in enumerate(cells):
        key = norm_header(cell)
        if not key:
            continue
        f = maps[key] if key in maps else field_of(cell)
        if f is None or f == IGNORE:
            if f is None:
                unused.append(str(cell).strip())
            continue
        if f in columns and f not in JOINED:
            unused.append(str(cell).strip())  # a second column for a single-valued field: the first wins
            continue
        columns.setdefault(f, []).append(i)
    return columns, unused


def find_header(rows: list[tuple[int, list[object]]], maps: dict[str, str]) -> HeaderMap | None:
    """The header among the first rows: the first row naming the firm's name column and at least one
    other known field (title and note rows above it name at most one)."""
    for rownum, cells in rows:
        columns, unused = map_headers(cells, maps)
        if "name" in columns and len(columns) >= 2:
            units = {i: header_unit(cells[i]) for i in range(len(cells))}
            return HeaderMap(
                rownum,
                [("" if c is None else str(c).strip()) for c in cells],
                columns,
                {i: u for i, u in units.items() if u != 1.0},
                unused,
            )
    for rownum, cells in rows:  # a bare list of names: one column headed 企业名称
        columns, unused = map_headers(cells, maps)
        if "name" in columns and sum(1 for c in cells if norm_header(c)) == 1:
            return HeaderMap(rownum, [("" if c is None else str(c).strip()) for c in cells], columns, {}, unused)
    return None
