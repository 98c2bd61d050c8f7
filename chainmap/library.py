"""A loaded chain library (:class:`Library`), where libraries live, and name resolution.

Officers ask for chains, links and firms by their Chinese names; planners by ids. :meth:`Library.resolve`
accepts both (and aliases, English names, full-width forms) and says which it could mean when a name
is ambiguous.

Examples
--------
>>> lib = Library(Path("chains"))
>>> lib.nodes["pta"] = Node("pta", "link", "精对苯二甲酸", "polyester", aliases=["PTA"])
>>> repr(lib)
"Library('chains', chains=0, nodes=1, companies=0, institutions=0, regions=[])"
"""

from __future__ import annotations

import difflib
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UsageError
from .model import ChainHead, Company, Institution, Region
from .vocab import KIND_LABELS

__all__ = [
    "ChainLayout",
    "Library",
    "Node",
    "bundled_library",
    "default_ledger_folder",
    "default_library",
    "normalise_name",
    "region_of",
    "select_chains",
]

_PKG = Path(__file__).resolve().parent
REGION_ENV = "CHAINMAP_REGION"
RESOLVABLE = ("chain", "link", "technology", "component", "company", "institution", "region")
LABELS = {**KIND_LABELS, "region": "地区配置"}


def bundled_library() -> Path:
    """The chain library shipped with chainmap (package data in a wheel, ``chains/`` in a checkout)."""
    for candidate in (_PKG / "chains", _PKG.parent / "chains"):
        if (candidate / "regions").is_dir():
            return candidate
    raise FileNotFoundError("the bundled chain library is missing from this installation")


def default_library(cwd: Path | None = None) -> Path:
    """``./chains`` if the current folder has one, else the bundled library.

    >>> default_library(Path("/nonexistent")).name
    'chains'
    """
    local = (cwd or Path.cwd()) / "chains"
    return local if local.is_dir() else bundled_library()


def default_ledger_folder(chains_dir: str | Path | None = None) -> Path:
    """Where the library's default ledger (``ledger.sqlite``) lives: the library's own folder, or the
    user's data folder for the bundled library (which may be read-only). Nothing is created here.

    >>> default_ledger_folder("/srv/lib").name
    'lib'
    """
    root = Path(chains_dir) if chains_dir else default_library()
    try:
        bundled = root.resolve() == bundled_library().resolve()
    except FileNotFoundError:
        bundled = False
    if not bundled:
        return root
    import platformdirs

    return Path(platformdirs.user_data_dir("chainmap", appauthor=False))


def region_of(lib: Library, region_id: str | None = None) -> Region | None:
    """The region profile ``region_id`` (an id or Chinese name) of ``lib``; without one, the profile
    named by ``$CHAINMAP_REGION``, else the one marked ``default: true``, else the library's only
    profile, else None. (:func:`chainmap.api.region` in the API; here so that commands which need no
    analysis -- import, review -- start without it.)"""
    if region_id is None:
        region_id = os.environ.get(REGION_ENV) or None
    if region_id is None:
        marked = [r for r in lib.regions.values() if r.default]
        if len(marked) == 1:
            return marked[0]
        return next(iter(lib.regions.values())) if len(lib.regions) == 1 else None
    if not lib.regions:
        raise UsageError(f"unknown region '{region_id}': the library has no region profiles ({lib.root / 'regions'})")
    return lib.regions[lib.resolve(region_id, ["region"])]


def normalise_name(text: str) -> str:
    """The form names are compared in: NFKC (full-width -> half-width), case-folded, no spaces.

    >>> normalise_name(" ＰＴＡ ")
    'pta'
    >>> normalise_name("Carbon Fiber") == normalise_name("carbonfiber")
    True
    """
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass
class Node:
    """A link, technology or component, as defined once in the library."""

    id: str
    kind: str
    name: str
    chain: str  # the chain whose file defines it
    name_en: str | None = None
    aliases: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    note: str | None = None
    key: bool = False
    role: str | None = None  # links: resource / service (never recruitment gaps)
    type: str | None = None  # components: material / component / equipment
    where: tuple[str, int, int] = ("", 0, 0)


@dataclass
class ChainLayout:
    """A chain's membership: segments in order, each with its links in order."""

    chain: ChainHead
    segments: list[tuple[str, str, list[str]]]  # (segment id, segment name, link ids)
    file: str = ""

    @property
    def links(self) -> list[str]:
        """The chain's link ids, upstream segments first."""
        return [link for _, _, links in self.segments for link in links]


