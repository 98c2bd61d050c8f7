"""The planner's notebook runs top to bottom on the bundled library."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

import chainmap

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "walkthrough.ipynb"


def test_walkthrough_notebook_runs(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    text = "\n".join(
        str(out.get("data", {}).get("text/plain", "")) + str(out.get("data", {}).get("text/html", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors
    best = chainmap.analyse(chainmap.load(), ["carbon_fiber"], "lianyungang").targets.iloc[0]["name"]
    assert "碳纤维" in text and best in text  # the chain summary and the top target firm
    assert "iframe" in text and "carbon_fiber.html" in text and "panorama.html" in text
