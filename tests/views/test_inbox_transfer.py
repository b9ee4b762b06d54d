"""The inbox's first load stays small: compressed HTML, CSS and JS under 40 KB in all."""

import re

import pytest

from app.services.users import create_user
from tests.factories import lead_body, make_dealer

BUDGET_BYTES = 40 * 1024


@pytest.fixture
def signed_in(auth, oem):
    make_dealer("D-BER-1", name="Autohaus Mitte")
    create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")
    for number in range(5):
        oem.post("/api/v1/leads", json=lead_body(message=f"Lead {number}"))
    auth.login("sales@example.com")


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_inbox_first_load_fits_the_budget(client, signed_in, encoding):
    headers = {"Accept-Encoding": encoding}
    page = client.get("/inbox", headers=headers)
    assert page.headers["Content-Encoding"] == encoding
    assert {"HX-Request", "Accept-Encoding"} <= set(page.vary)
    html = client.get("/inbox").get_data(as_text=True)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+|/manifest\.webmanifest)"', html)
    assert "/static/htmx.min.js" in assets and "/static/css/app.css" in assets
    total = len(page.get_data())
    sizes = {}
    for url in assets:
        with client.get(url, headers=headers) as response:
            assert response.status_code == 200, url
            body = response.get_data()
        sizes[url] = len(body)
        total += len(body)
    with client.get("/sw.js", headers=headers) as response:
        sizes["/sw.js"] = len(response.get_data())
    total += sizes["/sw.js"]
    assert total < BUDGET_BYTES, sizes
    assert sizes["/static/htmx.min.js"] < 20 * 1024  # compressed, not the raw 52 KB
