"""Screenshots of every dealer screen at 390×844, for docs/screenshots/ (and for looking).

    .venv/bin/python -m tests.browser.take_screenshots [OUT_DIR] [en|de]

German screenshots are named NAME-de.png.

Starts the app on a temporary database, fills it with a small believable set of leads,
signs in as a dealer manager and saves one PNG per screen.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from app.extensions import db
from app.models import User
from app.services import notes, offers, questions, stages
from app.services.users import create_user
from tests.browser.chromium import launch_phone
from tests.browser.conftest import PASSWORD, serve_app

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

CUSTOMERS = [
    ("Eva", "Ng", "TR-500", "tractors", "Looking for a compact tractor for our orchard."),
    ("Jonas", "Berger", "MW-45", "mowers", "Need a ride-on mower before May, can pick it up."),
    ("Aylin", "Demir", "CS-35", "chainsaws", "Two chainsaws for our forestry team."),
    ("Tom", "Keller", "UT-4", "utility", "Utility vehicle for a vineyard, test drive first."),
    ("Mia", "Wolf", "MW-20", "mowers", "Robot mower for a 1,200 m² garden."),
    ("Lars", "Becker", "TR-700", "tractors", "Replacing a 20-year-old tractor."),
]


def _fill(server, code: str, email: str) -> dict[str, str]:
    """Leads in every state the inbox shows; returns the ids the screenshots open."""
    ids = []
    for number, (first, last, sku, group, message) in enumerate(CUSTOMERS):
        customer = {
            "first_name": first,
            "last_name": last,
            "email": f"{first.lower()}@example.com",
            "phone": f"+49 30 55501{number:02d}",
            "company": None,
        }
        items = [
            {
                "sku": sku,
                "product_group": group,
                "interest_type": "buy" if number % 2 == 0 else "test_drive",
                "item_type": "vehicle",
                "quantity": 1,
            }
        ]
        postal = ["10117", "10405", "12043", "13353", "10999", "14050"][number]
        fields = {"campaign_id": "spring-26", "utm_source": "newsletter", "utm_medium": "email"}
        ids.append(
            server.lead_for(
                code,
                customer=customer,
                line_items=items,
                message=message,
                postal_code=postal,
                custom_fields=fields,
            )
        )

    def progress():
        user = db.session.query(User).filter_by(email=email).one()
        for lead_id, stage in zip(
            ids[2:], ("contacted", "appointment", "won", "lost"), strict=True
        ):
            offers.accept_offer(lead_id, user)
            if stage == "won":
                stages.change_stage(lead_id, user, "contacted")
                stages.change_stage(lead_id, user, "won", "24500")
            elif stage == "lost":
                stages.change_stage(
                    lead_id, user, stage, "", "Found it 8 % cheaper elsewhere.", lost_reason="price"
                )
            else:
                stages.change_stage(lead_id, user, stage)
        notes.add_note(ids[3], user, "Prefers a call after 5 pm; the old UT-2 is for trade-in.")
        question = questions.ask_question(
            ids[3], user, "Is the UT-4 demo unit free for a test drive on Saturday?"
        )
        coordinator = create_user("oem.shots@example.com", "coordinator", password=PASSWORD)
        questions.answer_question(
            question.id, coordinator, "Yes: it is at the Potsdam hub, we bring it to you on Friday."
        )
        questions.ask_question(ids[3], user, "Can we offer the spring campaign price as well?")

    server.query(progress)
    return {"pending": ids[0], "owned": ids[3], "lost": ids[5]}


# What the script types and taps, per language.
WORDS = {
    "en": {
        "locale": "en-GB",
        "email": "Email",
        "password": "Password",
        "sign_in": "Sign in",
        "decline": "Decline…",
        "accept": "Accept lead",
        "won": "Won",
        "save_stage": "Save stage",
        "two_way": "1,250",
    },
    "de": {
        "locale": "de-DE",
        "email": "E-Mail",
        "password": "Passwort",
        "sign_in": "Anmelden",
        "decline": "Ablehnen …",
        "accept": "Lead annehmen",
        "won": "Gewonnen",
        "save_stage": "Phase speichern",
        "two_way": "12.500",
    },
}


def take(out: Path, language: str = "en") -> list[Path]:
    """Save the screenshots into out (German ones as NAME-de.png); returns their paths."""
    words = WORDS[language]
    suffix = "" if language == "en" else f"-{language}"
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory() as folder, serve_app(Path(folder)) as server:
        code, email = server.dealer_with_user(
            "dealer_manager",
            name="Landtechnik Berlin Mitte",
            tags=["tractors", "mowers", "chainsaws", "utility", "store", "b2b"],
            inventory=["TR-500", "MW-45", "CS-35"],
        )
        ids = _fill(server, code, email)
        with sync_playwright() as playwright:
            context = launch_phone(playwright, Path(folder) / "profile", words["locale"])
            page = context.new_page()

            def shot(name: str, full_page: bool = False) -> None:
                page.wait_for_load_state("networkidle")
                path = out / f"{name}{suffix}.png"
                page.screenshot(path=str(path), full_page=full_page)
                saved.append(path)

            page.goto(f"{server.url}/login")
            shot("login")
            page.get_by_label(words["email"]).fill(email)
            page.get_by_label(words["password"]).fill(PASSWORD)
            page.get_by_role("button", name=words["sign_in"]).click()
            page.wait_for_url(f"{server.url}/inbox")
            shot("inbox")
            page.goto(f"{server.url}/inbox?q=keller")
            shot("inbox-search")
            page.goto(f"{server.url}/inbox/leads/{ids['pending']}")
            shot("lead-offered")
            page.get_by_role("link", name=words["decline"]).click()
            page.wait_for_selector("dialog[open]")
            shot("decline-sheet")
            page.goto(f"{server.url}/inbox/leads/{ids['pending']}")
            context.set_offline(True)
            page.get_by_role("button", name=words["accept"]).click()
            page.locator("#offline-notice").wait_for(state="visible")
            page.screenshot(path=str(out / f"offline-tap{suffix}.png"))
            saved.append(out / f"offline-tap{suffix}.png")
            context.set_offline(False)
            page.goto(f"{server.url}/inbox/leads/{ids['owned']}")
            shot("lead-owned")
            page.locator("#stage details").evaluate("(details) => { details.open = true; }")
            page.locator("#stage").scroll_into_view_if_needed()
            shot("lead-stage")
            # An amount that reads two ways: previewed as typed, then asked about on saving.
            page.locator("#stage").get_by_text(words["won"], exact=True).click()
            page.locator("#order_value").fill(words["two_way"])
            page.locator("#amount-preview:not(:empty)").wait_for()
            page.locator("#order_value").scroll_into_view_if_needed()
            shot("lead-amount-preview")
            page.locator("#stage").get_by_role("button", name=words["save_stage"]).click()
            page.locator(".amount-confirm").wait_for()
            page.locator(".amount-confirm").scroll_into_view_if_needed()
            shot("lead-amount-confirm")
            lead_page = f"/inbox/leads/{ids['owned']}"
            for path, card, name in (
                (lead_page, "notes", "lead-notes"),
                (lead_page, "questions", "lead-questions"),
                (f"/inbox/leads/{ids['lost']}", None, "lead-lost"),
                ("/inbox/settings", None, "settings"),
                ("/inbox/settings", "password", "settings-password"),
                ("/inbox/settings", "absence", "settings-absence"),
                ("/inbox/settings", "capacity", "settings-more"),
            ):
                page.goto(f"{server.url}{path}")
                if card:
                    page.locator(f"#{card}").scroll_into_view_if_needed()
                shot(name)
            page.goto(f"{server.url}/offline")
            shot("offline")
            if language != "en":  # the console speaks English only
                context.close()
                return saved
            context.clear_cookies()
            page.goto(f"{server.url}/login")
            page.get_by_label("Email").fill("oem.shots@example.com")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{server.url}/console")
            page.goto(f"{server.url}/console/questions")
            shot("console-questions")
            context.close()
    return saved


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    for path in take(folder, sys.argv[2] if len(sys.argv) > 2 else "en"):
        print(f"{path}  {path.stat().st_size // 1024} KB")
