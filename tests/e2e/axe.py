"""Accessibility in the browser: axe-core (vendored from the npm registry, tests/e2e/vendor/axe-core) runs on
the page as it is shown, and a serious or critical violation fails the test. A screenshot of every page
checked is saved under test-results/ (gitignored) beside the test output."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-results"
FAILING = ("serious", "critical")


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8")


def screenshot(page, name: str) -> Path:
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / (re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


def violations(page) -> list[dict]:
    """axe's violations on the page now (evaluated through the DevTools protocol, which the page's
    Content-Security-Policy does not govern, so no script is added to the page itself)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_source() + "\n;void 0")
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [v for v in result if v.get("impact") in FAILING]


def check_page(page, name: str) -> None:
    """Screenshot the page, then fail on any serious or critical axe violation, naming the rule and nodes."""
    screenshot(page, name)
    bad = violations(page)
    assert not bad, f"{name}: " + json.dumps(
        [{"rule": v["id"], "impact": v["impact"], "help": v["help"],
          "nodes": [n["target"] for n in v["nodes"]][:5]} for v in bad], indent=1)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
