"""Cleaning the values of an export: empty markers, dates, capital with units and currencies, region
names in the full official form the region profiles use, stock codes, registration status.

Values that repeat a lot in big exports (dates, capital texts, places) go through small caches.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

from ..model import STOCK_CODE
from ..money import Amount, parse_amount
from ..places import divisions as _divisions
from ..places import from_credit_code as _from_credit_code
from ..places import province_name as _province_name
from ..places import resolve as _resolve
from ..places.resolve import NOT_A_PLACE

EMPTY = frozenset(
    {
        "",
        "-",
        "--",
        "---",
        "—",
        "——",
        "/",
        "\\",
        "无",
        "暂无",
        "不详",
        "未知",
        "未公开",
        "null",
        "none",
        "nan",
        "n/a",
        "na",
        "#n/a",
        "空",
    }
)
CLOSED_WORDS = ("注销", "吊销", "撤销", "deregistered", "revoked")


def text(value: Any) -> str | None:
    """A cell as stripped text, ``None`` for blank cells and empty markers (``-``, ``--``, ``无`` ...)."""
    if value.__class__ is str:  # the common case first: millions of cells
        s = value.strip()  # str.strip() also removes the ideographic space and NBSP
        if len(s) > 4:
            return s
        return None if not s or s.lower() in EMPTY else s
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value.is_integer():
            value = int(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    return text(str(value))


def is_closed(status: str | None) -> bool:
    """Deregistered or revoked (注销, 吊销, 撤销): no longer a firm to recruit."""
    if not status:
        return False
    s = status.lower()
    return any(w in s for w in CLOSED_WORDS)


# -- dates -------------------------------------------------------------------------------------------

_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


@lru_cache(maxsize=65536)
def _date_text(s: str) -> dt.date:
    m = _DATE.match(s) or _COMPACT.match(s)
    if not m:
        raise ValueError(f"无法识别的日期“{s}”（可写作 2020-01-31、2020/1/31、2020年1月31日 或 20200131）")
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as err:
        raise ValueError(f"不存在的日期“{s}”") from err


def parse_date(value: Any) -> dt.date | None:
    """A date from a cell: a spreadsheet date, an Excel serial number, or text in the usual formats."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        n = int(value)
        if 19000101 <= n <= 21001231:
            return _date_text(str(n))
        if 1 <= n < 80000:  # an Excel serial day number (a date column exported as a number)
            return _EXCEL_EPOCH + dt.timedelta(days=n)
        raise ValueError(f"无法识别的日期“{value}”")
    s = text(value)
    return None if s is None else _date_text(s)


_FILE_DATE = re.compile(r"(20\d{2})[-_.年]?(0[1-9]|1[0-2])[-_.月]?(0[1-9]|[12]\d|3[01])(?!\d)")


def date_in(s: str) -> dt.date | None:
    """A date written in a file name or a title row (``企业名单_20240601``, ``导出时间：2024-06-01``)."""
    for m in _FILE_DATE.finditer(s):
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            continue
    return None


# -- money -------------------------------------------------------------------------------------------

_BRACKETS = re.compile(r"[()（）\[\]【】]")
_BARE_NUMBER = re.compile(r"^[-+]?\d[\d,，]*(?:\.\d+)?$")


_CN_DIGITS = dict(
    zip(
        "零〇一壹二贰貳两兩三叁參四肆五伍六陆陸七柒八捌九玖",
        [0, 0, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 6, 6, 7, 7, 8, 8, 9, 9],
        strict=True,
    )
)
_CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_CN_NUMBER = re.compile(f"^([{''.join(_CN_DIGITS) + ''.join(_CN_SMALL) + ''.join(_CN_BIG)}]+)(.*)$")


def _cn_number(word: str) -> int | None:
    """A number in Chinese numerals (壹佰万 -> 1000000, 一亿五千万 -> 150000000), None if it is none
    (a lone 万, or digits run together without units: 一二三)."""
    total = section = 0
    num: int | None = None
    for ch in word:
        if ch in _CN_DIGITS:
            if num is not None and num != 0:
                return None
            num = _CN_DIGITS[ch]
        elif ch in _CN_SMALL:
            section += (1 if num is None else num) * _CN_SMALL[ch]
            num = None
        else:
            section += num or 0
            if section == 0 and total == 0:
                return None
            if _CN_BIG[ch] == 10**8:
                total, section = (total + section) * 10**8, 0
            else:
                total, section = total + section * 10**4, 0
            num = None
    return total + section + (num or 0)


def _arabic(s: str) -> str:
    """Capital written in Chinese numerals (壹佰万元, 五百万美元, 人民币壹佰万元整) as digits: 1000000元."""
    s = s.removeprefix("人民币").removesuffix("整")
    m = _CN_NUMBER.match(s)
    if m is None:
        return s
    n = _cn_number(m[1])
    return s if n is None else f"{n}{m[2]}"


