"""Test data built through the real services, so stored state is always valid."""

import itertools

from app.services.dealers import save_dealer

_codes = itertools.count(1)


def dealer_body(**overrides) -> dict:
    """A dealer body as the API takes it: a Berlin store selling tractors."""
    body = {
        "name": "Autohaus Mitte",
        "tier": "dealer",
        "parent": None,
        "postal_code": "10115",
        "country": "DE",
        "lat": 52.532,
        "lon": 13.384,
        "service_radius_km": 100,
        "tags": ["tractors", "mowers", "b2b", "store"],
        "inventory": ["TR-500", "MW-20"],
        "daily_capacity": 20,
        "active": True,
    }
    body.update(overrides)
    return body


def make_dealer(code: str | None = None, **overrides):
    """Create (or replace) a dealer through the service."""
    dealer, _ = save_dealer(code or f"D-{next(_codes):04d}", dealer_body(**overrides))
    return dealer


def lead_body(**overrides) -> dict:
    """A lead body as the contract shows it (a compact tractor, pickup in Berlin)."""
    body = {
        "customer": {
            "first_name": "Eva",
            "last_name": "Ng",
            "email": "eva@example.com",
            "phone": "+49 30 1234567",
            "company": None,
        },
        "inquiry_type": "b2c",
        "interest_category": "new",
        "postal_code": "10117",
        "country": "DE",
        "lat": None,
        "lon": None,
        "delivery": "pickup",
        "message": "Looking for a compact tractor",
        "line_items": [
            {
                "sku": "TR-500",
                "product_group": "tractors",
                "interest_type": "buy",
                "item_type": "vehicle",
                "quantity": 1,
            }
        ],
        "custom_fields": {"campaign_id": "spring-26", "utm_source": "newsletter"},
        "consent": True,
    }
    body.update(overrides)
    return body


# Browsers' User-Agent headers, for devices subscribed to push (settings names them).
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
WINDOWS_EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
