"""Faults at every write of an import: killed (kill -9) or failing (a full disk) at the k-th file
operation, for every k. Afterwards the library loads and holds exactly the old firms or exactly the
new ones, never a mix, never fewer; no temporary file is left once the library has been loaded."""

from __future__ import annotations

import errno
import multiprocessing as mp
import os
from pathlib import Path

import pytest

from chainmap import load_library
from chainmap.errors import UsageError
from chainmap.importer import ImportOptions, run_import
from chainmap.importer import store as istore

from ..test_import import write_csv

HEADER = ["企业名称", "统一社会信用代码", "主营产品", "所属城市"]
_OPS = ("replace", "unlink", "fsync", "chmod")


def _firms(n: int, city: str) -> list[list[str]]:
    return [[f"甲{i:02d}化工有限公司", "", "乙中间体", city] for i in range(n)]


def _state(lib_root: Path) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    lib = load_library(lib_root)
    return {c.id: (c.city, tuple(c.source)) for c in lib.companies.values() if c.id.startswith("imp_")}


def _setup(mini: Path, tmp: Path) -> tuple[Path, Path]:
    """An older import (store a) of 20 firms, then a newer export that moves 12 of them (store b)."""
    old = write_csv(tmp / "a_20240101.csv", [HEADER, *_firms(20, "宁波")])
    lib = load_library(mini)
    run_import(lib, ImportOptions(file=old, progress=False))
    new = write_csv(tmp / "b_20240601.csv", [HEADER, *_firms(12, "南京"), ["", "", "无名", ""]])
    return old, new


def _arm(k: int, action) -> None:
    """Make the k-th file operation of the store writer (or of the OS calls it uses) fail."""
    calls = {"n": 0}

    def hit() -> None:
        calls["n"] += 1
        if calls["n"] == k:
            action()

    for name in _OPS:
        real = getattr(os, name)

        def wrapped(*a, _real=real, **kw):
            hit()
            return _real(*a, **kw)

        setattr(os, name, wrapped)
    for name in ("_write_bytes", "_write_parquet"):
        real = getattr(istore, name)

        def wrapped2(*a, _real=real, **kw):
            hit()
            return _real(*a, **kw)

        setattr(istore, name, wrapped2)


def _child(root: str, file: str, k: int) -> None:
    lib = load_library(Path(root))
    _arm(k, lambda: os._exit(137))
    run_import(lib, ImportOptions(file=Path(file), progress=False))
    os._exit(0)


def test_kill_at_every_write_leaves_old_or_new(mini, tmp_path):
    _old, new = _setup(mini, tmp_path)
    before = _state(mini)
    assert len(before) == 20
    ctx = mp.get_context("fork")
    seen_new = None
    for k in range(1, 60):
        root = tmp_path / f"lib{k}"
        os.system(f"cp -a {mini} {root}")
        p = ctx.Process(target=_child, args=(str(root), str(new), k))
        p.start()
        p.join(60)
        after = _state(root)
        assert after == before or len(after) == 20 and after != before, k
        leftovers = [f.name for f in (root / "imported").iterdir() if f.name.startswith(".") and "lock" not in f.name]
        assert leftovers == [], (k, leftovers)
        if p.exitcode == 0:  # k is past the last operation: the import ran through
            seen_new = after
            break
    assert seen_new is not None and seen_new != before
    assert sum(1 for v in seen_new.values() if v[0] == "南京市") == 12


def test_full_disk_at_every_write_leaves_old_or_new(mini, tmp_path, monkeypatch):
    _old, new = _setup(mini, tmp_path)
    before = _state(mini)

    def full() -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "imported")

    k = 0
    while True:
        k += 1
        root = tmp_path / f"lib{k}"
        os.system(f"cp -a {mini} {root}")
        lib = load_library(root)
        with monkeypatch.context() as m:
            for name in _OPS:
                m.setattr(os, name, getattr(os, name))
            for name in ("_write_bytes", "_write_parquet"):
                m.setattr(istore, name, getattr(istore, name))
            _arm(k, full)
            try:
                run_import(lib, ImportOptions(file=new, progress=False))
                done = True
            except UsageError as err:
                assert "磁盘已满" in str(err)
                done = False
        after = _state(root)
        assert after == before or (len(after) == 20 and sum(v[0] == "南京市" for v in after.values()) == 12), k
        if done:
            break
        assert k < 60
    assert k > 5  # the import had several writes to fail


@pytest.mark.parametrize("stage", ["clean", "commit"])
def test_ctrl_c_leaves_the_previous_state_one_line_and_exit_130(mini, tmp_path, monkeypatch, stage):
    from click.testing import CliRunner

    from chainmap.cli import main
    from chainmap.importer import rows

    _old, new = _setup(mini, tmp_path)
    before = _state(mini)
    target = (rows.Cleaner, "chunk") if stage == "clean" else (istore.Transaction, "commit")

    def interrupt(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(*target, interrupt)
    res = CliRunner().invoke(main, ["--chains", str(mini), "import", str(new)])
    assert res.exit_code == 130
    assert res.output.strip().count("\n") == 0 and "已中断" in res.output and "Traceback" not in res.output
    assert sorted(p.name for p in (mini / "imported").iterdir()) == ["a_20240101.yaml"]
    assert _state(mini) == before
