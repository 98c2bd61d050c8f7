r"""pydantic validation errors -> located, plain-language :class:`~chainmap.errors.Problem` s.

Examples
--------
>>> from pydantic import ValidationError
>>> from chainmap.model import Region
>>> from chainmap.yamlsrc import parse
>>> src, _ = parse("id: home\nname: 家乡\nprovnce: 江苏省\n", "home.yaml")
>>> try:
...     Region.model_validate(src.data)
... except ValidationError as err:
...     print("\n".join(str(p) for p in problems_from(err, src, Region)))
home.yaml:1:1: missing required field 'province'
home.yaml:3:1: unknown field 'provnce' (did you mean 'province'?)
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem
from .yamlsrc import Source

__all__ = ["describe", "problems_from"]


_FIELD_HINTS = {
    "source": "every record needs `source`: the document its facts come from (an annual report, a filing, the company site)",
    "as_of": "every record needs `as_of`: the date its facts hold for, like 2024-06-30",
}


def _allowed_fields(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names allowed at ``loc`` (walks nested models through list items)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        f = getattr(current, "model_fields", {}).get(part)
        if f is None:
            return []
        ann = f.annotation
        for _ in range(3):  # unwrap list[...] / Optional[...]
            args = [a for a in getattr(ann, "__args__", ()) if isinstance(a, type) and issubclass(a, BaseModel)]
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                break
            if args:
                ann = args[0]
                break
            inner = getattr(ann, "__args__", ())
            ann = inner[0] if inner else ann
        current = ann
    return list(getattr(current, "model_fields", {}))


def describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true/false ({value})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"{type(value).__name__} {value!r}"


def problems_from(err: ValidationError, src: Source, model: type[BaseModel], prefix: tuple = ()) -> list[Problem]:
    out = []
    for e in err.errors():
        rel = tuple(e["loc"])
        loc = prefix + rel
        fname = next((p for p in reversed(loc) if isinstance(p, str)), "")
        kind, value = e["type"], e.get("input")
        if kind == "missing":
            msg = f"missing required field '{fname}'"
            if fname in _FIELD_HINTS:
                msg += f" ({_FIELD_HINTS[fname]})"
            out.append(src.at(loc[:-1], msg))
            continue
        if kind == "extra_forbidden":
            allowed = _allowed_fields(model, rel)
            guess = difflib.get_close_matches(str(fname), allowed, n=1, cutoff=0.6)
            msg = f"unknown field '{fname}'"
            msg += (
                f" (did you mean '{guess[0]}'?)"
                if guess
                else (f" (allowed here: {', '.join(allowed)})" if allowed else "")
            )
            out.append(src.at(loc, msg, key=True))
            continue
        where = f"'{fname}'" if fname else "this entry"
        if kind == "string_type":
            msg = f"{where} should be text, got {describe(value)}"
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                msg += " (put it in quotes)"
        elif kind == "string_pattern_mismatch":
            msg = (
                f"{describe(value)} is not a valid id: use lowercase ASCII letters, digits and _, "
                "starting with a letter (e.g. 'pta', 'pan_precursor')"
            )
        elif kind == "string_too_short":
            msg = f"{where} is empty"
        elif kind in ("list_type",):
            msg = f"{where} should be a list (`- item` lines, or [a, b]), got {describe(value)}"
        elif kind in ("model_type", "dict_type", "model_attributes_type"):
            msg = f"{where} should be a mapping (`key: value` lines), got {describe(value)}"
        elif kind in ("bool_type", "bool_parsing"):
            msg = f"{where} should be true or false, got {describe(value)}"
        elif kind.startswith("date") or kind.startswith("datetime"):
            msg = f"{where} should be a date like 2024-06-30, got {describe(value)}"
        elif kind in ("int_type", "int_parsing", "int_from_float", "float_type", "float_parsing"):
            msg = f"{where} should be a number, got {describe(value)}"
        elif kind == "too_short":
            msg = f"{where} needs at least one entry"
        elif kind == "value_error":
            msg = e["msg"].removeprefix("Value error, ")
            if fname and fname not in msg:
                msg = f"{where}: {msg}"
        else:
            msg = f"{where}: {e['msg']}"
        out.append(src.at(loc, msg))
    return out
