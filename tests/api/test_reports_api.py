"""Reports per dealer, region, product group and campaign against a hand-computed fixture.

The fixture is written straight into the tables, so every time and state is exactly
what the expected figures below were worked out from (by hand, in the comments).
"""

import csv
import io

import pytest

from tests.factories import make_dealer
from tests.report_fixture import build_report_fixture

pytestmark = pytest.mark.both_databases

RANGE = "from=2026-11-01&to=2026-12-01"


@pytest.fixture
def fixture_network(app):
    build_report_fixture()


def _reasons(**counts):
    return {"portfolio": 0, "capacity": 0, "location": 0, "spam": 0, "other": 0, **counts}


def _figures(offers, accepted, declined, expired, median, won, order_value, reasons):
    return {
        "offers": offers,
        "accepted": accepted,
        "declined": declined,
        "expired": expired,
        "acceptance_rate": pytest.approx(accepted / offers) if offers else 0.0,
        "median_response_seconds": pytest.approx(median, abs=0.01) if median else None,
        "won": won,
        "conversion_rate": pytest.approx(won / accepted) if accepted else 0.0,
        "order_value": pytest.approx(order_value),
        "order_currency": "EUR" if order_value else None,
        "order_values": {"EUR": pytest.approx(order_value)} if order_value else {},
        "decline_reasons": reasons,
    }


def test_dealer_report_matches_hand_computed_figures(oem, fixture_network):
    response = oem.get(f"/api/v1/reports/dealers?{RANGE}")
    assert response.status_code == 200
    assert response.json["items"] == [
        # A: declined 60 s, accepted 300 s, expired -> median 180; nothing won.
        {"dealer": "D-A", **_figures(3, 1, 1, 1, 180, 0, 0, _reasons(portfolio=1))},
        # B: 30 s, 120 s, 600 s -> median 120; won L1 and L4: 1000 + 500.50.
        {"dealer": "D-B", **_figures(3, 2, 1, 0, 120, 2, 1500.5, _reasons(capacity=1))},
    ]


def test_region_report_keys_by_country_and_two_postal_digits(oem, fixture_network):
    items = oem.get(f"/api/v1/reports/regions?{RANGE}").json["items"]
    assert items == [
        {"region": "AT-10", **_figures(1, 1, 0, 0, 600, 1, 500.5, _reasons())},
        # L1 (A declined 60 s, B accepted 120 s, won) + L2 (A accepted 300 s).
        {"region": "DE-10", **_figures(3, 2, 1, 0, 120, 1, 1000, _reasons(portfolio=1))},
        {"region": "DE-80", **_figures(2, 0, 1, 1, 30, 0, 0, _reasons(capacity=1))},
    ]


def test_product_group_report_counts_a_lead_once_per_group(oem, fixture_network):
    items = oem.get(f"/api/v1/reports/product-groups?{RANGE}").json["items"]
    assert items == [
        # L1 (2 offers), L3 (2), L4 (1): answers 60, 120, 30, 600 -> median (60 + 120) / 2.
        {
            "product_group": "mowers",
            **_figures(5, 2, 2, 1, 90, 2, 1500.5, _reasons(portfolio=1, capacity=1)),
        },
        # L1 once despite two tractor lines, plus L2.
        {"product_group": "tractors", **_figures(3, 2, 1, 0, 120, 1, 1000, _reasons(portfolio=1))},
    ]


def test_campaign_report_with_spend_shows_roi(oem, fixture_network):
    assert oem.put("/api/v1/campaigns/spring", json={"spend": 1000}).status_code == 200
    assert oem.put("/api/v1/campaigns/winter", json={"spend": 200}).status_code == 200
    items = oem.get(f"/api/v1/reports/campaigns?{RANGE}").json["items"]
    assert items == [
        # utm_campaign stands in when there is no campaign_id.
        {
            "campaign": "fall",
            **_figures(1, 1, 0, 0, 300, 0, 0, _reasons()),
            "spend": None,
            "roi": None,
        },
        # (1500.50 - 1000) / 1000
        {
            "campaign": "spring",
            **_figures(3, 2, 1, 0, 120, 2, 1500.5, _reasons(portfolio=1)),
            "spend": 1000.0,
            "roi": pytest.approx(0.5005),
        },
        # Spent, nothing came of it: (0 - 200) / 200.
        {
            "campaign": "winter",
            **_figures(0, 0, 0, 0, None, 0, 0, _reasons()),
            "spend": 200.0,
            "roi": -1.0,
        },
        # Leads without any campaign field.
        {
            "campaign": None,
            **_figures(2, 0, 1, 1, 30, 0, 0, _reasons(capacity=1)),
            "spend": None,
            "roi": None,
        },
    ]


