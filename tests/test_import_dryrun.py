"""A dry run is the import itself with its transaction aborted: the same counts and signals as the real
import, through the same bounded-memory store stages, and the library left byte for byte as it was."""

from __future__ import annotations

import pytest

from chainmap.importer import run

from .test_import_keep import FULL, JIA, WU, export, imp


def _snapshot(root):
    return sorted((p.relative_to(root).as_posix(), p.read_bytes()) for p in root.rglob("*") if p.is_file())


KEYS = ("rows", "imported", "updated", "unchanged", "merged", "skipped", "rejected", "placed", "signals", "review")


@pytest.mark.parametrize("stage", ["stream_store", "stream_update"])
def test_a_dry_run_counts_what_the_import_does_and_changes_nothing(mini, tmp_path, monkeypatch, stage):
    calls = []
    real = getattr(run, stage)
    monkeypatch.setattr(run, stage, lambda *a: calls.append(1) or real(*a))
    if stage == "stream_update":  # a newer export of stored firms: updates with signals
        imp(mini, export(tmp_path / "名单_20240101.csv", FULL, [JIA, WU]), "parquet")
        f = export(tmp_path / "名单_20240601.csv", FULL, [JIA | {"注册资本": "250万元", "所属城市": "杭州"}, WU])
    else:  # a first import
        f = export(tmp_path / "名单_20240601.csv", FULL, [JIA, WU])
    before = _snapshot(mini)
    dry = imp(mini, f, "parquet", dry_run=True)
    assert calls, f"the dry run did not go through {stage}"
    assert _snapshot(mini) == before
    real_run = imp(mini, f, "parquet")
    assert [getattr(dry, k) for k in KEYS] == [getattr(real_run, k) for k in KEYS]
    assert dry.rejects is None and dry.dry_run and not real_run.dry_run
    if stage == "stream_update":
        assert dry.signals == {"capital_up": 1, "moved": 1}, dry.signals
