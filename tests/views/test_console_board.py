"""Console board: filters, search, keyset pages, columns, and the polling partial."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Lead, User
from app.services import board
from app.services.errors import ValidationFailed
from app.services.intake import create_lead
from app.services.offers import accept_offer
from app.services.stages import change_stage
from app.services.users import create_user
from tests.factories import lead_body, make_dealer


@pytest.fixture
def signed_in(auth, coordinator):
    auth.login("oem@example.com")
    return coordinator


def _lead(**overrides) -> Lead:
    return create_lead(lead_body(**overrides))


def _customer(first, last, email, phone="+49 30 1234567"):
    return {"first_name": first, "last_name": last, "email": email, "phone": phone}


def test_board_filters_by_campaign_region_group_and_dealer(app, clock):
    make_dealer("D-BER-1")
    make_dealer("D-M-1", lat=48.137, lon=11.575, postal_code="80331")
    spring = _lead(custom_fields={"campaign_id": "spring-26"})
    autumn = _lead(custom_fields={"utm_campaign": "autumn-26"}, postal_code="80331")
    mowers = _lead(
        line_items=[{"product_group": "mowers", "sku": "MW-20", "quantity": 1}],
        custom_fields={},
    )

    def ids(**args):
        page = board.board_page(board.BoardFilters.from_args(args))
        return {row.lead.id for row in page.rows}

    assert ids(campaign="spring-26") == {spring.id}
    assert ids(campaign="autumn-26") == {autumn.id}
    assert ids(country="DE", postal_prefix="803") == {autumn.id}
    assert ids(product_group="mowers") == {mowers.id}
    assert ids(dealer="d-m-1") == {autumn.id}  # codes are not case-sensitive
    assert ids(dealer="NOPE") == set()
    assert ids(status="offered") == {spring.id, autumn.id, mowers.id}
    assert ids(status="unassigned") == set()


def test_board_search_by_name_email_phone_and_id(app, clock):
    make_dealer("D-BER-1")
    eva = _lead(customer=_customer("Eva", "Ng", "Eva.Ng@Example.com", "+4930111222"))
    jonas = _lead(customer=_customer("Jonas", "Berger", "jonas@example.com", "+4930999888"))

    def found(text):
        return {
            row.lead.id for row in board.board_page(board.BoardFilters.from_args({"q": text})).rows
        }

    assert found("eva") == {eva.id}
    assert found("BERG") == {jonas.id}
    assert found("Eva Ng") == {eva.id}
    assert found("eva.ng@example.com") == {eva.id}
    assert found("+49 30 999888") == {jonas.id}
    assert found(jonas.id[:8]) == {jonas.id}
    assert found("100%_") == set()


def test_board_pages_by_keyset_without_a_row_cap(app, clock):
    make_dealer("D-BER-1")
    created = []
    for _ in range(7):
        clock.advance(minutes=1)
        created.append(_lead().id)
    seen, cursor = [], None
    while True:
        page = board.board_page(board.BoardFilters(), cursor, limit=3)
        seen.extend(row.lead.id for row in page.rows)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == list(reversed(created))
    assert page.counts["offered"] == 7


def _every_page(filters, limit: int) -> list[str]:
    """Lead ids in the order the board's pages show them, following next_cursor to the end."""
    seen, cursor = [], None
    while True:
        page = board.board_page(filters, cursor, limit=limit)
        seen.extend(row.lead.id for row in page.rows)
        cursor = page.next_cursor
        if cursor is None:
            return seen


@pytest.mark.both_databases
def test_board_keyset_shows_each_lead_once_with_shared_times_and_microseconds(app, clock):
    """PostgreSQL keeps microseconds and compares (updated_at, id) as a row: the cursor must
    carry both exactly, or leads sharing a time (or a second) are skipped or shown twice."""
    make_dealer("D-BER-1")
    for index in range(10):
        if index % 3 == 0:  # three or four leads share each instant; instants differ by 1 µs
            clock.advance(microseconds=1)
        _lead()
    stored = db.session.execute(select(Lead.updated_at, Lead.id)).all()
    newest_first = [lead_id for _, lead_id in sorted(stored, reverse=True)]
    for limit in (1, 2, 3, 4):
        assert _every_page(board.BoardFilters(), limit) == newest_first
    offered = board.BoardFilters.from_args({"status": "offered", "campaign": "spring-26"})
    assert _every_page(offered, 3) == newest_first


