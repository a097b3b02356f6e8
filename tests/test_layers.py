"""The layering, as a test (ARCHITECTURE.md "What flows through it"; STYLE.md change 1).

The import graph of src/clearway is read with `ast` (no module is imported), counting imports inside
functions too, since a lazy import is still a dependency: it only fails later, at call time. Three rules:

1. No cycle between modules.
2. A domain module does not import another domain's `service`: cross-domain glue lives in flows/, and
   only the faces (api/, web/, the CLIs) and flows/ compose domains.
3. Imports sit at the top of the module. Only CLI modules import inside functions (so that
   `clearway --help` loads no lightgbm, polars or uvicorn), and each says so in one comment.
4. A domain module does not import flows/: flows compose domains, not the other way round. A domain's CLI
   may (ARCHITECTURE: "Domain CLIs are faces too"); a domain module that drives a flow's step on its own is
   handed the flow by its caller (e.g. the MQTT listener's `ingest`).

Every exception below carries its reason; an exception that no longer applies fails too, so the
tables only shrink."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import clearway

PACKAGE = Path(clearway.__file__).parent

# Packages that compose domains (rule 2 does not apply to them).
COMPOSERS = {
    "flows": "cross-domain orchestration is what flows/ is for",
    "api": "a face: parses, authorises, calls a flow or one domain",
    "web": "a face: pages over the same calls as the API",
    "migrations": "Alembic: one branch per domain, run by clearway.db.migrate",
}
# Packages below every domain: any domain may call their service.
FOUNDATIONS = {
    "audit": "every state change appends its audit event in the same transaction (ARCHITECTURE: audit/ sits "
             "beside db.py, below the domains)",
}
# Rule 2 exceptions: (importing module, imported service) -> reason.
SERVICE_EXCEPTIONS: dict[tuple[str, str], str] = {
}
# Rule 1 exceptions: modules of the cycle -> reason.
CYCLE_EXCEPTIONS: dict[frozenset[str], str] = {
}
# Rule 3 exceptions: (module, imported module or "*" for all of them) -> reason for importing inside functions.
LAZY_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("clearway.db", "alembic"): "only migrate() needs Alembic, and importing alembic.command takes 0.8 s "
                                "(python -X importtime); every command and the app import clearway.db",
    ("clearway.db", "alembic.config"): "as above",
    ("clearway.tariff.importers", "*"): "the registry loads the one publication reader asked for: each takes "
                                        "0.15-0.26 s to import (python -X importtime), and every "
                                        "clearway.tariff.importers.store import loads this package",
    ("clearway.tracing", "*"): "the OpenTelemetry SDK and instrumentation are the optional extra clearway[tracing], "
                               "imported only when the OTEL_* variables turn tracing on",
    ("clearway.reference.embedding", "*"): "the sentence model's runtime (onnxruntime, tokenizers, the model "
                                           "package) loads only when a tool derives the HS finder's vectors from "
                                           "it, so that its absence is one clear EmbeddingUnavailable there; a "
                                           "search never imports it",
}
# CLI modules that import inside functions without the one comment saying why -> reason.
SILENT_CLI: dict[str, str] = {
}


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int
    lazy: bool


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = modules()


def _known(name: str) -> str | None:
    """The module `name` is, or lies in (clearway.a.b.func -> clearway.a.b)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _top_level(tree: ast.Module) -> set[int]:
    """Import statements run when the module loads: in its body, or under a module-level if/try."""
    top: set[int] = set()
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            top.add(id(node))
        elif isinstance(node, (ast.If, ast.Try)):
            stack += node.body + node.orelse + getattr(node, "finalbody", [])
            stack += [s for h in getattr(node, "handlers", []) for s in h.body]
    return top


