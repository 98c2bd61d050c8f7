"""Screenshots of every page in a folder written by `chainmap render`/`demo`, as an officer sees them.

    python3 scripts/screenshots.py OUTDIR [SHOTDIR] [--size 1366x768]

Uses Debian's chromium through playwright (no browser download). Posters: rasterise with pdftoppm.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright


def main(argv: list[str]) -> None:
    out = Path(argv[0])
    shots = Path(argv[1]) if len(argv) > 1 and not argv[1].startswith("--") else out / "screenshots"
    size = argv[argv.index("--size") + 1] if "--size" in argv else "1366x768"
    w, h = (int(x) for x in size.split("x"))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": w, "height": h})
        for html in sorted(out.glob("*.html")):
            page.goto(html.resolve().as_uri())
            page.wait_for_timeout(300)
            target = shots / f"{html.stem}-{w}x{h}.png"
            page.screenshot(path=str(target))
            print(target)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
