"""Placing firms on chain nodes: one Aho-Corasick automaton over the names, aliases and keywords of
every link, technology and component, run once over each text field of a firm.

Each hit is evidence (keyword, field, confidence); a field's confidence is its weight (main products
say most about what a firm makes, its name least). Evidence for one node from several fields adds up
as independent signals (1 - Π(1 - c)); a node at or above the threshold becomes a tie:
``operates`` a link, ``makes`` a component, ``holds`` a technology.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick_rs

from ..load import Library
from ..vocab import ROLE_OF_KIND

FIELD_WEIGHT = {"products": 1.0, "scope": 0.7, "scope_trade": 0.35, "industry": 0.5, "name": 0.4}
FIELD_LABEL = {
    "products": "主营产品",
    "scope": "经营范围",
    "scope_trade": "经营范围(仅销售)",
    "industry": "所属行业",
    "name": "企业名称",
}
_FIELDS = ("products", "scope", "industry", "name")
# A business-scope item that only trades a product (服装服饰批发, 化工产品销售) says less than one that
# makes it: such hits count half, below the threshold on their own.
_CLAUSE_END = "；;。，,\n：:"
_TRADE = ("销售", "批发", "零售", "进出口", "代理", "贸易", "经销", "经营", "租赁", "咨询")
_MAKE = (
    "生产",
    "制造",
    "加工",
    "研发",
    "制备",
    "冶炼",
    "合成",
    "纺丝",
    "织造",
    "印染",
    "种植",
    "开采",
    "回收",
    "研制",
    "组装",
    "炼制",
    "装配",
    "养殖",
    "压榨",
    "精炼",
    "设计",
    "开发",
)


_BOUND = re.compile("[" + re.escape(_CLAUSE_END) + "]")
_TRADE_RE = re.compile("|".join(_TRADE))
_MAKE_RE = re.compile("|".join(_MAKE))


def _trade_only(text: str, start: int, end: int) -> bool:
    """The hit at ``start:end`` sits in a clause that trades (销售, 批发 ...) and makes nothing."""
    before = _BOUND.search(text[:start][::-1])
    lo = start - before.start() if before else 0
    after = _BOUND.search(text, end + 1)
    clause = text[lo : after.start() if after else len(text)]
    return _TRADE_RE.search(clause) is not None and _MAKE_RE.search(clause) is None


def _is_word_char(ch: str) -> bool:
    """An ASCII or full-width letter or digit (a CJK character is not part of an ASCII word)."""
    return (ch.isascii() and ch.isalnum()) or ("\uff10" <= ch <= "\uff5a" and ch.isalnum())


def _fullwidth(s: str, letters: bool = True) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" and (letters or not c.isalnum()) else c for c in s)


ROLE = ROLE_OF_KIND
DEFAULT_THRESHOLD = 0.6
REVIEW_MIN = 0.4  # matches from here up to the threshold are kept as uncertain, for people to review
_ASCII_WORD = re.compile(r"^[0-9a-z][0-9a-z\-+./ ]*$")
_BRACKET_TAIL = re.compile(r"\s*[(（].*$")


def norm(s: str) -> str:
    """What matching compares: full-width to half-width (ＰＴＡ -> pta), lower case."""
    return unicodedata.normalize("NFKC", s).lower()


@dataclass(frozen=True)
class Evidence:
    node: str
    keyword: str  # the term as written in the chain YAML
    field: str  # products | scope | industry | name
    confidence: float

    def text(self, names: dict[str, str]) -> str:
        return (
            f"{self.node} {names.get(self.node, '')}←{FIELD_LABEL[self.field]}「{self.keyword}」{self.confidence:.2f}"
        )


@dataclass
class Placement:
    ties: dict[str, list[str]]  # operates / makes / holds -> node ids
    evidence: list[Evidence]  # the best hit per (node, field), for placed and unplaced nodes alike
    scores: dict[str, float]

    @property
    def placed(self) -> bool:
        return any(self.ties.values())


class Matcher:
    """Built once per import over the nodes of the selected chains (all when ``chains`` is None)."""

    def __init__(
        self,
        lib: Library,
        chains: Iterable[str] | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        review_min: float = REVIEW_MIN,
    ):
        self.threshold = threshold
        self.review_min = min(review_min, threshold)
        wanted = set(chains) if chains else set(lib.chains)
        nodes: set[str] = set()
        for cid in wanted:
            nodes.update(lib.chains[cid].links)
        for pairs in (lib.requires, lib.uses):
            nodes.update(node for link, node in pairs if link in nodes)
        self.nodes = nodes
        self.kind = {n: lib.nodes[n].kind for n in nodes if n in lib.nodes}
        self.names = {n: lib.nodes[n].name for n in self.kind}
        terms: dict[str, tuple[str, set[str]]] = {}  # normalised term -> (term as written, node ids)
        for n in sorted(self.kind):
            node = lib.nodes[n]
            for term in [node.name, *node.aliases, *node.keywords]:
                for variant in {term, _BRACKET_TAIL.sub("", term)}:  # 聚合催化剂(乙二醇锑/钛系) -> 聚合催化剂
                    key = norm(variant.strip())
                    if len(key) < 2:
                        continue  # one character matches everything
                    # texts are only lower-cased (NFKC per row is too slow): add the full-width spellings
                    for k in {key, _fullwidth(key), _fullwidth(key, letters=False)}:
                        terms.setdefault(k, (variant.strip(), set()))[1].add(n)
        self.terms = len(terms)
        # one pattern per normalised term: (key, term as written, node ids, ASCII word needing boundaries)
        self.patterns = [
            (key, written, tuple(sorted(ids)), bool(_ASCII_WORD.match(key))) for key, (written, ids) in terms.items()
        ]
        self.automaton = ahocorasick_rs.AhoCorasick([p[0] for p in self.patterns]) if terms else None

    def hits(self, value: str) -> list[tuple[int, int, str, tuple[str, ...]]]:
        """(start, end, term as written, node ids) for each term found in ``value``, the longest match
        winning where terms overlap (聚酯薄膜 is not also 聚酯)."""
        if not self.terms:
            return []
        s = value.lower()
        found = []
        for pi, start, stop in self.automaton.find_matches_as_indexes(s, overlapping=True):
            key, written, ids, ascii_word = self.patterns[pi]
            end = stop - 1
            if ascii_word and (
                (start > 0 and _is_word_char(s[start - 1])) or (end + 1 < len(s) and _is_word_char(s[end + 1]))
            ):
                continue  # PX inside PXA is not PX
            found.append((start, end, written, ids))
        if len(found) > 1:
            found.sort(key=lambda h: (h[0], -h[1]))
            kept, reach = [], -1
            for h in found:
                if h[1] <= reach:
                    continue  # inside a longer hit
                kept.append(h)
                reach = max(reach, h[1])
            found = kept
        return found

    def place(self, fields: tuple[str | None, str | None, str | None, str | None]) -> Placement | None:
        """Place one firm from its (products, business scope, industry, name); ``None`` when no term
        occurs at all."""
        return self.place_text("\n".join((f or "").replace("\n", " ") for f in fields))

    def place_text(self, text: str) -> Placement | None:
        """:meth:`place` for the four texts joined by line breaks: one pass of the automaton."""
        text = text.lower()
        found = self.hits(text)
        if not found:
            return None
        parts = text.split("\n")
        starts, pos = [], 0
        for p in parts:
            starts.append(pos)
            pos += len(p) + 1
        best: dict[tuple[str, str], Evidence] = {}
        for start, end, written, ids in found:
            fi = bisect.bisect_right(starts, start) - 1
            fname = _FIELDS[fi]
            conf = FIELD_WEIGHT[fname]
            if fname == "scope" and _trade_only(text, start, end):
                fname, conf = "scope_trade", FIELD_WEIGHT["scope_trade"]
            for n in ids:
                old = best.get((n, fname))
                if old is None:
                    best[(n, fname)] = Evidence(n, written, fname, conf)
        miss: dict[str, float] = {}
        for (n, _f), ev in best.items():
            miss[n] = miss.get(n, 1.0) * (1.0 - ev.confidence)
        scores = {n: round(1.0 - m, 4) for n, m in miss.items()}
        ties: dict[str, list[str]] = {}
        for n in sorted(scores):
            if scores[n] >= self.threshold - 1e-9:
                ties.setdefault(ROLE[self.kind[n]], []).append(n)
        evidence = sorted(best.values(), key=lambda e: (-scores[e.node], e.node, -e.confidence))
        return Placement(ties, evidence, scores)

    def uncertain(self, p: Placement) -> list[str]:
        """Nodes matched at or above the review minimum but below the threshold."""
        lo, hi = self.review_min - 1e-9, self.threshold - 1e-9
        return sorted(n for n, sc in p.scores.items() if lo <= sc < hi)

    def describe(self, p: Placement) -> str:
        """Evidence a person can read: 'pta 精对苯二甲酸←经营范围「PTA」0.70；…'; nodes below the
        threshold are marked so."""
        parts = []
        for ev in p.evidence:
            mark = "" if p.scores[ev.node] >= self.threshold - 1e-9 else "（未达阈值）"
            parts.append(ev.text(self.names) + mark)
        return "；".join(parts)
