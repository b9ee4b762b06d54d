"""Fixtures for the embedded form: a Berlin dealer, a small catalog and a form."""

import pytest

from app.extensions import db
from app.services.catalog import save_product
from app.services.forms import create_form
from tests.factories import make_dealer

BRAND = "https://brand.example"


@pytest.fixture
def network(app):
    """A Berlin store (tractors, mowers, b2b) and a catalog of two tractors and a mower."""
    make_dealer("D-BER-1", name="Landtechnik Mitte", tags=["tractors", "mowers", "b2b", "store"])
    for sku, name, group in (
        ("TR-500", "TR-500 compact tractor", "tractors"),
        ("TR-700", "TR-700 utility tractor", "tractors"),
        ("MW-20", "MW-20 push mower", "mowers"),
    ):
        save_product({"sku": sku, "name": name, "product_group": group})
    db.session.commit()


@pytest.fixture
def form(network):
    """An active form that brand.example may embed."""
    return create_form({"name": "Brand site", "allowed_origins": [BRAND]})
