"""Every console page in Debian's Chromium at 1366×768: axe finds no violations.

`CONSOLE_PAGES` is the one list of console pages and how a coordinator reaches each. Two
checks keep it whole: every GET endpoint of the console blueprint and every page template
in templates/console/ must be named by an entry (or be exempt below, with the reason), so a
new page without an axe check fails `test_every_console_page_has_an_axe_check`. The browser
test then checks that the page opened really was rendered by that endpoint and template.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import request, template_rendered

from app.services import forms, interest_routes, review_rules
from app.services.intake import create_lead
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import sign_in_coordinator
from tests.factories import lead_body

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("RELAY_SCREENSHOTS", "/tmp/leadrelay-shots"))
REVIEW_CAMPAIGN = "a11y-review-only"

# GET endpoints that are no page of their own, and why.
NOT_PAGES = {
    "console.export_dealers": "a CSV download",
    "console.export_report_table": "a CSV download",
    "console.reports_home": "a redirect to the dealer report",
}


@dataclass
class Desk:
    """What the pages need: a dealer, a routed lead, a held lead, a form, a route."""

    live_server: object
    dealer: str = ""
    lead: str = ""
    made: dict = field(default_factory=dict)

    def _once(self, name: str, make: Callable[[], object]):
        """What `make` returns, made once per test inside the live server's app context."""
        if name not in self.made:
            self.made[name] = self.live_server.query(make)
        return self.made[name]

    def held_lead(self) -> str:
        """A lead waiting in review (a campaign rule holds it; the rule is removed after)."""

        def hold():
            rule = review_rules.create_rule(
                {"kind": "campaign", "value": REVIEW_CAMPAIGN, "name": "a11y hold"}
            )
            try:
                body = lead_body(
                    custom_fields={"campaign_id": REVIEW_CAMPAIGN},
                    preferred_seller={"dealer": self.dealer, "contact": None},
                )
                return create_lead(body, source="api").id
            finally:
                review_rules.delete_rule(rule.id)

        return self._once("held", hold)

    def form_id(self) -> int:
        """A form of this desk."""
        origins = ["https://brand.example"]
        return self._once(
            "form",
            lambda: (
                forms.create_form({"name": f"a11y {self.dealer}", "allowed_origins": origins}).id
            ),
        )

    def route_id(self) -> int:
        """A `used` route to this desk's dealer (removed when the test ends)."""
        route = {"category": "used", "dealer_codes": [self.dealer]}
        return self._once("route", lambda: interest_routes.create_route(route).id)

    def clean_up(self) -> None:
        """Remove the route, so that other tests route over the whole network again."""
        if "route" in self.made:
            self.live_server.query(lambda: interest_routes.delete_route(self.made["route"]))


@dataclass(frozen=True)
class ConsolePage:
    """A console page: the endpoint and template that render it, and how to open it."""

    name: str
    endpoint: str
    template: str
    open: Callable[[object, str, Desk], None]


def _goto(path: str | Callable[[Desk], str]):
    def open_page(page, base: str, desk: Desk) -> None:
        page.goto(base + (path(desk) if callable(path) else path))

    return open_page


def _search_picker(page, base: str, desk: Desk) -> None:
    page.goto(f"{base}/console/leads/{desk.lead}")
    with page.expect_response(lambda response: "/picker" in response.url):
        page.get_by_label("Find a dealer by name, code or town").fill(desk.dealer.lower())
    page.locator("#dealer-picker").get_by_text(desk.dealer).first.wait_for()


def _confirm_reject(page, base: str, desk: Desk) -> None:
    page.goto(f"{base}/console/leads/{desk.held_lead()}")
    page.get_by_label("Reason").select_option("test")
    page.get_by_role("button", name="Reject lead…").click()
    page.get_by_role("heading", name="Reject this lead?").wait_for()


def _confirm_route_removal(page, base: str, desk: Desk) -> None:
    route = desk.route_id()
    page.goto(f"{base}/console/routes")
    page.locator(f"form[action$='/routes/{route}/delete'] button").click()
    page.get_by_role("heading", name="Remove the route for “used”?").wait_for()


def _route_effect(page, base: str, desk: Desk) -> None:
    page.goto(f"{base}/console/routes")
    adding = page.get_by_role("region", name="Add a route")
    adding.get_by_label("Interest category").fill("used")
    adding.get_by_label("Dealers").fill(desk.dealer.lower())
    page.get_by_role("button", name="Check the effect of this route").click()
    page.get_by_text("Before you save").wait_for()


def _lead_import_dry_run(page, base: str, desk: Desk) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    csv_file = SHOTS / "a11y-leads.csv"
    csv_file.write_text(
        "first_name,last_name,email,phone,postal_code,product_group\n"
        "Eva,Ng,eva@example.com,,10117,tractors\n"
        "Tom,Lenz,,call me maybe,10117,tractors\n",
        encoding="utf-8",
    )
    page.goto(f"{base}/console/leads/import")
    page.get_by_label("Leads CSV").set_input_files(str(csv_file))
    page.get_by_role("button", name="Check (dry run)").click()
    page.get_by_role("region", name="Rows with errors").wait_for()


def _user_detail(page, base: str, desk: Desk) -> None:
    page.goto(f"{base}/console/users?q={desk.dealer}")
    page.get_by_role("link", name=desk.made["email"]).click()
    page.get_by_role("heading", name=desk.made["email"]).wait_for()


