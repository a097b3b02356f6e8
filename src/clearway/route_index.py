"""Route matching without walking every router: FastAPI (0.165) matches a request by asking each included
router in turn, and each of those walks all its routes (a regular expression and some bookkeeping each), so a
request to /healthz, whose router comes late, was tried against nearly all of the app's ~180 routes. That was
about 70% of the server's CPU on /healthz.

`install` gives each included router of the app a guard: a route can match a path only if the path equals the
route's template (a template without parameters) or starts with the literal text before its first parameter,
so a router none of whose routes can match the path answers "no match" at once, as its own walk would have.
Nothing else changes: the same route objects in the same order (app.routes, url_for and the OpenAPI document
are untouched), the same match for every path (partial matches, 405 and 404 answers, slash redirects), and
the middleware as before. A router whose routes change after `install` (a route added or a router included)
is walked in full again: the guard keeps the route versions it was built from and steps aside when they differ.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette import routing
from starlette._utils import get_route_path

try:  # FastAPI's own (0.165): on a version without it, routers are walked as FastAPI does (slower, the same)
    from fastapi.routing import _IncludedRouter
except ImportError:  # pragma: no cover - depends on the installed FastAPI
    _IncludedRouter = None


def _versions(included: Any) -> list[tuple[Any, int]]:
    """Each router below an included one, with its own routes version (adding a route bumps it)."""
    out, todo, seen = [], [included.original_router], set()
    while todo:
        router = todo.pop()
        if id(router) in seen:
            continue
        seen.add(id(router))
        out.append((router, router._routes_version))
        todo.extend(r.original_router for r in router.routes if isinstance(r, _IncludedRouter))
    return out


def _templates(included: Any) -> list[str] | None:
    """The path templates every route below an included router matches by, or None when one of them matches
    by something other than its path alone (a host, a front-end route group)."""
    templates = []
    for context in included.effective_route_contexts():
        if isinstance(context.original_route, APIRoute):
            templates.append(context.path_format)
        elif isinstance(context.starlette_route, routing.Mount):
            templates.append(context.starlette_route.path_format + "/{path}")
        elif isinstance(context.starlette_route, (routing.Route, routing.WebSocketRoute)):
            templates.append(context.starlette_route.path_format)
        else:
            return None
    return templates


def _guard(included: Any) -> None:
    templates = _templates(included)
    if templates is None:
        return
    exact = frozenset(t for t in templates if "{" not in t)
    prefixes = tuple(sorted({t.split("{", 1)[0] for t in templates if "{" in t}))
    versions = _versions(included)
    walk = type(included).matches.__get__(included)
    none = routing.Match.NONE
    if len(versions) == 1:  # most routers include no other: one attribute to compare, on every request
        ((router, version),) = versions

        def matches(scope: dict) -> tuple[Any, dict]:
            path = get_route_path(scope)
            if path in exact or path.startswith(prefixes) or router._routes_version != version:
                return walk(scope)  # a route may match, or the routes changed since: walk them, as unguarded
            return none, {}
    else:
        def matches(scope: dict) -> tuple[Any, dict]:
            path = get_route_path(scope)
            if path in exact or path.startswith(prefixes) or any(r._routes_version != v for r, v in versions):
                return walk(scope)
            return none, {}

    included.matches = matches  # on this instance only: the class and every other router are untouched


def install(app: FastAPI) -> None:
    """Guard each router the app includes (call once every router is included). Guards only what FastAPI's
    included routers expose as this module expects; anything else is left to FastAPI's own walk."""
    if _IncludedRouter is None:
        return
    for route in app.router.routes:
        if isinstance(route, _IncludedRouter) and all(
                hasattr(route, a) for a in ("original_router", "effective_route_contexts", "matches")):
            _guard(route)
