"""产业链 and 环节 as officers write them (ids, names, aliases) resolved to the library's ids."""

from __future__ import annotations

from ..load import Library, did_you_mean

__all__ = ["Resolver"]


def _norm(text: str) -> str:
    return "".join(text.split()).casefold()


class Resolver:
    """Looks up chains and links of a :class:`~chainmap.load.Library` by id, name, English name or alias."""

    def __init__(self, lib: Library | None):
        self.lib = lib
        self.chains: dict[str, str] = {}
        self.links: dict[str, set[str]] = {}
        self.chain_links: dict[str, set[str]] = {}
        if lib is None:
            return
        for cid, layout in lib.chains.items():
            for word in (cid, layout.chain.name, layout.chain.name_en):
                if word:
                    self.chains.setdefault(_norm(word), cid)
            self.chain_links[cid] = set(layout.links)
        for nid, node in lib.nodes.items():
            if node.kind != "link":
                continue
            for word in (nid, node.name, node.name_en, *node.aliases):
                if word:
                    self.links.setdefault(_norm(word), set()).add(nid)

    def chain_name(self, cid: str | None) -> str | None:
        if cid is None or self.lib is None or cid not in self.lib.chains:
            return cid
        return self.lib.chains[cid].chain.name

    def link_name(self, nid: str | None) -> str | None:
        if nid is None or self.lib is None or nid not in self.lib.nodes:
            return nid
        return self.lib.nodes[nid].name

    def chain(self, text: str) -> tuple[str | None, str | None]:
        """``(chain id, None)`` or ``(None, problem)``."""
        cid = self.chains.get(_norm(text))
        if cid:
            return cid, None
        names = sorted({self.lib.chains[c].chain.name for c in self.chains.values()}) if self.lib else []
        hint = did_you_mean(text, names)
        tip = f"，是不是“{hint[0]}”？" if hint else "。"
        return None, f"链库里没有产业链“{text}”{tip}可填的产业链：{'、'.join(names) or '（链库为空）'}"

    def link(self, text: str, chain: str | None) -> tuple[tuple[str, str] | None, str | None]:
        """``((chain id, link id), None)`` or ``(None, problem)``; the chain narrows a name shared by chains."""
        found = sorted(self.links.get(_norm(text), set()))
        if chain is not None:
            inside = [n for n in found if n in self.chain_links.get(chain, set())]
            if inside:
                return (chain, inside[0]), None
            if found:
                cname = self.chain_name(chain)
                return None, f"环节“{text}”不属于产业链“{cname}”：请核对产业链，或换成该链的环节"
        elif found:
            owners = sorted(c for c, links in self.chain_links.items() if found[0] in links)
            return (owners[0] if owners else None, found[0]), None
        pool = [self.lib.nodes[n].name for n in self.chain_links.get(chain, set())] if chain else []
        if not pool and self.lib is not None:
            pool = [n.name for n in self.lib.nodes.values() if n.kind == "link"]
        hint = [n for n in sorted(set(pool)) if _norm(text) in _norm(n) or _norm(n) in _norm(text)][:3]
        hint = hint or did_you_mean(text, pool)
        tip = f"，是不是“{'”或“'.join(hint)}”？" if hint else "：请从下拉列表中选择链库里的环节名称"
        return None, f"链库里没有环节“{text}”{tip}"
