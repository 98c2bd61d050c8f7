"""Synthetic chain libraries of any size, for the render tests and benchmarks/bench_render.py.

Everything here is made up and says so: firms are named 合成企业NNNNN, their source is
"合成测试数据（非真实企业）". Seeded, so the same arguments write the same files.
"""

from __future__ import annotations

import random
from pathlib import Path

import yaml

CITIES = [
    ("江苏省", "基准市"),
    ("浙江省", "宁波市"),
    ("上海市", "上海市"),
    ("广东省", "深圳市"),
    ("四川省", "成都市"),
    ("山东省", "青岛市"),
    ("福建省", "泉州市"),
    ("湖北省", "武汉市"),
]
SOURCE = "合成测试数据（非真实企业）"


def write_library(
    root: Path,
    *,
    firms: int,
    links: int = 40,
    levels: int = 8,
    seed: int = 0,
    hostile: str | None = None,
) -> Path:
    """Write a one-chain library (chain ``synth``, region ``bench``) with ``firms`` companies to ``root``.

    ``hostile``: a string put into one firm's name, note and source, one link's name and one
    institution's name (for the escaping tests).
    """
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    per_level = [links // levels + (1 if i < links % levels else 0) for i in range(levels)]
    ids: list[list[str]] = []
    n = 0
    for count in per_level:
        ids.append([f"l{n + i:03d}" for i in range(count)])
        n += count
    segments = []
    names = ["上游 · 原料", "中游 · 制造", "下游 · 应用"]
    for s, seg_name in enumerate(names):
        lo, hi = s * levels // 3, (s + 1) * levels // 3
        entries = []
        for lv in range(lo, hi):
            for i, lid in enumerate(ids[lv]):
                entry: dict = {"id": lid, "name": f"合成环节{lid[1:]}", "name_en": f"Synthetic link {lid[1:]}"}
                if hostile and lid == "l001":
                    entry["name"] = f"环节{hostile}"
                if lv + 1 < levels:
                    nxt = ids[lv + 1]
                    entry["feeds"] = sorted({nxt[i % len(nxt)], nxt[rng.randrange(len(nxt))]})
                if int(lid[1:]) % 5 == 0:
                    entry["key"] = True
                    entry["technologies"] = [
                        {"id": f"t{lid[1:]}_{k}", "name": f"合成技术{lid[1:]}-{k}"} for k in (1, 2)
                    ]
                    entry["components"] = [
                        {"id": f"c{lid[1:]}_{k}", "name": f"合成部件{lid[1:]}-{k}", "type": "material"} for k in (1, 2)
                    ]
                entries.append(entry)
        segments.append({"id": f"s{s}", "name": seg_name, "links": entries})
    chain = {"id": "synth", "name": "合成链", "name_en": "Synthetic chain", "segments": segments}
    all_links = [lid for level in ids for lid in level]
    weights = [1.0 / (i + 1) ** 0.6 for i in range(len(all_links))]
    rng.shuffle(weights)
    companies = []
    for i in range(firms):
        fid = f"f{i:05d}"
        province, city = CITIES[0] if i % 9 == 0 else CITIES[1 + i % (len(CITIES) - 1)]
        ops = sorted(set(rng.choices(all_links, weights=weights, k=1 + (i % 4 == 0))))
        c: dict = {
            "id": fid,
            "name": f"合成企业{i:05d}有限公司",
            "short_name": f"合成{i:05d}",
            "province": province,
            "city": city,
            "operates": ops,
            "source": SOURCE,
            "as_of": "2024-01-01",
        }
        if i % 37 == 0:
            c["tags"] = ["链主"] if i % 2 else ["上市"]
        if i % 11 == 0:
            c["registered_capital"] = f"{1 + i % 50}亿元"
        if hostile and i == 1:
            c["name"] = f"企业{hostile}有限公司"
            c["short_name"] = f"企业{hostile}"
            c["note"] = f"备注{hostile}"
            c["source"] = f"来源{hostile}"
        companies.append(c)
    institutions = [
        {
            "id": "synth_univ",
            "name": f"合成大学{hostile or ''}",
            "type": "高校",
            "province": "江苏省",
            "city": "南京市",
            "researches": [all_links[0]],
            "source": SOURCE,
            "as_of": "2024-01-01",
        }
    ]
    region = {
        "id": "bench",
        "name": "基准市",
        "province": "江苏省",
        "city": "基准市",
        "thresholds": {"strong_min_firms": 3, "leader_tags": ["链主"]},
    }
    dump = {"allow_unicode": True, "sort_keys": False, "Dumper": getattr(yaml, "CSafeDumper", yaml.SafeDumper)}
    for sub in ("companies", "institutions", "regions"):
        (root / sub).mkdir(exist_ok=True)
    (root / "synth.yaml").write_text(yaml.dump(chain, **dump), encoding="utf-8")
    (root / "companies" / "firms.yaml").write_text(yaml.dump({"companies": companies}, **dump), encoding="utf-8")
    (root / "institutions" / "inst.yaml").write_text(
        yaml.dump({"institutions": institutions}, **dump), encoding="utf-8"
    )
    (root / "regions" / "bench.yaml").write_text(yaml.dump(region, **dump), encoding="utf-8")
    return root
