"""Nothing that waits on the database runs on the event loop (docs/benchmarks.md, "Nothing heavy on the event
loop"). A route written `async def` runs on the loop itself: while it works, the worker answers nobody else.
A parcel manifest of 50,000 parcels assessed there held every other request of its worker for 0.6 s.

Read with `ast` (no module imported): in each `async def` of the faces (api/, web/), no statement opens a unit
of work (`.uow(`, `transaction(`) or calls a function of the same module that does (followed through the
module's own functions). Such work goes to a thread: `await run_in_threadpool(fn, ...)`, where `fn` is passed,
not called. Each exception carries its reason; one that no longer applies fails too."""

from __future__ import annotations

import ast
from pathlib import Path

import clearway

PACKAGE = Path(clearway.__file__).parent
FACES = ("api", "web")
OPENS = {"uow", "transaction"}
# (module, async function) -> why it may open a unit of work on the loop.
EXCEPTIONS: dict[tuple[str, str], str] = {
}


def _calls(node: ast.AST) -> set[str]:
    """Names of the functions called in `node`, not looking into functions defined inside it."""
    found: set[str] = set()
    todo = list(ast.iter_child_nodes(node))
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(n, ast.Call):
            f = n.func
            found.add(f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else "")
        todo.extend(ast.iter_child_nodes(n))
    return found


def _opening(tree: ast.Module) -> set[str]:
    """The module's own sync functions that open a unit of work, directly or through another of them."""
    sync = {n.name: _calls(n) for n in tree.body if isinstance(n, ast.FunctionDef)}
    opening = {name for name, calls in sync.items() if calls & OPENS}
    grew = True
    while grew:
        more = {name for name, calls in sync.items() if calls & opening} - opening
        opening |= more
        grew = bool(more)
    return opening


def offenders() -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for face in FACES:
        for path in sorted((PACKAGE / face).rglob("*.py")):
            tree = ast.parse(path.read_text())
            module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
            opening = _opening(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.AsyncFunctionDef):
                    bad = _calls(node) & (OPENS | opening)
                    if bad:
                        out[(module, node.name)] = bad
    return out


def test_no_async_route_waits_on_the_database():
    found = offenders()
    unexplained = {k: sorted(v) for k, v in found.items() if k not in EXCEPTIONS}
    assert not unexplained, f"database work on the event loop (run it with run_in_threadpool): {unexplained}"
    stale = sorted(set(EXCEPTIONS) - set(found))
    assert not stale, f"exceptions that no longer apply: {stale}"


def test_the_check_finds_what_it_looks_for():
    tree = ast.parse(
        "def page(request):\n    with request.app.state.ctx.uow() as s:\n        return s\n"
        "def outer(request):\n    return page(request)\n"
        "async def bad(request):\n    form = await request.form()\n    return outer(request)\n"
        "async def good(request):\n    return await run_in_threadpool(outer, request)\n")
    opening = _opening(tree)
    assert opening == {"page", "outer"}
    by_name = {n.name: _calls(n) & (OPENS | opening) for n in tree.body if isinstance(n, ast.AsyncFunctionDef)}
    assert by_name == {"bad": {"outer"}, "good": set()}
