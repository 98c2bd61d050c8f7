"""Commands start without what they do not use: `--help`, `import`, `review` and the ledger's commands
never load the analysis API (pandas' DataFrames, networkx graphs, the analyses), which costs officers
about a second per command on a government PC; `import --format json` loads neither networkx nor rich."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
import json, sys
from chainmap.entry import run
try:
    run()
except SystemExit as e:
    code = e.code
heavy = [m for m in sys.modules if m.startswith("chainmap.analysis") or m in ("networkx", "rich")]
api = sys.modules.get("chainmap.api")
if api is not None and type(api).__name__ != "_LazyModule":  # registered lazily, loaded on first use
    heavy.append("chainmap.api")
print(json.dumps([code, sorted(heavy)]), file=sys.stderr)
"""


def _modules_after(*args: str, cwd: Path) -> tuple[int, list[str]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("CHAINMAP_DB", None)
    res = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    code, mods = json.loads(res.stderr.strip().splitlines()[-1])
    return code, mods


def test_help_loads_no_analysis(tmp_path):
    code, mods = _modules_after("--help", cwd=tmp_path)
    assert code in (0, None) and mods == []


def test_import_loads_no_analysis_and_a_map_command_does(tmp_path, mini):
    f = tmp_path / "firms.csv"
    f.write_text("企业名称,经营范围\n甲乙丙测试有限公司,销售\n", encoding="utf-8")
    code, mods = _modules_after("--chains", str(mini), "import", str(f), "--format", "json", cwd=tmp_path)
    assert code in (0, None) and mods == []
    code, mods = _modules_after("--chains", str(mini), "gaps", "--all", "--format", "json", cwd=tmp_path)
    assert code in (0, None) and {"chainmap.api", "chainmap.analysis.gaps", "networkx"} <= set(mods)
