"""Small builders for routing inputs: sensible defaults, override what the test is about."""

from app.routing import DealerProfile, LeadRequest, distance_km

# Berlin Mitte; dealers default to a spot about 1.8 km away.
CUSTOMER = (52.5200, 13.4050)
NEARBY = (52.5300, 13.3850)


def dealer(code: str = "D-1", **overrides) -> DealerProfile:
    """An active tractor store near the default customer, unlimited capacity."""
    fields = {
        "code": code,
        "active": True,
        "tags": frozenset({"tractors", "store"}),
        "inventory": frozenset(),
        "lat": NEARBY[0],
        "lon": NEARBY[1],
        "service_radius_km": 50.0,
        "daily_capacity": None,
    }
    if "tags" in overrides:
        overrides["tags"] = frozenset(overrides["tags"])
    if "inventory" in overrides:
        overrides["inventory"] = frozenset(overrides["inventory"])
    fields.update(overrides)
    return DealerProfile(**fields)


def lead(**overrides) -> LeadRequest:
    """A b2c pickup lead for one tractor from the default customer."""
    fields = {
        "inquiry_type": "b2c",
        "interest_category": "new",
        "delivery": "pickup",
        "lat": CUSTOMER[0],
        "lon": CUSTOMER[1],
        "product_groups": ("tractors",),
        "skus": (),
    }
    if "excluded_dealers" in overrides:
        overrides["excluded_dealers"] = frozenset(overrides["excluded_dealers"])
    fields.update(overrides)
    return LeadRequest(**fields)


def point_east_of(origin: tuple[float, float], km: float) -> tuple[float, float]:
    """A point roughly km east of origin (exact enough for tests that leave a margin)."""
    lat, lon = origin
    step = km / distance_km(lat, lon, lat, lon + 1.0)
    return lat, lon + step
