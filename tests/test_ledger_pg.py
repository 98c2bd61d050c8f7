"""The ledger against a real PostgreSQL server (a throwaway cluster, see conftest.pg_server): the same
scorecard as from SQLite, and concurrent imports that lose no row."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import func, select

from chainmap.api import load
from chainmap.ledger import open_ledger, read_ledger, scorecard
from chainmap.ledger.schema import activities, stage_history, teams, visits

from .conftest import MINI, ROOT
from .ledger_util import fill
from .test_ledger_scorecard import DEFAULT_WEIGHTS, MARCH, check_known_card, known_ledger


def test_the_same_scorecard_from_sqlite_and_postgresql(pg_url, tmp_path):
    lib = load(MINI)
    lite = known_ledger(lib, f"sqlite:///{tmp_path / 'l.sqlite'}", tmp_path)
    pg = known_ledger(lib, pg_url, tmp_path)
    assert pg.dialect.name == "postgresql"
    for by in ("team", "district"):
        a = scorecard(read_ledger(lite), *MARCH, by=by, weights=DEFAULT_WEIGHTS)
        b = scorecard(read_ledger(pg), *MARCH, by=by, weights=DEFAULT_WEIGHTS)
        assert a.to_dict("records") == b.to_dict("records")
    check_known_card(scorecard(read_ledger(pg), *MARCH, weights=DEFAULT_WEIGHTS))
    pg.dispose()
    again = open_ledger(pg_url)  # opening an upgraded database again keeps every row
    assert len(read_ledger(again).visits) == 7
    again.dispose()


def test_concurrent_imports_into_postgresql_lose_no_rows(pg_url, tmp_path):
    lib = load(MINI)
    n_files, n_acts = 4, 12
    files = []
    for i in range(n_files):
        teams_rows = [["共同一队", "海州区", "专业招商队伍"], [f"队{i}", "赣榆区", "招商小分队"]]
        acts = [
            [
                f"F{i}-H{j}",
                "外出招商",
                "共同一队" if j % 2 else f"队{i}",
                f"2023-03-{j + 1:02d}",
                None,
                None,
                None,
                None,
            ]
            for j in range(n_acts)
        ]
        vis = [[f"F{i}-H{j}", f"2023-03-{j + 1:02d}", f"示例企业{i}-{j}", None, None, None] for j in range(n_acts)]
        files.append(fill(lib, tmp_path / f"f{i}.xlsx", 团队=teams_rows, 活动=acts, 拜访=vis))
    open_ledger(pg_url).dispose()  # the schema first: all processes then race on rows only
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "chainmap", "--chains", str(MINI), "--db", pg_url, "ledger", "import", str(f)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    assert all(code == 0 for code, _ in results), results
    engine = open_ledger(pg_url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(teams)) == n_files + 1
        assert conn.scalar(select(func.count()).select_from(activities)) == n_files * n_acts
        assert conn.scalar(select(func.count()).select_from(visits)) == n_files * n_acts
        assert conn.scalar(select(func.count()).select_from(stage_history)) == 0
    engine.dispose()


def test_concurrent_first_opens_migrate_once(pg_url):
    code = "import sys; from chainmap.ledger import open_ledger; open_ledger(sys.argv[1]).dispose()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, pg_url], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    assert [(p.wait(timeout=120), p.stderr.read()) for p in procs] == [(0, "")] * 4
