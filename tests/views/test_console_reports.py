"""Console report pages: charts as accessible SVG, tables, CSV exports, campaign spend;
the delivery receipts on the lead page and per dealer."""

import csv
import io
import re

import pytest

from app.services.deliveries import deliver_due_deliveries
from app.services.users import create_user
from tests.conftest import csrf_token_in
from tests.factories import lead_body, make_dealer
from tests.report_fixture import build_report_fixture

RANGE = "from=2026-11-01&to=2026-12-01"


@pytest.fixture
def signed_in(client, auth, coordinator):
    auth.login("oem@example.com")
    return client


def test_reports_open_on_the_dealer_report(signed_in):
    response = signed_in.get("/console/reports")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/console/reports/dealers")


@pytest.mark.parametrize("grouping", ["dealers", "regions", "product-groups", "campaigns"])
def test_report_page_draws_charts_as_accessible_svg_with_data_tables(signed_in, grouping):
    build_report_fixture()
    html = signed_in.get(f"/console/reports/{grouping}?{RANGE}").get_data(as_text=True)
    charts = re.findall(
        r'<svg class="chart__svg"[^>]*role="img"[^>]*aria-labelledby="([^"]+)"', html
    )
    assert len(charts) == 3
    for labelled_by in charts:
        title_id, desc_id = labelled_by.split()
        assert f'<title id="{title_id}">' in html and f'<desc id="{desc_id}">' in html
    assert "Of 6 offers, 3 were accepted and 2 of those leads were won." in html
    assert html.count("Data table") == 3
    assert 'id="report-table"' in html
    assert "<script>" not in html.split("</head>")[1]  # nothing inline in the body


def test_dealer_report_page_shows_the_figures(signed_in):
    build_report_fixture()
    html = signed_in.get(f"/console/reports/dealers?{RANGE}").get_data(as_text=True)
    html = html[html.index('id="report-table"') :]
    row = re.search(r'<th scope="row">D-B</th>(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    # offers, accepted, declined, expired, acceptance, median, won, conversion, order value
    assert cells == ["3", "2", "1", "0", "67%", "2 min", "2", "100%", "1,500.50 EUR"]


@pytest.mark.parametrize(
    ("table", "header"),
    [
        ("figures", "dealer,offers,accepted,declined,expired,acceptance_rate"),
        ("decline-reasons", "dealer,portfolio,capacity,location,spam,other"),
        ("response-times", "bucket,answers"),
        ("funnel", "step,count"),
    ],
)
def test_every_report_table_exports_as_csv(signed_in, table, header):
    build_report_fixture()
    response = signed_in.get(f"/console/reports/dealers/{table}.csv?{RANGE}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith(header)
    assert len(list(csv.reader(io.StringIO(text)))) > 1


def test_long_report_tables_show_the_busiest_groups_and_the_csv_has_all(signed_in, monkeypatch):
    from app.console import reports as report_pages

    build_report_fixture()
    monkeypatch.setattr(report_pages, "TABLE_ROWS", 1)
    html = signed_in.get(f"/console/reports/campaigns?{RANGE}").get_data(as_text=True)
    table = html[html.index('id="report-table"') :]
    table = table[: table.index("</table>")]
    # In November: spring 3 offers (L1 twice, L4), no campaign 2 (L3), fall 1 (L2).
    assert re.findall(r'<th scope="row">([^<]*)</th>', table) == ["spring"]
    assert "Showing the 1 campaigns with the most offers; the CSV export has all 3." in html
    exported = signed_in.get(f"/console/reports/campaigns/figures.csv?{RANGE}")
    assert len(list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))) == 3


def test_campaign_spend_entered_on_the_page_shows_roi(signed_in):
    build_report_fixture()
    page = signed_in.get(f"/console/reports/campaigns?{RANGE}").get_data(as_text=True)
    response = signed_in.post(
        f"/console/reports/campaigns/spend?{RANGE}",
        data={"campaign": "spring", "spend": "1000", "csrf_token": csrf_token_in(page)},
    )
    assert response.status_code == 302
    html = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    html = html[html.index('id="report-table"') :]
    row = re.search(r'<th scope="row">spring</th>(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row)[-2:] == ["1,000.00", "+50%"]


def test_bad_spend_is_refused_with_the_field_named(signed_in):
    page = signed_in.get("/console/reports/campaigns").get_data(as_text=True)
    response = signed_in.post(
        "/console/reports/campaigns/spend",
        data={"campaign": "spring", "spend": "a lot", "csrf_token": csrf_token_in(page)},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="spend-error"' in html and 'value="spring"' in html
    assert "spring" not in signed_in.get("/api/v1/reports/campaigns").get_data(as_text=True)


def test_bad_dates_are_explained_not_a_server_error(signed_in):
    response = signed_in.get("/console/reports/regions?from=yesterday&to=2000-01-01")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="from-error"' in html and 'id="to-error"' in html


def test_unknown_report_is_404(signed_in):
    assert signed_in.get("/console/reports/weather").status_code == 404
    assert signed_in.get("/console/reports/dealers/secrets.csv").status_code == 404


def test_dealers_cannot_open_reports(client, auth):
    make_dealer("D-A")
    create_user("sales@example.com", "salesperson", "D-A", "password-123")
    auth.login("sales@example.com")
    assert client.get("/console/reports/dealers").status_code in (302, 403)


def test_lead_page_lists_its_deliveries(signed_in, oem, client, clock):
    make_dealer("D-BER-1")
    oem.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/nobody", "events": ["lead.created"], "secret": "s" * 20},
    )
    lead = oem.post("/api/v1/leads", json=lead_body()).json
    deliver_due_deliveries(clock.now)  # nobody listens on port 9: retried later
    html = signed_in.get(f"/console/leads/{lead['id']}").get_data(as_text=True)
    section = html[html.index('id="deliveries"') :]
    assert "lead.created" in section
    assert "Webhook: http://127.0.0.1:9/nobody" in section
    assert "Retrying" in section and "ConnectionError" in section


def test_dealer_email_delivery_is_set_on_the_deliveries_page(signed_in):
    make_dealer("D-BER-1")
    page = signed_in.get("/console/deliveries?dealer=D-BER-1").get_data(as_text=True)
    assert "Accepted leads are not e-mailed to this dealer." in page
    response = signed_in.post(
        "/console/deliveries/dealers/D-BER-1/email",
        data={
            "email": "crm@autohaus.example",
            "format": "adf",
            "active": "y",
            "csrf_token": csrf_token_in(page),
        },
    )
    assert response.status_code == 302
    html = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "go to crm@autohaus.example as ADF/XML" in html
    bad = signed_in.post(
        "/console/deliveries/dealers/D-BER-1/email",
        data={"email": "nope", "format": "text", "csrf_token": csrf_token_in(page)},
    )
    assert bad.status_code == 422 and 'id="email-error"' in bad.get_data(as_text=True)


def test_unknown_dealer_code_on_the_deliveries_page_is_explained(signed_in):
    html = signed_in.get("/console/deliveries?dealer=NOPE").get_data(as_text=True)
    assert "No dealer has the code NOPE." in html
