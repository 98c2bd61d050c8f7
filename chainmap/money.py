"""Amounts of money as they are written in Chinese business data: ``5000万元人民币``, ``1.2亿元``,
``300万美元``, ``50万(元)``, ``2,000.5 万元``. Parsed into a number in units of the currency plus an
ISO currency code, so that registered capital can be compared and exported.

Examples
--------
>>> parse_amount("1.2亿元")
Amount(value=120000000.0, currency='CNY')
>>> parse_amount("300万美元")
Amount(value=3000000.0, currency='USD')
>>> format_amount(1.2e8)
'1.2亿元'
>>> uscc_problem("123")
'a unified social credit code has 18 characters, this has 3'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_UNITS = {
    "": 1,
    "元": 1,
    "千": 1e3,
    "千元": 1e3,
    "万": 1e4,
    "万元": 1e4,
    "百万": 1e6,
    "百万元": 1e6,
    "千万": 1e7,
    "千万元": 1e7,
    "亿": 1e8,
    "亿元": 1e8,
}
_CURRENCIES = {
    "人民币": "CNY",
    "元人民币": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "美元": "USD",
    "美金": "USD",
    "usd": "USD",
    "us$": "USD",
    "港元": "HKD",
    "港币": "HKD",
    "hkd": "HKD",
    "欧元": "EUR",
    "eur": "EUR",
    "日元": "JPY",
    "jpy": "JPY",
    "英镑": "GBP",
    "gbp": "GBP",
    "新台币": "TWD",
    "台币": "TWD",
    "twd": "TWD",
    "韩元": "KRW",
    "新加坡元": "SGD",
    "澳元": "AUD",
    "加元": "CAD",
    "瑞士法郎": "CHF",
}
_CUR_PATTERN = "|".join(sorted((re.escape(c) for c in _CURRENCIES), key=len, reverse=True))
_RE = re.compile(
    rf"^(?P<cur1>{_CUR_PATTERN})?\s*(?P<num>[-+]?\d[\d,，]*(?:\.\d+)?)\s*(?P<mult>百万|千万|万|亿|千)?\s*"
    rf"[\(（]?\s*(?P<unit>元)?\s*[\)）]?\s*(?P<cur2>{_CUR_PATTERN})?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Amount:
    value: float  # in units of the currency (yuan, dollars...)
    currency: str  # ISO 4217 code

    def __str__(self) -> str:
        return format_amount(self.value, self.currency)


def parse_amount(text: object, default_currency: str = "CNY") -> Amount | None:
    """Parse an amount; ``None`` for empty markers (blank, ``-``, ``--``, ``/``, ``无``).

    A bare number is taken as yuan (units of the currency). Raises ``ValueError`` with a readable
    message for text that is not an amount.
    """
    if text is None:
        return None
    if isinstance(text, bool):
        raise ValueError(f"not an amount: {text!r}")
    if isinstance(text, (int, float)):
        if isinstance(text, float) and (math.isnan(text) or math.isinf(text)):
            return None
        if text < 0:
            raise ValueError(f"a negative amount: {text}")
        return Amount(float(text), default_currency)
    s = str(text).strip().replace("\u3000", " ")
    if s in {"", "-", "--", "—", "/", "无", "不详", "未知", "null", "None", "nan"}:
        return None
    m = _RE.match(s)
    if not m:
        raise ValueError(f"not an amount: {s!r} (write e.g. 5000万元, 1.2亿元, 300万美元)")
    value = float(m["num"].replace(",", "").replace("，", ""))
    if value < 0:
        raise ValueError(f"a negative amount: {s!r}")
    value *= _UNITS[(m["mult"] or "")]
    cur = m["cur1"] or m["cur2"]
    currency = _CURRENCIES[cur.lower()] if cur else default_currency
    return Amount(round(value, 4), currency)


def format_amount(value: float, currency: str = "CNY") -> str:
    """A short Chinese rendering: 1.2亿元, 5000万元, 300万美元."""
    names = {"CNY": "元", "USD": "美元", "HKD": "港元", "EUR": "欧元", "JPY": "日元"}
    unit = names.get(currency, " " + currency)
    for mult, word in ((1e8, "亿"), (1e4, "万")):
        if value >= mult:
            n = value / mult
            return f"{n:.4g}{word}{unit}" if n < 1e4 else f"{n:,.0f}{word}{unit}"
    return f"{value:g}{unit}"


# 统一社会信用代码 (GB 32100-2015): 18 characters from this alphabet, the last a check character.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {ch: i for i, ch in enumerate(_USCC_ALPHABET)}


def uscc_valid(code: str) -> bool:
    """The fast yes/no of :func:`uscc_problem` for an upper-case code (imports check millions)."""
    if len(code) != 18:
        return False
    v = _USCC_VALUE
    try:
        total = sum(map(int.__mul__, [v[ch] for ch in code[:17]], _USCC_WEIGHTS))
        return v[code[17]] == (31 - total % 31) % 31
    except KeyError:
        return False


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid unified social credit code, or ``None`` when it is valid."""
    c = code.strip().upper()
    if len(c) != 18:
        return f"a unified social credit code has 18 characters, this has {len(c)}"
    bad = [ch for ch in c if ch not in _USCC_ALPHABET]
    if bad:
        return f"character {bad[0]!r} cannot appear in a unified social credit code (I, O, S, V, Z are never used)"
    total = sum(_USCC_ALPHABET.index(ch) * w for ch, w in zip(c[:17], _USCC_WEIGHTS, strict=True))
    expected = _USCC_ALPHABET[(31 - total % 31) % 31]
    if c[17] != expected:
        return f"check character is {c[17]!r} but should be {expected!r}: the code is mistyped"
    return None
