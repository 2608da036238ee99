"""The browser tests' machinery: the system's Chromium under Playwright, screenshots, and axe-core in every page.

Chromium comes from Debian's packages (`chromium`); Playwright's own browser download is not
used. Without a browser the tests skip, unless CI is set: there a missing browser fails.
axe-core comes from the npm registry (tests/web/package.json, pinned in its lock file).
"""

import json
import shutil
import subprocess
from pathlib import Path

from tests.support.environment import unavailable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
A11Y = ARTIFACTS / "a11y"
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# What fails a page: axe's two highest impacts.
FAILING_IMPACTS = ("serious", "critical")


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    unavailable("no Chromium installed (apt-get install -y chromium chromium-driver)")
    raise AssertionError  # unreachable


def axe_source() -> str:
    if not AXE.exists() and shutil.which("npm"):
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(HERE)], check=False, capture_output=True
        )
    if not AXE.exists():
        unavailable("axe-core is not installed (npm ci --prefix tests/web)")
    return AXE.read_text()


class Audit:
    """Screenshots of each page at two widths and its accessibility check; the findings are kept as files."""

    def __init__(self, axe: str):
        self.axe = axe
        self.failures: dict[str, list[str]] = {}
        self.pages: list[str] = []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        A11Y.mkdir(parents=True, exist_ok=True)

    def page(self, page, name: str) -> None:
        """Screenshot `page` wide and at phone width, and run axe-core in it at both widths."""
        self.pages.append(name)
        for label, size in (("wide", WIDE), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
            self.check(page, f"{name}-{label}")
        page.set_viewport_size(WIDE)

    def check(self, page, name: str) -> None:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(self.axe)
        results = page.evaluate("async () => JSON.stringify(await window.axe.run(document))")
        results = json.loads(results)
        (A11Y / f"{name}.json").write_text(json.dumps(results["violations"], indent=1))
        bad = [
            f"{violation['id']} ({violation['impact']}): {violation['help']} at "
            + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            for violation in results["violations"]
            if violation["impact"] in FAILING_IMPACTS
        ]
        if bad:
            self.failures[name] = bad
