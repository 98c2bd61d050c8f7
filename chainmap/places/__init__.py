"""Official place names (GB/T 2260 divisions) and the coordinates of their seats of government.

``resolve(province, city, district)`` turns any mix of short and full names into official ones
(连云港 -> 连云港市, 恩施 -> 恩施土家族苗族自治州, 海淀 -> 北京市海淀区); ``from_credit_code`` reads a
unified social credit code's region digits. Unknown places come back as unknown, never guessed.
Data, sources and licences: ``chainmap/places/data/README.md``.
"""

from .resolve import UNKNOWN, Place, aliases, from_credit_code, province_name, resolve
from .table import DATA_VINTAGE, Division, boundaries, division, divisions

__all__ = [
    "DATA_VINTAGE",
    "Division",
    "Place",
    "UNKNOWN",
    "aliases",
    "boundaries",
    "division",
    "divisions",
    "from_credit_code",
    "province_name",
    "resolve",
]
