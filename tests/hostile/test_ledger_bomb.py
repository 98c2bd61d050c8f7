"""A ledger workbook that is a zip bomb (0.8 MB inflating to hundreds of MB; once read in 10 s and 1 GB of
memory) is refused before anything is unpacked: a message naming the file and the entry, exit 2, and
the ledger is left as it was."""

from __future__ import annotations

import zipfile

from click.testing import CliRunner

from chainmap.cli import main

from ..ledger_util import base_rows, fill


def _bomb(src, dst, size: int) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet2.xml":  # 团队: pad inside sheetData, still valid XML
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * size, 1)
            zout.writestr(info.filename, data, compresslevel=9)


def test_a_zip_bomb_ledger_workbook_is_refused_unread(mini, tmp_path):
    good = fill(None, tmp_path / "good.xlsx", **base_rows())
    bomb = tmp_path / "台账.xlsx"
    _bomb(good, bomb, 200 << 20)
    assert bomb.stat().st_size < 1 << 20
    res = CliRunner().invoke(main, ["--chains", str(mini), "ledger", "import", str(bomb)])
    assert res.exit_code == 2, res.output
    assert "台账.xlsx" in res.output and "xl/worksheets/sheet2.xml" in res.output and "拒绝" in res.output
    listed = CliRunner().invoke(main, ["--chains", str(mini), "projects", "--format", "csv"]).output
    assert "XM1" not in listed  # nothing of it was stored


def test_a_small_padded_workbook_still_imports(mini, tmp_path):
    good = fill(None, tmp_path / "good.xlsx", **base_rows())
    padded = tmp_path / "padded.xlsx"
    _bomb(good, padded, 1 << 20)  # 1 MB of blanks: odd but harmless, below the limits
    res = CliRunner().invoke(main, ["--chains", str(mini), "ledger", "import", str(padded)])
    assert res.exit_code == 0 and "团队：2行，新增2" in res.output, res.output
