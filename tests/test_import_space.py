"""An import that would run out of disk is refused before it starts, saying how much it needs, with the
library untouched. A dry run is the same import without the final switch (its records spill to the
store folder like an import's): it needs the same room, and leaves the library as it found it."""

from __future__ import annotations

from collections import namedtuple

import pyarrow.parquet as pq

from chainmap.importer import space

from .conftest import run_cli
from .test_import import MESSY, write_csv

_Usage = namedtuple("_Usage", "total used free")


def _snapshot(root):
    return sorted((p.relative_to(root).as_posix(), p.read_bytes()) for p in root.rglob("*") if p.is_file())


def test_an_import_without_room_is_refused_before_it_writes(mini, tmp_path, monkeypatch):
    f = write_csv(tmp_path / "名单.csv", MESSY)
    need = space.space_needed("csv", f.stat().st_size)
    before = _snapshot(mini)
    monkeypatch.setattr(space.shutil, "disk_usage", lambda _p: _Usage(10 * need, 9 * need, need - 1))
    ran = run_cli("--chains", str(mini), "import", str(f))
    assert ran.returncode == 2 and "Traceback" not in ran.stderr
    assert "磁盘剩余" in ran.stderr and "-o" in ran.stderr
    assert _snapshot(mini) == before  # no store, no temporary file, no rejects file

    ran = run_cli("--chains", str(mini), "import", str(f), "--dry-run")
    assert ran.returncode == 2 and "磁盘剩余" in ran.stderr and _snapshot(mini) == before

    monkeypatch.setattr(space.shutil, "disk_usage", lambda _p: _Usage(10 * need, 9 * need, need))
    ran = run_cli("--chains", str(mini), "import", str(f))
    assert ran.returncode == 0 and (mini / "imported" / "名单.yaml").exists()


def test_an_update_needs_room_for_the_stored_firms_it_gathers(mini, tmp_path, monkeypatch):
    # an import over stores that hold firms gathers their stored records and holds the changed ones in
    # scratch files: it asks for room for them too
    f = write_csv(tmp_path / "名单.csv", MESSY)
    assert run_cli("--chains", str(mini), "import", str(f), "--store", "parquet").returncode == 0
    assert len(list((mini / "imported").glob("*.parquet"))) == 1
    n = pq.read_metadata(next((mini / "imported").glob("*.parquet"))).num_rows
    csv_only, need = space.space_needed("csv", f.stat().st_size), space.space_needed("csv", f.stat().st_size, n)
    assert need > csv_only
    before = _snapshot(mini)
    monkeypatch.setattr(space.shutil, "disk_usage", lambda _p: _Usage(10 * need, 9 * need, need - 1))
    ran = run_cli("--chains", str(mini), "import", str(f), "--store", "parquet")
    assert ran.returncode == 2 and "磁盘剩余" in ran.stderr and _snapshot(mini) == before
    monkeypatch.setattr(space.shutil, "disk_usage", lambda _p: _Usage(10 * need, 9 * need, need))
    assert run_cli("--chains", str(mini), "import", str(f), "--store", "parquet").returncode == 0
