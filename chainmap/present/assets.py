"""The pieces every page inlines: vis-network's and chainmap's own JS and CSS (read once, checked to be
safe inside ``<script>`` / ``<style>``), JSON that can sit in a ``<script>`` element, the font stack and
the Jinja environment of ``templates/`` (autoescape on). Used by the map, index, atlas and geo pages."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

__all__ = ["FONT_STACK", "TEMPLATES", "script_json"]

TEMPLATES = Path(__file__).resolve().parent / "templates"

FONT_STACK = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "WenQuanYi Micro Hei", "SimHei", "Noto Sans", Arial, sans-serif'
)

_JSON_ESCAPE_PAIRS = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def script_json(data: Any) -> str:
    """JSON that can sit inside a ``<script>`` element: nothing in it can close the element or start a
    comment, and no line separator breaks a JavaScript string. Sorted keys: byte-identical output."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    for ch, esc in _JSON_ESCAPE_PAIRS:  # str.replace: translate() maps char by char, 40x slower on MBs of CJK
        if ch in text:
            text = text.replace(ch, esc)
    return text


@cache
def _asset(name: str) -> str:
    """A JS or CSS file to inline: vis-network from pyvis's package folder, ours from ``templates/``."""
    if name.startswith("vis-network"):
        import pyvis

        path = Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2" / name
    else:
        path = TEMPLATES / name
    text = path.read_text(encoding="utf-8")
    # a source-map comment would make developer tools look for a .map file next to the page
    text = re.sub(r"^\s*(//|/\*)# sourceMappingURL=.*$", "", text, flags=re.M).rstrip() + "\n"
    if name == "vis-network.css":
        text = _used_vis_css(text)
    lowered = text.lower()
    for bad in ("</script", "</style", "<!--"):
        if bad in lowered:  # would end the inline element early; none of the shipped files has it
            raise RuntimeError(f"{path} contains {bad!r} and cannot be inlined")
    return text


# vis-network widgets the maps never enable; their CSS is 99% of the file (base64 button images) and
# parsing it cost about 100 ms of every page's first frame
_UNUSED_VIS_WIDGETS = (
    "vis-navigation",
    "vis-manipulation",
    "vis-edit-mode",
    "vis-close",
    "vis-configuration",
    "vis-color-picker",
)


def _used_vis_css(css: str) -> str:
    """vis-network's stylesheet without the rules of widgets the page does not use (it is a flat list
    of rules; anything else, such as an @-rule in a later version, keeps the whole file)."""
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    if "@" in css or "".join(f"{sel}{{{body}}}" for sel, body in rules).strip() != css.strip():
        return css
    return "".join(f"{sel}{{{body}}}" for sel, body in rules if not any(w in sel for w in _UNUSED_VIS_WIDGETS)) + "\n"


@cache
def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
