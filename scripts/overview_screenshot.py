"""Make docs/overview.png, the README's screenshot of the overview of the example workspace.

    python scripts/overview_screenshot.py [OUTPUT.png]

Builds the overview of Example Borough Council as `contractgen build` does (the example
register, the example export, the earlier export, as of 26 November 2026) in a temporary
folder and photographs the top of the page in headless Chromium (Debian's
/usr/bin/chromium, driven by Playwright), 1200 pixels wide.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTH, HEIGHT = 1200, 1900


def make_screenshot(output: Path) -> Path:
    from playwright.sync_api import sync_playwright

    from contractgen.overview.write import build_overview
    from contractgen.library.workspace import load_workspace

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as tmp:
        result = build_overview(
            load_workspace(ROOT), "example-borough", ROOT / "examples" / "example-borough-providers.csv",
            ROOT / "examples" / "dspt-export-2026-11-26.csv", previous=[ROOT / "examples" / "dspt-export-2026-05-29.csv"],
            as_of=dt.date(2026, 11, 26), output=Path(tmp) / "overview")
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(Path(tmp) / "profile"), executable_path=chromium, headless=True, args=FLAGS,
                viewport={"width": WIDTH, "height": HEIGHT}, offline=True)
            page = context.new_page()
            page.goto((result.output / "overview.html").as_uri())
            output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(output), clip={"x": 0, "y": 0, "width": WIDTH, "height": HEIGHT})
            context.close()
    return output


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "overview.png"
    print(f"wrote {make_screenshot(target)}")