CONSOLE_PAGES = [
    ConsolePage("board", "console.lead_board", "console/board.html", _goto("/console")),
    ConsolePage(
        "board-filtered",
        "console.lead_board",
        "console/board.html",
        _goto("/console?status=offered&campaign=spring-26"),
    ),
    ConsolePage(
        "lead",
        "console.lead_detail",
        "console/lead.html",
        _goto(lambda desk: f"/console/leads/{desk.lead}"),
    ),
    ConsolePage("lead-picker", "console.pick_dealer", "console/_picker.html", _search_picker),
    ConsolePage(
        "lead-in-review",
        "console.lead_detail",
        "console/lead.html",
        _goto(lambda desk: f"/console/leads/{desk.held_lead()}"),
    ),
    ConsolePage(
        "reject-confirmation", "console.reject_lead", "console/confirm_reject.html", _confirm_reject
    ),
    ConsolePage("review", "console.review_queue", "console/review.html", _goto("/console/review")),
    ConsolePage(
        "lead-import",
        "console.import_leads",
        "console/lead_import.html",
        _goto("/console/leads/import"),
    ),
    ConsolePage(
        "lead-import-dry-run",
        "console.import_leads",
        "console/lead_import.html",
        _lead_import_dry_run,
    ),
    ConsolePage(
        "questions", "console.list_questions", "console/questions.html", _goto("/console/questions")
    ),
    ConsolePage(
        "dealers", "console.list_dealers", "console/dealers.html", _goto("/console/dealers")
    ),
    ConsolePage(
        "dealer-new",
        "console.create_dealer",
        "console/dealer_form.html",
        _goto("/console/dealers/new"),
    ),
    ConsolePage(
        "dealer-edit",
        "console.edit_dealer",
        "console/dealer_form.html",
        _goto(lambda desk: f"/console/dealers/{desk.dealer}"),
    ),
    ConsolePage(
        "dealer-import",
        "console.import_dealers",
        "console/dealer_import.html",
        _goto("/console/dealers/import"),
    ),
    ConsolePage(
        "deliveries",
        "console.list_deliveries",
        "console/deliveries.html",
        _goto(lambda desk: f"/console/deliveries?dealer={desk.dealer}"),
    ),
    ConsolePage("routes", "console.list_routes", "console/routes.html", _goto("/console/routes")),
    ConsolePage("route-effect", "console.list_routes", "console/routes.html", _route_effect),
    ConsolePage(
        "route-removal-confirmation",
        "console.delete_route",
        "console/confirm_route_delete.html",
        _confirm_route_removal,
    ),
    ConsolePage(
        "routing-preview",
        "console.preview_routing",
        "console/routes.html",
        _goto("/console/routes/preview?postal_code=10117&country=DE&product_group=tractors"),
    ),
    ConsolePage("users", "console.list_users", "console/users.html", _goto("/console/users")),
    ConsolePage("user", "console.user_detail", "console/user.html", _user_detail),
    ConsolePage("forms", "console.list_forms", "console/forms.html", _goto("/console/forms")),
    ConsolePage(
        "form-edit",
        "console.edit_form",
        "console/form_edit.html",
        _goto(lambda desk: f"/console/forms/{desk.form_id()}"),
    ),
    ConsolePage(
        "catalog", "console.show_catalog", "console/catalog.html", _goto("/console/catalog")
    ),
    ConsolePage("audit", "console.audit_log", "console/audit.html", _goto("/console/audit")),
    ConsolePage(
        "report", "console.show_report", "console/reports.html", _goto("/console/reports/dealers")
    ),
    ConsolePage(
        "settings", "console.settings", "console/settings.html", _goto("/console/settings")
    ),
]


def test_every_console_page_has_an_axe_check(app):
    """A console GET endpoint or page template that no entry opens is a page axe never saw."""
    get_endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("console.") and "GET" in rule.methods
    }
    checked_endpoints = {entry.endpoint for entry in CONSOLE_PAGES}
    assert sorted(get_endpoints - checked_endpoints - set(NOT_PAGES)) == []
    assert sorted(set(NOT_PAGES) - get_endpoints) == [], "exempt endpoints that no longer exist"
    page_templates = {
        f"console/{path.name}"
        for path in (ROOT / "templates" / "console").glob("*.html")
        if not path.name.startswith("_")
    }
    assert sorted(page_templates - {entry.template for entry in CONSOLE_PAGES}) == []


@pytest.fixture
def desk(live_server):
    """A dealer with a user and one lead routed to it; what else a page needs, on demand."""
    code, email = live_server.dealer_with_user()
    desk = Desk(live_server=live_server, dealer=code, lead=live_server.lead_for(code))
    desk.made["email"] = email
    yield desk
    desk.clean_up()


@pytest.fixture
def rendered(live_server):
    """(endpoint, template) of every template the live server renders during the test."""
    seen: list[tuple[str, str]] = []

    def record(sender, template, context, **extra):
        seen.append((request.endpoint, template.name))

    template_rendered.connect(record, live_server.app)
    yield seen
    template_rendered.disconnect(record, live_server.app)


@pytest.mark.parametrize("entry", CONSOLE_PAGES, ids=lambda entry: entry.name)
def test_console_page_has_no_axe_violations(desktop_page, live_server, desk, rendered, entry):
    sign_in_coordinator(desktop_page, live_server, live_server.coordinator())
    rendered.clear()
    entry.open(desktop_page, live_server.url, desk)
    desktop_page.wait_for_load_state("load")
    assert (entry.endpoint, entry.template) in rendered
    SHOTS.mkdir(parents=True, exist_ok=True)
    desktop_page.evaluate("window.scrollTo(0, 0)")  # a full-page shot from the top
    desktop_page.screenshot(path=str(SHOTS / f"a11y-{entry.name}-1366.png"), full_page=True)
    assert_no_axe_violations(desktop_page)