@pytest.mark.both_databases
def test_board_next_page_link_follows_the_keyset(client, signed_in, clock):
    make_dealer("D-BER-1")
    for _ in range(board.PAGE_SIZE + 2):
        clock.advance(seconds=1)
        _lead()
    first = client.get("/console").get_data(as_text=True)
    cursor = board.board_page(board.BoardFilters()).next_cursor
    assert cursor is not None and f"cursor={cursor}" in first
    second = client.get(f"/console?cursor={cursor}")
    assert second.status_code == 200
    shown = {row.lead.id for row in board.board_page(board.BoardFilters(), cursor).rows}
    assert len(shown) == 2 and all(
        lead_id[:8] in second.get_data(as_text=True) for lead_id in shown
    )


def test_board_dates_are_days_in_the_coordinators_zone(app, clock):
    make_dealer("D-BER-1")
    clock.now = clock.now.replace(hour=23, minute=30)  # 23:30 UTC = 00:30 next day in Berlin
    late = _lead()
    in_utc = board.BoardFilters.from_args(
        {"created_from": "2026-11-23", "created_to": "2026-11-23"}
    )
    assert [r.lead.id for r in board.board_page(in_utc, timezone="UTC").rows] == [late.id]
    in_berlin = board.BoardFilters.from_args(
        {"created_from": "2026-11-23", "created_to": "2026-11-23"}
    )
    assert board.board_page(in_berlin, timezone="Europe/Berlin").rows == []


def test_board_rejects_bad_filters_naming_the_field(app):
    with pytest.raises(ValidationFailed) as error:
        board.BoardFilters.from_args(
            {"status": "lost", "created_from": "yesterday", "country": "DEU"}
        )
    assert set(error.value.errors) == {"status", "created_from", "country"}


def test_board_page_shows_time_left_stage_and_order_value(client, signed_in, clock):
    make_dealer("D-BER-1")
    salesperson = create_user("s@example.com", "salesperson", "D-BER-1", "password-123")
    won = _lead(customer=_customer("Won", "Customer", "w@example.com"))
    accept_offer(won.id, salesperson)
    change_stage(won.id, db.session.get(User, salesperson.id), "won", "12500.5")
    late = _lead(customer=_customer("Late", "Customer", "l@example.com"))
    clock.advance(hours=1, minutes=5)  # the SLA is one hour: the open offer is overdue
    html = client.get("/console").get_data(as_text=True)
    assert "12,500.50" in html and ">Won</span>" in html
    assert "overdue 5 min" in html and "chip--overdue" in html
    assert late.id[:8] in html
    assert "Changed (UTC)" in html


def test_board_partial_polls_itself_with_the_filters(client, signed_in, clock):
    make_dealer("D-BER-1")
    _lead()
    response = client.get("/console?campaign=spring-26", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="lead-board"')
    assert 'hx-get="/console?campaign=spring-26"' in html and 'hx-trigger="every 10s"' in html
    assert "HX-Request" in response.headers["Vary"]
    full = client.get("/console?campaign=spring-26").get_data(as_text=True)
    assert 'value="spring-26"' in full and "<form" in full


def test_board_bad_filter_is_a_422_page_naming_the_field(client, signed_in):
    response = client.get("/console?created_from=31.12.2026&cursor=zzz")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "a date as YYYY-MM-DD" in html and 'value="31.12.2026"' in html


def test_board_is_for_coordinators_only(client, auth):
    make_dealer("D-BER-1")
    create_user("s@example.com", "salesperson", "D-BER-1", "password-123")
    auth.login("s@example.com")
    assert client.get("/console").status_code in (302, 403, 404)


def test_campaign_column_follows_custom_fields(app, clock):
    make_dealer("D-BER-1")
    lead = _lead(custom_fields={"utm_campaign": " summer ", "campaign_id": ""})
    assert lead.campaign == "summer"
    assert (
        board.board_page(board.BoardFilters.from_args({"campaign": "summer"})).rows[0].lead == lead
    )
