"""scripts/spotcheck.py: a reproducible random sample of firm records, every fact listed for a checker."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import chainmap
from tests.conftest import BUNDLED, ROOT

spec = importlib.util.spec_from_file_location("spotcheck", ROOT / "scripts" / "spotcheck.py")
spotcheck = importlib.util.module_from_spec(spec)
spec.loader.exec_module(spotcheck)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(spotcheck.main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _sampled_ids(text: str) -> list[str]:
    return re.findall(r"^## \d+\. .* \(`([a-z0-9_]+)`\)$", text, flags=re.M)


def test_same_seed_same_bytes_other_seed_other_sample(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.md", tmp_path / "b.md", tmp_path / "c.md"
    assert _run("--sample", "30", "--seed", "7", "--chains", str(BUNDLED), "-o", str(a))[0] == 0
    assert _run("--sample", "30", "--seed", "7", "--chains", str(BUNDLED), "-o", str(b))[0] == 0
    assert _run("--sample", "30", "--seed", "8", "--chains", str(BUNDLED), "-o", str(c))[0] == 0
    assert a.read_bytes() == b.read_bytes()
    ids_a, ids_c = _sampled_ids(a.read_text(encoding="utf-8")), _sampled_ids(c.read_text(encoding="utf-8"))
    assert len(ids_a) == len(set(ids_a)) == 30
    assert ids_a != ids_c


def test_every_sampled_record_appears_with_its_facts() -> None:
    code, out, _ = _run("--sample", "25", "--seed", "20261130", "--chains", str(BUNDLED))
    assert code == 0
    lib = chainmap.load_library(BUNDLED)
    ids = _sampled_ids(out)
    assert len(ids) == 25 and set(ids) <= set(lib.companies)
    sections = re.split(r"^## \d+\. ", out, flags=re.M)[1:]
    for cid, section in zip(ids, sections, strict=True):
        c = lib.companies[cid]
        assert f"| 全称 | {c.name} |" in section, cid
        assert f"as_of: {c.as_of.isoformat()}" in section, cid
        assert all(s.replace("|", "\\|").replace("\n", " ").strip() in section for s in c.source), cid
        if c.stock_code:
            assert c.stock_code in section, cid
        for tag in c.tags:
            assert tag in section, (cid, tag)
        for link in c.operates:
            assert f"({link})" in section, (cid, link)
        assert re.search(r"chains/companies/\w+\.yaml:\d+", section), cid
        for label in ("经营总部", "注册地", "登记状态", "所有制", "龙头/链主", "结果"):
            assert label in section, (cid, label)


def test_sample_is_drawn_from_the_whole_library_not_the_first_records() -> None:
    lib = chainmap.load_library(BUNDLED)
    ids = sorted(lib.companies)
    seen: set[str] = set()
    for seed in range(20):
        seen |= {c.id for c in spotcheck.draw_sample(lib.companies.values(), 30, seed)}
    assert len(seen) > len(ids) // 2
    assert ids[-1] in seen or ids[-2] in seen or ids[-3] in seen


@pytest.mark.parametrize("size", ["0", "100000"])
def test_impossible_sample_size_is_a_usage_error(size: str) -> None:
    code, _, err = _run("--sample", size, "--seed", "1", "--chains", str(BUNDLED))
    assert code == 2
    assert "Traceback" not in err


def test_broken_library_says_where_and_exits_2(mini: Path) -> None:
    firm_file = next((mini / "companies").glob("*.yaml"))
    firm_file.write_text(firm_file.read_text(encoding="utf-8") + "\n  - id: Bad Id\n", encoding="utf-8")
    code, _, err = _run("--sample", "1", "--seed", "1", "--chains", str(mini))
    assert code == 2
    assert firm_file.name in err and "Traceback" not in err
