"""A seal's track drawn against its expected corridor, as plain SVG geometry (no map tiles): a pure core.

Positions are projected onto a local plane in kilometres (equirectangular around the middle of the
picture), which is faithful enough for a corridor of a few hundred kilometres."""

from __future__ import annotations

from dataclasses import dataclass
from math import cos, radians
from typing import Any

from clearway.containers.geo import interpolate
from clearway.containers.routes import Route

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON = 111.320


@dataclass(frozen=True)
class Drawing:
    view_box: str
    size: float  # width of the picture in km, for strokes and labels
    route: str  # polyline points of the expected route (the corridor is this line drawn wide)
    corridor_width: float
    places: list[dict[str, Any]]  # {x, y, r, name}
    offices: list[dict[str, Any]]  # {x, y, name}
    track: str  # polyline points of the reports in sequence order
    points: list[dict[str, Any]]  # {x, y, seq, status, evidence, outside, distance_km}


def draw(*, origin: tuple[float, float], destination: tuple[float, float], names: tuple[str, str],
         half_width_km: float, places: list[dict[str, Any]], reports: list[dict[str, Any]],
         evidence: set[int], planned: tuple[tuple[float, float], ...] | None = None) -> Drawing:
    """`reports`: {seq, lat, lon, status} of the seal, in any order; `planned`: the journey's route (lat, lon),
    else the straight line between the offices is drawn."""
    route = (list(planned) if planned else
             [interpolate(origin[0], origin[1], destination[0], destination[1], k / 32) for k in range(33)])
    reports = sorted(reports, key=lambda r: r["seq"])
    lats = [p[0] for p in route] + [r["lat"] for r in reports] + [p["lat"] for p in places]
    lat0 = (min(lats) + max(lats)) / 2
    lon_ref = origin[1]
    kx = KM_PER_DEG_LON * cos(radians(lat0))

    def xy(lat: float, lon: float) -> tuple[float, float]:
        dlon = (lon - lon_ref + 540.0) % 360.0 - 180.0
        return dlon * kx, -(lat - lat0) * KM_PER_DEG_LAT

    line = Route(tuple(route))
    dists = line.distances_km([(r["lat"], r["lon"]) for r in reports])
    pts = []
    for r, d in zip(reports, dists, strict=True):
        x, y = xy(r["lat"], r["lon"])
        pts.append({"x": round(x, 3), "y": round(y, 3), "seq": r["seq"], "status": r["status"],
                    "evidence": r["seq"] in evidence, "outside": d > half_width_km, "distance_km": round(d, 1)})
    route_xy = [xy(*p) for p in route]
    xs = [p[0] for p in route_xy] + [p["x"] for p in pts]
    ys = [p[1] for p in route_xy] + [p["y"] for p in pts]
    margin = half_width_km * 1.3
    for p in places:
        x, y = xy(p["lat"], p["lon"])
        xs += [x - p["radius_km"], x + p["radius_km"]]
        ys += [y - p["radius_km"], y + p["radius_km"]]
    x0, x1, y0, y1 = min(xs) - margin, max(xs) + margin, min(ys) - margin, max(ys) + margin
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    ox, oy = xy(*origin)
    dx, dy = xy(*destination)
    return Drawing(
        view_box=f"{x0:.2f} {y0:.2f} {w:.2f} {h:.2f}", size=max(w, h),
        route=" ".join(f"{x:.2f},{y:.2f}" for x, y in route_xy), corridor_width=2 * half_width_km,
        places=[{"x": round(xy(p["lat"], p["lon"])[0], 2), "y": round(xy(p["lat"], p["lon"])[1], 2),
                 "r": p["radius_km"], "name": p["name"]} for p in places],
        offices=[{"x": round(ox, 2), "y": round(oy, 2), "name": names[0]},
                 {"x": round(dx, 2), "y": round(dy, 2), "name": names[1]}],
        track=" ".join(f"{p['x']},{p['y']}" for p in pts), points=pts)
