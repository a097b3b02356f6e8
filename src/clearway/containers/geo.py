"""Great-circle geometry for corridors and geofences (a pure core, no map tiles)."""

from __future__ import annotations

from math import asin, atan2, cos, degrees, radians, sin, sqrt

EARTH_KM = 6371.0088


def unit(lat: float, lon: float) -> tuple[float, float, float]:
    la, lo = radians(lat), radians(lon)
    c = cos(la)
    return (c * cos(lo), c * sin(lo), sin(la))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance."""
    p1, p2 = radians(lat1), radians(lat2)
    dp, dl = p2 - p1, radians(lon2 - lon1)
    h = sin(dp / 2) ** 2 + cos(p1) * cos(p2) * sin(dl / 2) ** 2
    return 2 * EARTH_KM * asin(min(1.0, sqrt(h)))


class Segment:
    """The great-circle arc between two places; `distance_km(lat, lon)` is the distance of a point to it."""

    __slots__ = ("a", "b", "n", "degenerate")

    def __init__(self, lat1: float, lon1: float, lat2: float, lon2: float) -> None:
        self.a, self.b = unit(lat1, lon1), unit(lat2, lon2)
        ax, ay, az = self.a
        bx, by, bz = self.b
        nx, ny, nz = ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx
        norm = sqrt(nx * nx + ny * ny + nz * nz)
        self.degenerate = norm < 1e-12
        self.n = (nx / norm, ny / norm, nz / norm) if not self.degenerate else (0.0, 0.0, 0.0)

    def distance_km(self, lat: float, lon: float) -> float:
        la, lo = radians(lat), radians(lon)
        c = cos(la)
        px, py, pz = c * cos(lo), c * sin(lo), sin(la)
        ax, ay, az = self.a
        bx, by, bz = self.b
        if not self.degenerate:
            nx, ny, nz = self.n
            # Is p between a and b along the arc? (both cross products point the way of n)
            s1 = (ay * pz - az * py) * nx + (az * px - ax * pz) * ny + (ax * py - ay * px) * nz
            s2 = (py * bz - pz * by) * nx + (pz * bx - px * bz) * ny + (px * by - py * bx) * nz
            if s1 >= 0 and s2 >= 0:
                d = px * nx + py * ny + pz * nz
                return EARTH_KM * abs(asin(max(-1.0, min(1.0, d))))
        da = _angle(px, py, pz, ax, ay, az)
        db = _angle(px, py, pz, bx, by, bz)
        return EARTH_KM * min(da, db)


def _angle(x1: float, y1: float, z1: float, x2: float, y2: float, z2: float) -> float:
    cx, cy, cz = y1 * z2 - z1 * y2, z1 * x2 - x1 * z2, x1 * y2 - y1 * x2
    return atan2(sqrt(cx * cx + cy * cy + cz * cz), x1 * x2 + y1 * y2 + z1 * z2)


def interpolate(lat1: float, lon1: float, lat2: float, lon2: float, f: float) -> tuple[float, float]:
    """The point a fraction f of the way along the great circle."""
    a, b = unit(lat1, lon1), unit(lat2, lon2)
    omega = _angle(*a, *b)
    if omega < 1e-12:
        return lat1, lon1
    s = sin(omega)
    k1, k2 = sin((1 - f) * omega) / s, sin(f * omega) / s
    x, y, z = (k1 * a[i] + k2 * b[i] for i in range(3))
    return degrees(atan2(z, sqrt(x * x + y * y))), degrees(atan2(y, x))


def offset(lat: float, lon: float, north_km: float, east_km: float) -> tuple[float, float]:
    """A point moved by small distances north and east (good to well under 1 % below a few hundred km)."""
    dlat = degrees(north_km / EARTH_KM)
    dlon = degrees(east_km / (EARTH_KM * max(1e-6, cos(radians(lat)))))
    lon2 = (lon + dlon + 180.0) % 360.0 - 180.0
    return max(-89.9, min(89.9, lat + dlat)), lon2


def bearing_normal(lat1: float, lon1: float, lat2: float, lon2: float) -> tuple[float, float]:
    """A unit (north, east) vector perpendicular to the direction of travel at the start."""
    p1, p2, dl = radians(lat1), radians(lat2), radians(lon2 - lon1)
    y = sin(dl) * cos(p2)
    x = cos(p1) * sin(p2) - sin(p1) * cos(p2) * cos(dl)
    th = atan2(y, x)  # bearing from north, clockwise
    north, east = cos(th), sin(th)
    return -east, north
