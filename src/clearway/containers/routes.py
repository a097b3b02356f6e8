"""Planned routes: the route library shipped as data, GeoJSON LineStrings given at affixing, corridors learned
from past honest journeys, and the distance of a fix to a route (shapely). A pure core: no database.

Positions are (lat, lon) in WGS 84 degrees everywhere in Clearway; GeoJSON writes them [lon, lat] (RFC 7946,
section 3.1.1), and only the two functions named geojson_* read or write that order. Distances are measured on
a local plane in kilometres (equirectangular around the route's middle latitude): across a corridor a few
kilometres wide the error is under 3 % for routes spanning less than 10 degrees of latitude."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from math import cos, radians
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point

KM_PER_DEG = 111.195  # one degree of a great circle on the WGS 84 mean sphere (6371.0088 km)
PLACE_KINDS = ("terminal", "depot", "office", "border_post", "weigh_station")
# a place of these kinds is where a seal may be opened; at the others a container may only stand
OPENING_KINDS = frozenset({"terminal", "depot", "office", "border_post"})
MAX_POINTS = 5000


class RouteError(ValueError):
    """A route that cannot be used, with the reason in words."""


@dataclass(frozen=True)
class Route:
    """A planned route as a line, with the means to measure how far a fix is from it."""

    points: tuple[tuple[float, float], ...]  # (lat, lon)

    @cached_property
    def _plane(self) -> tuple[float, float, LineString]:
        return _plane(self.points)

    def distance_km(self, lat: float, lon: float) -> float:
        lat0, lon0, line = self._plane
        return float(line.distance(Point(*_xy(lat0, lon0, lat, lon))))

    def distances_km(self, fixes: list[tuple[float, float]]) -> list[float]:
        """Many fixes at once (vectorised)."""
        lat0, lon0, line = self._plane
        if not fixes:
            return []
        ll = np.asarray(fixes, dtype=float)
        x = ((ll[:, 1] - lon0 + 540.0) % 360.0 - 180.0) * (KM_PER_DEG * cos(radians(lat0)))
        y = (ll[:, 0] - lat0) * KM_PER_DEG
        return shapely.distance(line, shapely.points(x, y)).tolist()

    @property
    def length_km(self) -> float:
        return float(self._plane[2].length)


def _plane(points: tuple[tuple[float, float], ...]) -> tuple[float, float, LineString]:
    lats = [p[0] for p in points]
    lat0, lon0 = (min(lats) + max(lats)) / 2, points[0][1]
    return lat0, lon0, LineString([_xy(lat0, lon0, a, b) for a, b in points])


def _xy(lat0: float, lon0: float, lat: float, lon: float) -> tuple[float, float]:
    dlon = (lon - lon0 + 540.0) % 360.0 - 180.0
    return dlon * KM_PER_DEG * cos(radians(lat0)), (lat - lat0) * KM_PER_DEG


def _latlon(lat0: float, lon0: float, x: float, y: float) -> tuple[float, float]:
    lon = lon0 + x / (KM_PER_DEG * cos(radians(lat0)))
    return lat0 + y / KM_PER_DEG, (lon + 180.0) % 360.0 - 180.0


def geojson_points(value: Any) -> tuple[tuple[float, float], ...]:
    """The (lat, lon) points of a GeoJSON LineString (a Feature holding one is taken too), or RouteError."""
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") != "LineString":
        raise RouteError("must be a GeoJSON LineString (type \"LineString\", coordinates [[lon, lat], ...])")
    coords = value.get("coordinates")
    if not isinstance(coords, list) or not 2 <= len(coords) <= MAX_POINTS:
        raise RouteError(f"coordinates must be a list of 2 to {MAX_POINTS} [lon, lat] positions")
    out = []
    for i, c in enumerate(coords):
        ok = isinstance(c, list) and len(c) in (2, 3) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in c)
        if not ok or not (-180 <= c[0] <= 180 and -90 <= c[1] <= 90):
            raise RouteError(f"coordinates[{i}] must be [lon, lat] with lon in -180..180 and lat in -90..90")
        out.append((float(c[1]), float(c[0])))
    if len({p for p in out}) < 2:
        raise RouteError("coordinates must hold at least two different positions")
    return tuple(out)


def geojson_line(points: tuple[tuple[float, float], ...] | list[tuple[float, float]]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [[round(lon, 6), round(lat, 6)] for lat, lon in points]}


@dataclass(frozen=True)
class Named:
    """A route of the library: its line, its class and the places along it."""

    name: str
    title: str
    route_class: str
    loading_office: str
    destination_office: str
    points: tuple[tuple[float, float], ...]
    places: tuple[dict[str, Any], ...]  # {name, kind, lat, lon, radius_km}


@cache
def library() -> dict[str, Named]:
    """The route library shipped with Clearway (containers/data/routes.json, see its SOURCE notice)."""
    data = json.loads(resources.files("clearway.containers").joinpath("data/routes.json").read_text("utf-8"))
    return {r["name"]: Named(r["name"], r["title"], r["class"], r["from"], r["to"],
                             geojson_points(r["line"]), tuple(r["places"])) for r in data["routes"]}


def named(name: str) -> Named:
    found = library().get(name)
    if found is None:
        raise RouteError(f"{name!r} is not in the route library: {', '.join(sorted(library()))}")
    return found


def learn(tracks: list[list[tuple[float, float]]], *, tolerance_km: float = 0.2) -> tuple[tuple[float, float], ...]:
    """A corridor learned from past honest journeys between the same places: the track that lies closest to
    all the others (the medoid by Hausdorff distance), simplified to `tolerance_km`."""
    usable = [t for t in tracks if len({p for p in t}) >= 2]
    if not usable:
        raise RouteError("no usable track to learn from")
    lats = [p[0] for t in usable for p in t]
    lat0, lon0 = (min(lats) + max(lats)) / 2, usable[0][0][1]
    lines = [LineString([_xy(lat0, lon0, a, b) for a, b in t]) for t in usable]
    best = min(range(len(lines)), key=lambda i: sum(lines[i].hausdorff_distance(o) for o in lines))
    simple = lines[best].simplify(tolerance_km)
    return tuple(_latlon(lat0, lon0, x, y) for x, y in simple.coords)
