"""Great-circle geometry for routing: distances and search boxes, standard library only."""

import math

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG); haversine distances are within ~0.5 % of geodesic ones."""

_KM_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_KM / 180.0


def distance_km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Haversine distance in kilometres between two points given in decimal degrees."""
    phi_a = math.radians(a_lat)
    phi_b = math.radians(b_lat)
    half_dphi = (phi_b - phi_a) * 0.5
    half_dlambda = math.radians(b_lon - a_lon) * 0.5
    h = math.sin(half_dphi) ** 2 + math.cos(phi_a) * math.cos(phi_b) * math.sin(half_dlambda) ** 2
    # min() guards asin against rounding just above 1 for antipodal points.
    return 2.0 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a box holding every point within radius_km.

    The box is conservative, never too small, so it suits an indexed SQL prefilter
    (``lat BETWEEN min_lat AND max_lat AND lon BETWEEN min_lon AND max_lon``) whose
    survivors are then checked exactly. When the circle reaches a pole or crosses the
    antimeridian the longitude range widens to the full [-180, 180] rather than wrapping,
    so callers never need an OR of two ranges.
    """
    radius_km = max(0.0, float(radius_km))
    dlat = radius_km / _KM_PER_DEGREE_LATITUDE
    min_lat = lat - dlat
    max_lat = lat + dlat
    if min_lat <= -90.0 or max_lat >= 90.0:
        return max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0
    # The widest longitude span of a small circle: asin(sin(r/R) / cos(lat)).
    angular = radius_km / EARTH_RADIUS_KM
    ratio = math.sin(angular) / math.cos(math.radians(lat))
    if angular >= math.pi / 2 or ratio >= 1.0:
        return min_lat, max_lat, -180.0, 180.0
    dlon = math.degrees(math.asin(ratio))
    min_lon = lon - dlon
    max_lon = lon + dlon
    if min_lon < -180.0 or max_lon > 180.0:
        return min_lat, max_lat, -180.0, 180.0
    return min_lat, max_lat, min_lon, max_lon