def test_report_without_range_includes_every_offer(oem, fixture_network):
    items = oem.get("/api/v1/reports/dealers").json["items"]
    dealer_a = next(item for item in items if item["dealer"] == "D-A")
    assert (dealer_a["offers"], dealer_a["won"], dealer_a["order_value"]) == (4, 1, 9999.0)


def test_report_as_csv_has_a_header_row_of_the_field_names(oem, fixture_network):
    response = oem.get(f"/api/v1/reports/campaigns?{RANGE}&format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    header = list(rows[0].keys())
    assert header[:10] == [
        "campaign",
        "offers",
        "accepted",
        "declined",
        "expired",
        "acceptance_rate",
        "median_response_seconds",
        "won",
        "conversion_rate",
        "order_value",
    ]
    assert header[-2:] == ["spend", "roi"]
    assert "decline_reasons.portfolio" in header
    spring = next(row for row in rows if row["campaign"] == "spring")
    assert (spring["offers"], spring["won"], spring["order_value"]) == ("3", "2", "1500.5")


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/api/v1/reports/dealers?from=2026-13-01", 422, "from"),
        ("/api/v1/reports/regions?from=2026-11-02&to=2026-11-01", 422, "to"),
        ("/api/v1/reports/dealers?format=xml", 422, "format"),
        ("/api/v1/reports/weather", 404, "grouping"),
    ],
)
def test_bad_report_requests_name_the_field(oem, url, status, field):
    response = oem.get(url)
    assert response.status_code == status
    assert field in response.json["errors"]


@pytest.mark.parametrize("body", [{"spend": -1}, {"spend": "lots"}, {"spend": True}, {}])
def test_bad_spend_is_refused_and_stores_nothing(oem, body):
    response = oem.put("/api/v1/campaigns/spring", json=body)
    assert response.status_code == 422
    assert "spend" in response.json["errors"]
    assert oem.get("/api/v1/reports/campaigns").json["items"] == []


def test_reports_are_for_coordinators_only(app, dealer_api):
    make_dealer("D-A")
    assert dealer_api("D-A").get("/api/v1/reports/dealers").status_code == 403


def test_amounts_in_different_currencies_are_summed_apart_never_together(oem, fixture_network):
    """A Swiss dealer wins 900 CHF beside D-B's 1500.50 EUR: each dealer keeps its currency;
    a total over both names each currency and gives no single sum."""
    from decimal import Decimal

    from app.extensions import db
    from app.models import Lead
    from app.services.report_facts import refresh_leads

    lead = db.session.scalars(db.select(Lead).where(Lead.order_value == Decimal("500.50"))).one()
    lead.order_value, lead.order_currency = Decimal("900.00"), "CHF"
    make_dealer("D-ZRH", country="CH", postal_code=None)  # the network now has CHF too
    refresh_leads([lead.id])
    db.session.commit()
    by_dealer = {
        item["dealer"]: item for item in oem.get(f"/api/v1/reports/dealers?{RANGE}").json["items"]
    }
    assert by_dealer["D-B"]["order_values"] == {"CHF": 900.0, "EUR": 1000.0}
    assert (by_dealer["D-B"]["order_value"], by_dealer["D-B"]["order_currency"]) == (None, None)
    regions = {
        item["region"]: item for item in oem.get(f"/api/v1/reports/regions?{RANGE}").json["items"]
    }
    assert (regions["AT-10"]["order_value"], regions["AT-10"]["order_currency"]) == (900.0, "CHF")
    campaigns = oem.get(f"/api/v1/reports/campaigns?{RANGE}").json["items"]
    spring = next(item for item in campaigns if item["campaign"] == "spring")
    assert spring["order_values"] == {"CHF": 900.0, "EUR": 1000.0} and spring["roi"] is None
    exported = oem.get(f"/api/v1/reports/dealers?{RANGE}&format=csv").get_data(as_text=True)
    row = next(r for r in csv.DictReader(io.StringIO(exported)) if r["dealer"] == "D-B")
    assert (row["order_value"], row["order_values"]) == ("", "CHF 900.00; EUR 1000.00")