def imports(name: str) -> Iterator[Import]:
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    top = _top_level(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for target in targets:
            known = _known(target) if target.startswith("clearway") else None
            if known is not None and known != name:
                yield Import(name, known, node.lineno, id(node) not in top)
            elif known is None and id(node) not in top:
                yield Import(name, target, node.lineno, True)  # a third-party or standard module, lazily


GRAPH = {name: list(imports(name)) for name in MODULES}


def is_cli(name: str) -> bool:
    """clearway.cli, clearway.cli_common and each domain's cli.py (and its cli_* parts) are CLI faces."""
    last = name.rpartition(".")[2]
    return last == "cli" or last.startswith("cli_")


def domain(name: str) -> str | None:
    """clearway.<domain>.<module> -> <domain>; top-level modules (app, cli, demo) belong to none."""
    parts = name.split(".")
    if len(parts) > 2 or (len(parts) == 2 and MODULES[name].name == "__init__.py"):
        return parts[1]
    return None


def cycles() -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    edges = {n: sorted({i.target for i in GRAPH[n] if i.target in MODULES}) for n in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root in MODULES:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                nxt = edges[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_the_graph_is_read_with_function_level_imports():
    """The reader itself: it sees a lazy import inside a function, and resolves `from x import module`."""
    lazy = [i for i in GRAPH["clearway.cli"] if i.lazy and i.target == "clearway.app"]
    assert lazy and lazy[0].line > 1
    assert any(i.target == "clearway.declarations.service" and not i.lazy for i in GRAPH["clearway.flows.lodging"])
    assert domain("clearway.containers.ingest") == "containers" and domain("clearway.demo") is None
    assert domain("clearway.tariff.importers.store") == "tariff"


def test_no_import_cycles():
    found = set(cycles())
    unexplained = [sorted(c) for c in found if c not in CYCLE_EXCEPTIONS]
    assert not unexplained, f"import cycles (break them; a shared helper goes in a module both import): {unexplained}"
    stale = [sorted(c) for c in CYCLE_EXCEPTIONS if c not in found]
    assert not stale, f"these cycles are gone: delete their exceptions {stale}"


def test_domains_do_not_import_each_others_services():
    bad, used = [], set()
    for name, found in GRAPH.items():
        home = domain(name)
        if home is None or home in COMPOSERS or is_cli(name):
            continue
        for imp in found:
            if not imp.target.endswith(".service") or domain(imp.target) in (home, *FOUNDATIONS):
                continue
            if (name, imp.target) in SERVICE_EXCEPTIONS:
                used.add((name, imp.target))
                continue
            bad.append(f"{name}:{imp.line} imports {imp.target}")
    assert not bad, "a domain imports another domain's service; move the glue under flows/: " + "; ".join(bad)
    stale = sorted(set(SERVICE_EXCEPTIONS) - used)
    assert not stale, f"these imports are gone: delete their exceptions {stale}"


def test_domains_do_not_import_flows():
    bad = [f"{name}:{imp.line} imports {imp.target}" for name, found in GRAPH.items()
           if domain(name) not in (None, "flows", *COMPOSERS) and not is_cli(name)
           for imp in found if domain(imp.target) == "flows"]
    assert not bad, "a domain module imports a flow; let the caller (a face or a flow) compose: " + "; ".join(bad)


def test_imports_at_the_top_except_in_cli_modules():
    bad, used = [], set()
    for name, found in GRAPH.items():
        for imp in found:
            if not imp.lazy or is_cli(name):
                continue
            key = next((k for k in ((name, imp.target), (name, "*")) if k in LAZY_EXCEPTIONS), None)
            if key is None:
                bad.append(f"{name}:{imp.line} imports {imp.target}")
            else:
                used.add(key)
    assert not bad, "import these at the top of the module: " + "; ".join(bad)
    stale = sorted(set(LAZY_EXCEPTIONS) - used)
    assert not stale, f"these import at the top now: delete their exceptions {stale}"


def test_each_cli_module_with_lazy_imports_says_why():
    lazy_cli = {name for name, found in GRAPH.items() if is_cli(name) and any(i.lazy for i in found)}
    silent = sorted(name for name in lazy_cli - set(SILENT_CLI)
                    if "lazy imports" not in MODULES[name].read_text(encoding="utf-8").lower())
    assert not silent, f"say in one comment why these CLI modules import inside functions: {silent}"
    stale = sorted(set(SILENT_CLI) - lazy_cli)
    assert not stale, f"these CLI modules import at the top now: delete their exceptions {stale}"