@lru_cache(maxsize=65536)
def _amount_text(s: str, unit: float) -> Amount | None:
    s2 = _BRACKETS.sub("", s).replace(" ", "")  # 50万(元), 500万元(人民币) -> 50万元, 500万元人民币
    if s2.startswith("约"):
        s2 = s2[1:]
    s2 = _arabic(s2)
    if unit != 1.0 and _BARE_NUMBER.match(s2):  # header 注册资本(万元) with a bare 5000
        return Amount(round(float(s2.replace(",", "").replace("，", "")) * unit, 4), "CNY")
    try:
        return parse_amount(s2)
    except ValueError:
        raise ValueError(f"无法识别的金额“{s}”（可写作 5000万元、1.2亿元、300万美元）") from None


def parse_capital(value: Any, unit: float = 1.0) -> Amount | None:
    """Registered / paid-in capital: text with units and currencies, or a number in the header's unit."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value != value:
            return None
        if value < 0:
            raise ValueError(f"金额为负数“{value}”")
        return Amount(round(float(value) * unit, 4), "CNY")
    s = text(value)
    return None if s is None else _amount_text(s, unit)


_CURRENCY_WORDS = {
    "CNY": "元",
    "USD": "美元",
    "HKD": "港元",
    "EUR": "欧元",
    "JPY": "日元",
    "GBP": "英镑",
    "TWD": "新台币",
    "KRW": "韩元",
    "SGD": "新加坡元",
    "AUD": "澳元",
    "CAD": "加元",
    "CHF": "瑞士法郎",
}


def amount_text(a: Amount) -> str:
    """An amount as exact text that :func:`parse_amount` reads back: 5000万元, 1.2亿元, 300万美元."""
    word = _CURRENCY_WORDS.get(a.currency)
    if word is None:
        return f"{a.value:.10g} {a.currency}"
    for mult, prefix in ((1e8, "亿"), (1e4, "万")):
        n = a.value / mult
        if n >= 1 and abs(round(n, 4) - n) < 1e-9 * max(n, 1):
            return f"{round(n, 4):.12g}{prefix}{word}"
    return f"{a.value:.12g}{word}"


def parse_int(value: Any) -> int | None:
    """A head count: ``123``, ``123人``, 123.0; ranges like ``100-499人`` are not a number."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if value == value and value >= 0 else None
    s = text(value)
    if s is None:
        return None
    m = re.fullmatch(r"(\d+)\s*人?", s.replace(",", ""))
    if not m:
        raise ValueError(f"人数“{s}”不是一个数")
    return int(m[1])


# -- places ------------------------------------------------------------------------------------------
# Official names from the GB/T 2260 division table (chainmap.places): nothing here invents a name.

PROVINCES = tuple(d.name for d in _divisions().values() if d.level == "province")
MUNICIPALITIES = {"北京市", "天津市", "上海市", "重庆市"}


@lru_cache(maxsize=4096)
def province(value: str | None) -> str | None:
    """The full official name: 江苏 -> 江苏省, 广西 -> 广西壮族自治区, 上海 -> 上海市; a text that names no
    province is kept as written (stripped), never rewritten into a made-up name."""
    if value is None:
        return None
    return _province_name(value) or value.strip()


class Places:
    """Official city names (连云港 -> 连云港市, 恩施 -> 恩施土家族苗族自治州, 阿拉善 -> 阿拉善盟), so a local
    firm is recognised (graph.is_local compares city names exactly). A city text that matches no
    division (or several) stays as written; an empty one is read from the credit code when given."""

    def __init__(self, known_cities: set[str] | None = None):
        self.known = {re.sub(r"市$", "", c): c for c in (known_cities or set()) if c}

    def city(self, value: str | None, prov: str | None, credit_code: str | None = None) -> str | None:
        return _city(value, prov, credit_code, self.known.get((value or "").strip()))


@lru_cache(maxsize=1 << 16)
def _city(value: str | None, prov: str | None, credit_code: str | None, known: str | None) -> str | None:
    v = value.strip() if value else None
    if v in NOT_A_PLACE:
        v = None
    place = _resolve(prov, v)
    if place.city:
        return place.city
    if v:
        return known or v
    if credit_code:
        by_code = _from_credit_code(credit_code)
        if by_code.city and (prov is None or province(prov) == by_code.province):
            return by_code.city
    return None


# -- stock codes --------------------------------------------------------------------------------------

_PREFIXED = re.compile(r"^(SH|SZ|BJ|HK)\.?(\d{4,6})$")


@lru_cache(maxsize=4096)
def stock_code(value: str) -> str:
    """A listing code in the library's form (600346.SH, 000703.SZ, 430047.BJ, 2313.HK); exchanges of
    bare 6-digit A-share codes follow from their prefix. Raises ValueError when it cannot be told."""
    s = value.strip().upper().replace(" ", "").replace("．", ".")
    s = s.split("(")[0].split("（")[0]
    m = _PREFIXED.match(s)
    if m:
        s = f"{m[2]}.{m[1]}"
    if re.fullmatch(r"\d{6}", s):
        if s.startswith(("60", "68", "90")):
            s += ".SH"
        elif s.startswith(("00", "30", "20")):
            s += ".SZ"
        elif s.startswith(("43", "83", "87", "88", "92")):
            s += ".BJ"
    elif re.fullmatch(r"\d{4,5}", s):
        s = s.lstrip("0").rjust(4, "0") + ".HK"
    if not STOCK_CODE.match(s):
        raise ValueError(f"无法识别的上市代码“{value}”（应如 600346.SH、000703.SZ、2313.HK）")
    return s
