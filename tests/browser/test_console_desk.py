"""The coordinator's desk in Debian's Chromium at 1366×768, with screenshots looked at:
find a lead by campaign and reassign it through the picker; answer a question that the
dealer then reads in its inbox; import a dealer CSV after a dry run."""

import re

from app.extensions import db
from app.models import Dealer, Question, User
from app.services import offers, questions
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import sign_in, sign_in_coordinator


def _shot(page, tmp_path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)


def test_coordinator_finds_a_lead_by_campaign_and_reassigns_it_with_the_picker(
    desktop_page, live_server, tmp_path
):
    page = desktop_page
    holder, _ = live_server.dealer_with_user()
    other, _ = live_server.dealer_with_user(name="Gartencenter Havel", town="Potsdam")
    campaign = f"herbst-{holder.lower()}"
    lead_id = live_server.lead_for(holder, custom_fields={"campaign_id": campaign})
    live_server.lead_for(holder, custom_fields={"campaign_id": "another-one"})
    sign_in_coordinator(page, live_server, live_server.coordinator())

    page.get_by_label("Campaign").fill(campaign)
    page.get_by_role("button", name="Show leads").click()
    page.wait_for_url(re.compile(r"campaign="))
    rows = page.locator("#lead-board tbody tr")
    assert rows.count() == 1
    assert lead_id[:8] in rows.first.inner_text()
    assert_no_axe_violations(page)
    _shot(page, tmp_path, "1-board-by-campaign")

    page.locator(f"#lead-board a[href='/console/leads/{lead_id}']").click()
    page.wait_for_url(f"{live_server.url}/console/leads/{lead_id}")
    page.get_by_label("Find a dealer by name, code or town").fill("potsdam")
    page.get_by_text("Dealers matching “potsdam”").wait_for()
    option = page.locator(f"#dealer-picker input[name=picked][value='{other}']")
    option.wait_for()
    assert "Gartencenter Havel" in page.locator("#dealer-picker").inner_text()
    assert "km" in page.locator("#dealer-picker").inner_text()
    option.check()
    assert_no_axe_violations(page)
    _shot(page, tmp_path, "2-picker")

    page.get_by_role("button", name="Offer to this dealer").click()
    try:
        page.get_by_text(f"Offered to {other}.").wait_for()
    finally:
        _shot(page, tmp_path, "3-reassigned")
    _shot(page, tmp_path, "3-reassigned")
    lead = live_server.lead(lead_id)
    assert lead.holder_dealer_id is not None
    holder_code = live_server.query(lambda: db.session.get(Dealer, lead.holder_dealer_id).code)
    assert holder_code == other
    assert "Assigned by hand to Gartencenter Havel" in page.locator(".timeline").inner_text()


def test_coordinator_answers_a_question_and_the_dealer_reads_it(
    desktop_page, page, live_server, tmp_path
):
    code, dealer_email = live_server.dealer_with_user()
    lead_id = live_server.lead_for(code)

    def ask():
        user = db.session.scalar(db.select(User).where(User.email == dealer_email))
        offers.accept_offer(lead_id, user)
        return questions.ask_question(lead_id, user, "Can the customer trade in an old mower?").id

    question_id = live_server.query(ask)
    coordinator = desktop_page
    sign_in_coordinator(coordinator, live_server, live_server.coordinator())
    coordinator.goto(f"{live_server.url}/console/questions")
    answer_box = coordinator.locator(f"#answer-{question_id}")
    answer_box.fill("Yes: up to 2,000 EUR, ask for the form.")
    coordinator.locator(f"#question-{question_id}").get_by_role(
        "button", name="Send answer"
    ).click()
    coordinator.get_by_text("Answer sent to").wait_for()
    _shot(coordinator, tmp_path, "4-answered")
    assert live_server.query(lambda: db.session.get(Question, question_id).answer).startswith("Yes")

    sign_in(page, live_server, dealer_email)
    page.goto(f"{live_server.url}/inbox/leads/{lead_id}")
    page.get_by_text("Yes: up to 2,000 EUR, ask for the form.").wait_for()
    page.screenshot(path=str(tmp_path / "5-dealer-reads-answer.png"), full_page=True)


def test_coordinator_imports_a_dealer_csv_after_a_dry_run(desktop_page, live_server, tmp_path):
    page = desktop_page
    existing, _ = live_server.dealer_with_user(daily_capacity=20)
    new_code = f"N-{existing}"
    csv_file = tmp_path / "dealers.csv"
    csv_file.write_text(
        "code,name,postal_code,town,country,tags,daily_capacity\n"
        f"{existing},Landtechnik umbenannt,10115,Berlin,DE,tractors|store,35\n"
        f"{new_code},Neuer Händler,80331,München,DE,mowers|store,10\n",
        encoding="utf-8",
    )
    sign_in_coordinator(page, live_server, live_server.coordinator())
    page.goto(f"{live_server.url}/console/dealers")
    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("Dealer CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Check the file").click()
    apply = page.get_by_role("button", name="Apply: 1 new, 1 changed")
    apply.wait_for()
    assert "daily_capacity" in page.locator("table").inner_text()
    assert_no_axe_violations(page)
    _shot(page, tmp_path, "6-import-dry-run")
    capacity = live_server.query(
        lambda: db.session.scalar(db.select(Dealer.daily_capacity).where(Dealer.code == existing))
    )
    assert capacity == 20  # the dry run stored nothing

    apply.click()
    page.get_by_text("Imported: 1 created, 1 updated").wait_for()
    _shot(page, tmp_path, "7-imported")
    capacity, town = live_server.query(
        lambda: db.session.execute(
            db.select(Dealer.daily_capacity, Dealer.town).where(Dealer.code == existing)
        ).one()
    )
    assert (capacity, town) == (35, "Berlin")
    assert (
        live_server.query(
            lambda: db.session.scalar(db.select(Dealer.name).where(Dealer.code == new_code))
        )
        == "Neuer Händler"
    )
