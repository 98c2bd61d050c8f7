"""`-o <library>/x.yaml` on any output command: the file would be read as a chain definition and the whole
library would stop loading (`gaps --format json -o chains/gaps.yaml` did that). No list, page or workbook
is YAML, so such a name is refused, with --force too: exit 2, nothing written, the library still loads."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from chainmap import load_library
from chainmap.cli import main

COMMANDS = [
    ["gaps", "--all", "--format", "json"],
    ["targets", "--all", "--format", "csv"],
    ["routes", "--all", "--format", "xlsx"],
    ["trips", "--all", "--format", "csv"],
    ["graph", "--all"],
    ["report", "--all"],
    ["poster", "alpha"],
    ["changes", "--format", "csv"],
    ["review", "--format", "json"],
    ["projects", "--format", "csv"],
    ["scorecard", "--month", "2023-03", "--format", "xlsx"],
    ["ledger", "template"],
    ["ledger", "export"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: "-".join(a[:2]))
@pytest.mark.parametrize("name", ["gaps.yaml", "regions/out.YML"])
def test_yaml_outputs_in_the_library_are_refused(mini, args, name):
    target = mini / name
    res = CliRunner().invoke(main, ["--chains", str(mini), *args, "-o", str(target), "--force"])
    assert res.exit_code == 2, res.output
    said = ".svg, .pdf or .png" if args[0] == "poster" else ".yaml/.yml"  # a poster refused it by its suffix already
    assert said in res.output and str(target) in res.output and "Traceback" not in res.output
    assert not target.exists()
    load_library(mini)  # still loads
