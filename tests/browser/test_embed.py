"""The embedded form in a real browser at 390×844: a brand page on another port embeds the
script tag, a customer fills the form (B2C, then B2B), the lead arrives routed with the
host page's UTM fields; a page from an origin the form does not allow cannot frame it."""

from __future__ import annotations

import itertools
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Lead
from app.services.catalog import save_product
from app.services.forms import create_form
from tests.browser.axe import assert_no_axe_violations

_names = itertools.count(1)


def host_page(app_url: str, form_key: str) -> bytes:
    """A brand's product page with the one script tag the form needs."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Brand: compact tractors</title></head>
<body style="margin:0;font-family:sans-serif">
<h1 style="padding:0 16px">Compact tractors</h1>
<p style="padding:0 16px">Find a dealer near you:</p>
<script src="{app_url}/embed.js" data-form="{form_key}" async></script>
<footer style="padding:16px">Brand footer</footer>
</body></html>""".encode()


@contextmanager
def serve_host_page():
    """A third-party site on its own port; set `.body` to the page it serves."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802  (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(server.body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.body = b""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def brand(live_server):
    """A dealer that takes tractors (b2b too), a catalog, and a form for localhost:PORT."""
    code, _ = live_server.dealer_with_user(tags=["tractors", "mowers", "b2b", "store"])

    def make(origin: str):
        with live_server.app.app_context():
            save_product(
                {"sku": "TR-500", "name": "TR-500 compact tractor", "product_group": "tractors"}
            )
            save_product({"sku": "MW-20", "name": "MW-20 push mower", "product_group": "mowers"})
            db.session.commit()
            form = create_form({"name": "Brand site", "allowed_origins": [origin]})
            return form.public_key

    live_server.app.config["RELAY_FORM_MIN_FILL_SECONDS"] = 1
    yield code, make
    live_server.app.config.pop("RELAY_FORM_MIN_FILL_SECONDS", None)


def fill_contact(frame, email: str) -> None:
    number = next(_names)
    frame.get_by_label("First name").fill("Eva")
    frame.get_by_label("Last name").fill(f"Ng {number}")
    frame.get_by_label("E-mail", exact=True).fill(email)
    frame.get_by_label("Postal code").fill("10117")


def lead_with_email(live_server, email: str) -> Lead:
    def find():
        lead = db.session.scalar(select(Lead).where(Lead.email == email))
        _ = lead.holder, list(lead.line_items)
        db.session.expunge_all()
        return lead

    return live_server.query(find)


def test_customer_fills_the_embedded_form_and_the_lead_is_routed(page, live_server, brand):
    dealer_code, make_form = brand
    with serve_host_page() as host:
        key = make_form(f"http://localhost:{host.server_port}")
        host.body = host_page(live_server.url, key)
        url = f"http://localhost:{host.server_port}/tractors?utm_source=newsletter&utm_campaign=spring-26"
        page.goto(url)
        frame = page.frame_locator("iframe[title='Inquiry form']")
        frame.get_by_label("First name").wait_for()
        iframe = page.locator("iframe")
        # Auto-resized: the whole form shows without an inner scroll bar.
        page.wait_for_function(
            "document.querySelector('iframe').getBoundingClientRect().height > 1200"
        )

        # B2C: a compact tractor, picked up in Berlin.
        frame.get_by_label("Product").select_option("tractors")
        frame.get_by_label("Model (optional)").select_option("TR-500")
        fill_contact(frame, "eva.b2c@example.com")
        # The customer names our dealer from the nearby-dealer search (names and towns).
        frame.get_by_placeholder("Search dealers by name").fill(f"Nr. {int(dealer_code[2:])}")
        frame.locator(f"select[name=preferred_dealer] option[value='{dealer_code}']").wait_for(
            state="attached"
        )
        frame.get_by_label("Preferred dealer (optional)").select_option(dealer_code)
        frame.get_by_label("I agree").check()
        assert not frame.get_by_label("Company").is_visible()  # B2C asks no company
        page.wait_for_timeout(1100)  # a person takes longer than the minimum fill time
        frame.get_by_role("button", name="Send inquiry").click()
        status = frame.get_by_role("status")
        status.wait_for()
        assert "A dealer near you will contact you" in status.inner_text()
        assert dealer_code not in status.inner_text()

        lead = lead_with_email(live_server, "eva.b2c@example.com")
        assert lead.status == "offered" and lead.holder.code == dealer_code
        assert lead.source == "form"
        assert lead.custom_fields["utm_source"] == "newsletter"
        assert lead.custom_fields["utm_campaign"] == "spring-26"
        assert lead.custom_fields["page_url"] == url
        assert lead.line_items[0].sku == "TR-500"

        # B2B: another inquiry from the same page, for a business.
        frame.get_by_role("link", name="Send another inquiry").click()
        frame.get_by_label("For my business").check()
        frame.get_by_label("Company").fill("Hof Ng GmbH")
        frame.get_by_label("How many units").fill("4")
        frame.get_by_label("Product").select_option("mowers")
        fill_contact(frame, "eva.b2b@example.com")
        frame.get_by_label("I agree").check()
        page.wait_for_timeout(1100)
        frame.get_by_role("button", name="Send inquiry").click()
        frame.get_by_role("status").wait_for()
        lead = lead_with_email(live_server, "eva.b2b@example.com")
        assert lead.inquiry_type == "b2b" and lead.company == "Hof Ng GmbH"
        assert lead.volume_estimate == 4
        assert lead.status == "offered" and lead.holder is not None  # routed
        assert lead.custom_fields["utm_source"] == "newsletter"
        assert iframe.bounding_box()["width"] == 390


def test_a_page_from_an_origin_the_form_does_not_allow_cannot_frame_it(page, live_server, brand):
    _, make_form = brand
    key = make_form("https://brand.example")
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    with serve_host_page() as host:
        host.body = host_page(live_server.url, key)
        page.goto(f"http://localhost:{host.server_port}/")
        page.wait_for_selector("iframe")
        page.wait_for_timeout(500)
        frame = page.frame_locator("iframe")
        assert frame.locator("input[name=first_name]").count() == 0
        assert any("frame-ancestors" in text for text in refused), refused


def test_the_form_page_has_no_accessibility_violations(page, live_server, brand):
    _, make_form = brand
    key = make_form("https://brand.example")
    page.goto(f"{live_server.url}/f/{key}")
    assert_no_axe_violations(page)


def test_the_form_works_without_javascript(playwright_session, live_server, brand):
    from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, VIEWPORT

    dealer_code, make_form = brand
    key = make_form("https://brand.example")
    browser = playwright_session.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    try:
        context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False, locale="de-DE")
        page = context.new_page()
        page.goto(f"{live_server.url}/f/{key}?host=https://brand.example/p%3Futm_source%3Dprint")
        assert page.locator("html").get_attribute("lang") == "de"
        page.get_by_label("Produkt").select_option("tractors")
        page.get_by_label("Postleitzahl").fill("10117")
        page.get_by_placeholder("Händler nach Namen suchen").fill(f"Nr. {int(dealer_code[2:])}")
        page.get_by_role("button", name="Händler an meiner Postleitzahl finden").click()
        page.get_by_label("Wunschhändler (optional)").select_option(
            dealer_code
        )  # listed by the server
        page.get_by_label("Vorname").fill("Jo")
        page.get_by_label("Nachname").fill("Nojs")
        page.get_by_label("E-Mail", exact=True).fill("jo.nojs@example.com")
        page.get_by_label("Ich bin einverstanden").check()
        page.wait_for_timeout(1100)
        page.get_by_role("button", name="Anfrage senden").click()
        assert "Vielen Dank" in page.get_by_role("status").inner_text()
        lead = lead_with_email(live_server, "jo.nojs@example.com")
        assert lead.holder.code == dealer_code
        assert lead.custom_fields["utm_source"] == "print"
        context.close()
    finally:
        browser.close()