@dataclass(repr=False)
class Library:
    """A whole, validated chain library. Built by :func:`chainmap.load.load_library`; read by
    :mod:`chainmap.graph`."""

    root: Path
    chains: dict[str, ChainLayout] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    feeds: list[tuple[str, str]] = field(default_factory=list)
    requires: list[tuple[str, str]] = field(default_factory=list)  # link -> technology
    uses: list[tuple[str, str]] = field(default_factory=list)  # link -> component
    companies: dict[str, Company] = field(default_factory=dict)
    institutions: dict[str, Institution] = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)
    where: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # company/institution id -> place
    store: Any = None  # imported firms kept in the Parquet store (chainmap.firmstore.FirmStore), or None
    _names: dict[str, tuple[int, dict[str, list[str]]]] = field(default_factory=dict, compare=False)

    def __repr__(self) -> str:
        return (
            f"Library({str(self.root)!r}, chains={len(self.chains)}, nodes={len(self.nodes)}, "
            f"companies={len(self.companies)}, institutions={len(self.institutions)}, "
            f"regions={sorted(self.regions)})"
        )

    def chain_of_nodes(self) -> dict[str, set[str]]:
        """Node id -> ids of the chains it belongs to (a technology or component through its links)."""
        out: dict[str, set[str]] = {}
        for cid, layout in self.chains.items():
            for link in layout.links:
                out.setdefault(link, set()).add(cid)
        for pairs in (self.requires, self.uses):
            for link, node in pairs:
                out.setdefault(node, set()).update(out.get(link, set()))
        return out

    # -- names -> ids ------------------------------------------------------------------------------

    def _records(self, kind: str) -> dict[str, Any]:
        if kind == "chain":
            return {cid: layout.chain for cid, layout in self.chains.items()}
        if kind in ("link", "technology", "component"):
            return {nid: n for nid, n in self.nodes.items() if n.kind == kind}
        return {"company": self.companies, "institution": self.institutions, "region": self.regions}[kind]

    def _index(self, kind: str) -> dict[str, list[str]]:
        """Normalised name -> ids of ``kind`` called so (id, name, short and English names, aliases)."""
        records = self._records(kind)
        cached = self._names.get(kind)
        if cached is not None and cached[0] == len(records):
            return cached[1]
        index: dict[str, list[str]] = {}
        for rid, rec in records.items():
            names = [rid, rec.name, getattr(rec, "name_en", None), getattr(rec, "short_name", None)]
            names += list(getattr(rec, "aliases", None) or [])
            for name in dict.fromkeys(normalise_name(n) for n in names if n):
                index.setdefault(name, []).append(rid)
        self._names[kind] = (len(records), index)
        return index

    def name_of(self, kind: str, ident: str) -> str:
        """The Chinese name of a chain, node, firm, institution or region."""
        return self._records(kind)[ident].name

    def resolve(self, name: str, kinds: Iterable[str] = ("chain",)) -> str:
        """The id of the one chain / node / firm called ``name`` (an id, Chinese or English name, short
        name or alias). Raises :class:`~chainmap.errors.UsageError` when nothing or several match, listing
        the candidates.

        Examples
        --------
        >>> import chainmap
        >>> lib = chainmap.load()
        >>> lib.resolve("碳纤维")
        'carbon_fiber'
        >>> lib.resolve("PTA", kinds=["link"])
        'pta'
        >>> lib.resolve("carbon_fiber")
        'carbon_fiber'
        """
        kinds = tuple(kinds)
        for kind in kinds:  # an exact id wins
            if name in self._records(kind):
                return name
        key = normalise_name(name)
        found = [(kind, rid) for kind in kinds for rid in self._index(kind).get(key, [])]
        found = list(dict.fromkeys(found))
        if len(found) == 1:
            return found[0][1]
        what = "或".join(LABELS.get(k, k) for k in kinds)
        if found:
            choices = "；".join(self._label(k, r) for k, r in found)
            raise UsageError(f"“{name}”可指多个{what}（ambiguous name '{name}'）：{choices}；请改用其中一个ID")
        raise UsageError(self._unknown(name, kinds, what))

    def _label(self, kind: str, rid: str) -> str:
        return f"{rid}（{self.name_of(kind, rid)}，{LABELS.get(kind, kind)}）"

    def _unknown(self, name: str, kinds: tuple[str, ...], what: str) -> str:
        key = normalise_name(name)
        pool = {n: ids for kind in kinds for n, ids in self._index(kind).items()}
        close = difflib.get_close_matches(key, list(pool), n=3, cutoff=0.6)
        close += [n for n in pool if key and key in n and n not in close][: 3 - len(close)]
        ids = list(dict.fromkeys(rid for n in close for rid in pool[n]))
        eng = "/".join(kinds)
        msg = f"找不到{what}“{name}”（unknown {eng} '{name}'）"
        if ids:
            msg += "；是不是：" + "、".join(f"{rid}（{self._any_name(rid, kinds)}）" for rid in ids[:5])
        elif kinds in (("chain",), ("region",)):
            have = self._records(kinds[0])
            msg += f"；库中的{what}：" + (", ".join(f"{r}（{have[r].name}）" for r in have) or "无")
        return msg

    def _any_name(self, rid: str, kinds: tuple[str, ...]) -> str:
        return next(self.name_of(k, rid) for k in kinds if rid in self._records(k))


def select_chains(lib: Library, chains: Iterable[str] | None) -> list[str]:
    """Resolve a chain selection (ids or Chinese names; None or empty = all) to ids in library order.

    Raises :class:`~chainmap.errors.UsageError` on an unknown or ambiguous name.
    """
    wanted = {lib.resolve(c, ["chain"]) for c in chains or []}
    return [c for c in lib.chains if not wanted or c in wanted]
