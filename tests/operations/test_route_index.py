"""The route guards (clearway.route_index, issue 16) choose the same route as FastAPI's full walk for every
path: each route's own template (parameters filled in), with and without a trailing slash, one segment longer,
unknown paths, static files, and a root path; for each method, so partial matches (405) are compared too."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.routing import _IncludedRouter
from starlette.routing import Match

from clearway.app import create_app
from clearway.config import Settings


@pytest.fixture(scope="module")
def app():
    return create_app(Settings(data_dir=Path("/nonexistent"), database_url="sqlite://"))


def templates(app) -> list[str]:
    found = []
    for route in app.router.routes:
        if isinstance(route, _IncludedRouter):
            found += [c.path_format for c in route.effective_route_contexts()]
        else:
            found.append(route.path_format)
    return found


def samples(app) -> set[str]:
    paths = {"/", "", "/nowhere", "/api", "/api/v1", "/api/v1/", "/static/app.css", "/static", "/apix/v1/alerts"}
    for template in templates(app):
        filled = "/".join("X-1" if part.startswith("{") else part for part in template.split("/"))
        paths |= {filled, filled + "/", filled.rstrip("/"), filled + "/more", filled[:-1]}
    return paths


def walk(app, scope: dict) -> tuple[Match, object]:
    """What FastAPI's own walk of the top-level routes gives: the first full match, else the first partial."""
    partial = None
    for route in app.router.routes:
        match, child = type(route).matches(route, scope)  # the class's method: no guard
        if match == Match.FULL:
            return match, route
        if match == Match.PARTIAL and partial is None:
            partial = (match, route)
    return partial or (Match.NONE, None)


def guarded(app, scope: dict) -> tuple[Match, object]:
    partial = None
    for route in app.router.routes:
        match, child = route.matches(scope)
        if match == Match.FULL:
            return match, route
        if match == Match.PARTIAL and partial is None:
            partial = (match, route)
    return partial or (Match.NONE, None)


def test_every_included_router_is_guarded(app) -> None:
    included = [r for r in app.router.routes if isinstance(r, _IncludedRouter)]
    assert len(included) > 20
    assert all("matches" in vars(r) for r in included)


@pytest.mark.parametrize("root_path", ["", "/behind-proxy"])
def test_same_route_as_the_full_walk(app, root_path: str) -> None:
    compared = 0
    for path in sorted(samples(app)):
        for method in ("GET", "POST", "PUT", "DELETE"):
            scope = {"type": "http", "method": method, "path": root_path + path, "root_path": root_path,
                     "headers": []}
            expected = walk(app, dict(scope))
            assert guarded(app, dict(scope)) == expected, (method, path)
            compared += expected[0] != Match.NONE
    assert compared > 400  # most samples do match something: the comparison is not of empty answers


def test_a_route_added_later_is_found(app) -> None:
    included = next(r for r in app.router.routes if isinstance(r, _IncludedRouter)  # the pages': "/", "/healthz"
                    and "/healthz" in [c.path_format for c in r.effective_route_contexts()])
    path = "/added-after-start"
    scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": []}
    assert included.matches(dict(scope))[0] == Match.NONE
    included.original_router.add_api_route("/added-after-start", lambda: "late", methods=["GET"])
    try:
        assert included.matches(dict(scope))[0] == Match.FULL
    finally:
        included.original_router.routes.pop()
        included.original_router._mark_routes_changed()


def test_a_route_added_later_to_a_nested_router_is_found(app) -> None:
    included = next(r for r in app.router.routes if isinstance(r, _IncludedRouter)  # web/tfa: four routers inside
                    and any(isinstance(c, _IncludedRouter) for c in r.original_router.routes))
    nested = next(c.original_router for c in included.original_router.routes if isinstance(c, _IncludedRouter))
    nested.add_api_route("/added-later-inside", lambda: "late", methods=["GET"])
    try:
        path = next(c.path_format for c in included.effective_route_contexts()
                    if c.path_format.endswith("/added-later-inside"))
        scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": []}
        assert included.matches(dict(scope))[0] == Match.FULL
        assert type(included).matches(included, dict(scope))[0] == Match.FULL
    finally:
        nested.routes.pop()
        nested._mark_routes_changed()
    assert included.matches(dict(scope))[0] == Match.NONE
