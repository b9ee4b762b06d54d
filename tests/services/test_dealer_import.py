"""Dealer CSV: export, dry run with a diff, apply through the dealer service."""

import pytest

from app.services import dealer_import
from app.services.dealers import get_dealer
from tests.factories import make_dealer

HEADER = (
    "code,name,tier,parent,postal_code,country,tags,inventory,daily_capacity,active,opening_hours\n"
)


def test_dry_run_lists_new_changed_and_bad_rows_and_saves_nothing(app):
    make_dealer("D-BER-1", name="Autohaus Mitte", daily_capacity=20)
    text = HEADER + (
        "D-BER-1,Autohaus Mitte,dealer,,10115,DE,tractors|store,TR-500,35,yes,mon 08:00-18:00\n"
        "D-NEW-1,Neuer Händler,dealer,,80331,DE,mowers|store,,,yes,\n"
        "bad code!,X,dealer,,10115,DE,,,,yes,\n"
        "D-NEW-2,Y,dealer,,1,DE,,,,maybe,\n"
    )
    plan = dealer_import.plan_import(text)
    actions = [(row.line, row.code, row.action) for row in plan.rows]
    assert actions == [
        (2, "D-BER-1", "update"),
        (3, "D-NEW-1", "create"),
        (4, "bad code!", "error"),
        (5, "D-NEW-2", "error"),
    ]
    changes = plan.rows[0].changes
    assert changes["daily_capacity"] == (20, 35)
    assert set(changes) == {"daily_capacity", "tags", "inventory", "opening_hours"}
    assert "code" in plan.rows[2].errors
    assert set(plan.rows[3].errors) >= {"active"}
    assert not plan.ok
    assert get_dealer("D-BER-1").daily_capacity == 20  # a dry run stores nothing
    assert dealer_import.apply_import(text).ok is False
    assert get_dealer("D-BER-1").daily_capacity == 20


def test_apply_saves_distributors_first_and_keeps_missing_columns(app):
    make_dealer("D-BER-1", name="Autohaus Mitte", daily_capacity=20, inventory=["TR-500"])
    text = (
        "code,daily_capacity,tier,parent,name,postal_code\n"
        "D-SUB-1,5,dealer,D-DIST-1,Sub,10115\n"
        "D-DIST-1,,distributor,,Distributor,10115\n"
        "D-BER-1,30,dealer,,Autohaus Mitte,10115\n"
    )
    plan = dealer_import.apply_import(text)
    assert plan.ok, [row.errors for row in plan.rows]
    assert get_dealer("D-SUB-1").parent.code == "D-DIST-1"
    berlin = get_dealer("D-BER-1")
    assert berlin.daily_capacity == 30 and berlin.inventory == ["TR-500"]  # kept


def test_export_reads_back_unchanged(app):
    make_dealer("D-BER-1", opening_hours={"mon": [["08:00", "18:00"]]}, tags=["tractors", "store"])
    make_dealer("D-M-1", lat=48.137, lon=11.575, postal_code="80331")
    text = dealer_import.export_csv([get_dealer("D-BER-1"), get_dealer("D-M-1")])
    assert text.splitlines()[0].startswith("code,name,tier,parent")
    assert "mon 08:00-18:00" in text and "store|tractors" in text
    plan = dealer_import.plan_import(text)
    assert [row.action for row in plan.rows] == ["unchanged", "unchanged"]


@pytest.mark.parametrize(
    "text, field",
    [
        ("mon 8:00-18:00; sun 25:00-26:00", "opening_hours.sun.0"),
        ("monday 08:00-18:00", "opening_hours"),
    ],
)
def test_opening_hours_text_errors_name_the_day(app, text, field):
    make_dealer("D-BER-1")
    plan = dealer_import.plan_import(f"code,opening_hours\nD-BER-1,{text}\n")
    assert field in plan.rows[0].errors


def test_file_without_code_column_is_refused(app):
    plan = dealer_import.plan_import("name\nX\n")
    assert plan.file_errors and not plan.ok


def test_currency_column_sets_checks_or_defaults_and_missing_keeps_it(app):
    make_dealer("D-ZRH", name="Zürich", country="CH", postal_code="8001", currency="EUR")
    text = (
        "code,name,country,postal_code,currency\n"
        "D-VIE,Wien,AT,1010,\n"
        "D-NYC,New York,US,10001,usd\n"
        "D-BAD,Bad,DE,10115,EURO\n"
    )
    plan = dealer_import.plan_import(text)
    assert [row.action for row in plan.rows] == ["create", "create", "error"]
    assert set(plan.rows[2].errors) == {"currency"}
    good = "\n".join(text.splitlines()[:3]) + "\n"
    assert dealer_import.apply_import(good).ok
    assert (get_dealer("D-VIE").currency, get_dealer("D-NYC").currency) == ("EUR", "USD")
    # A file without the column keeps the dealer's chosen currency.
    assert dealer_import.apply_import("code,daily_capacity\nD-ZRH,5\n").ok
    assert get_dealer("D-ZRH").currency == "EUR"
    assert "currency" in dealer_import.export_csv([get_dealer("D-ZRH")]).splitlines()[0]
