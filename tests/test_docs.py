"""docs/outputs.md is generated from the column specs and documents every key the tool writes."""

from __future__ import annotations

import json

import chainmap
from chainmap import docs
from chainmap.graph import to_node_link
from chainmap.vocab import columns

from .conftest import ROOT, run_cli
from .test_import import MESSY, write_csv


def test_outputs_md_is_in_step_with_the_column_specs():
    assert docs.DOC.read_text(encoding="utf-8") == docs.outputs_markdown(), (
        "docs/outputs.md is stale: run `python -m chainmap.docs`"
    )


def test_the_generator_writes_the_file(tmp_path):
    assert docs.main([str(tmp_path / "o.md")]) == 0
    assert (tmp_path / "o.md").read_text(encoding="utf-8") == docs.outputs_markdown()


def _keys(records: list[dict]) -> set[str]:
    return set().union(*(r.keys() for r in records))


def test_every_key_of_every_json_output_is_documented(mini, tmp_path):
    for kind in ("gaps", "targets", "routes"):
        out = json.loads(run_cli(kind, "--all", "--format", "json").stdout)
        assert out and _keys(out) <= set(columns(kind)), kind
    data = to_node_link(chainmap.graph(chainmap.load()))
    assert _keys(data["nodes"]) <= set(columns("graph_nodes"))
    assert _keys(data["edges"]) <= set(columns("graph_edges"))
    f = write_csv(tmp_path / "名单.csv", MESSY)
    res = run_cli("--chains", str(mini), "import", str(f), "--dry-run", "--format", "json")
    assert res.returncode == 0, res.stderr
    assert set(json.loads(res.stdout)) <= set(columns("import"))
    res = run_cli("--chains", str(mini), "validate", "--format", "json")
    assert set(json.loads(res.stdout)) == set(columns("validate"))


def test_nothing_cites_a_contract_file_the_repository_does_not_hold():
    word = "CON" + "TRACT"  # spelt apart so this test does not cite it
    if list(ROOT.glob(f"{word}*")) or list(ROOT.glob(f"docs/{word}*")):
        return
    files = [ROOT / "README.md", ROOT / "pyproject.toml"]
    for folder in ("chainmap", "tests", "docs", "scripts", "benchmarks", ".ci"):
        files += [
            p for p in (ROOT / folder).rglob("*") if p.is_file() and p.suffix in (".py", ".md", ".j2", ".js", ".sh", "")
        ]
    citing = [str(f.relative_to(ROOT)) for f in files if word in f.read_text(encoding="utf-8", errors="replace")]
    assert citing == [], f"these files cite a {word} file the repository does not hold: {citing}"
