"""conftest.py modules hold fixtures; helpers a test imports live in a support module (tests/support.py and
each package's support.py). pytest loads conftest.py itself: importing it as a module as well loads it twice
under two names, and hides which names are fixtures and which are helpers (STYLE.md, "Test helpers")."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported_modules(node: ast.AST) -> list[str]:
    """The modules an import statement (or an `__import__("...")` call) names."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""] + [f"{node.module or ''}.{a.name}" for a in node.names]
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__" and node.args:
        return [str(getattr(node.args[0], "value", ""))]
    return []


def conftest_imports(source: str) -> list[int]:
    """Lines of `source` that import a conftest module or a name from one."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if any("conftest" in module.split(".") for module in imported_modules(node))]


def test_no_test_imports_from_a_conftest():
    bad = [f"{path.relative_to(TESTS)}:{line}" for path in sorted(TESTS.rglob("*.py"))
           for line in conftest_imports(path.read_text(encoding="utf-8"))]
    assert not bad, f"import these helpers from a support module, not from conftest: {bad}"


def test_the_check_sees_each_form_of_import():
    source = ("from tests.conftest import example\nfrom .conftest import x\nimport tests.risk.conftest\n"
              "e = __import__('tests.conftest')\nfrom tests.support import example\nimport conftest_notes\n")
    assert sorted(conftest_imports(source)) == [1, 2, 3, 4]
