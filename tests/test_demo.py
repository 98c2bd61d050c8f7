"""`chainmap demo` from a folder without ./chains: the bundled library, all maps and lists."""

from __future__ import annotations

import io
import re

import openpyxl
import pandas as pd

from .conftest import run_cli
from .test_cli_lists import REPORT_SHEETS


def test_demo_writes_maps_and_lists(tmp_path):
    res = run_cli("demo", "-o", "out", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    out = tmp_path / "out"
    chains = ["battery", "carbon_fiber", "dyeing", "grain_oil", "nylon", "petrochem", "pharma", "polyester", "solar"]
    for name in chains + ["panorama", "index", "geo"]:
        page = (out / f"{name}.html").read_text(encoding="utf-8")
        assert '<meta charset="utf-8">' in page.lower() or "charset=utf-8" in page.lower()
        assert not re.search(r"<(script|link|img)[^>]*(src|href)=[\"']?(https?:)?//", page)  # no CDN, no fetch
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{c}.html"' in index for c in chains) and 'href="panorama.html"' in index
    assert 'href="geo.html"' in index
    wb = openpyxl.load_workbook(out / "招商清单.xlsx")
    assert wb.sheetnames == REPORT_SHEETS
    posters = sorted(p.name for p in (out / "posters").iterdir())
    assert posters == [f"{c}.pdf" for c in chains]
    assert all(f'href="posters/{c}.pdf"' in index for c in chains) and "招商清单.xlsx" in index
    targets = pd.read_csv(io.BytesIO((out / "目标企业清单.csv").read_bytes()), encoding="utf-8-sig")
    assert len(targets) > 30 and "推荐理由" in targets.columns
    assert "产业链完整度" in res.stdout and "目标企业" in res.stdout and "招商线路" in res.stdout
    assert not (tmp_path / "chains").exists()  # nothing written outside -o
    # a second run replaces its own files; a file chainmap did not write stops it, unless --force
    assert run_cli("demo", "-o", "out", cwd=tmp_path).returncode == 0
    (out / "目标企业清单.csv").write_text("my own notes\n", encoding="utf-8")
    res = run_cli("demo", "-o", "out", cwd=tmp_path)
    assert res.returncode == 2 and "目标企业清单.csv" in res.stderr and "--force" in res.stderr
    assert "Traceback" not in res.stderr
    assert (out / "目标企业清单.csv").read_text(encoding="utf-8") == "my own notes\n"
