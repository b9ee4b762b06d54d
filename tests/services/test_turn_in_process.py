"""SQLite: a process ranks a lead and writes its offer in one thread at a time
(unit_of_work.turn_in_process): intake, and a decline handing the lead on."""

import threading

from app.extensions import db
from app.services import intake, unit_of_work
from app.services.offers import decline_offer
from app.services.users import find_user_by_email
from tests.factories import lead_body
from tests.services.helpers import offers_of


def in_another_thread(app, work, first=None) -> tuple[threading.Thread, list]:
    """Run `work` from a thread of its own, as a second request in the process would."""
    results: list = []

    def run():
        with app.app_context():
            if first is not None:
                first()
            results.append(work())
            db.session.remove()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, results


def admit():
    return intake.create_lead(lead_body()).status


def test_an_intake_waits_while_another_thread_of_the_process_has_the_turn(app, network):
    with unit_of_work._TURN:
        thread, results = in_another_thread(app, admit)
        thread.join(0.3)
        assert thread.is_alive() and results == []
    thread.join(10)
    assert results == ["offered"]


def test_a_decline_waits_for_the_turn_too(app, network):
    lead_id = intake.create_lead(lead_body()).id
    db.session.remove()

    def decline():
        decline_offer(lead_id, find_user_by_email("sales@d1.example"), "capacity")
        return [code for code, _status in offers_of(lead_id)]

    with unit_of_work._TURN:
        thread, results = in_another_thread(app, decline)
        thread.join(0.3)
        assert thread.is_alive() and results == []
    thread.join(10)
    assert results == [["D1", "D2"]]


def test_a_caller_already_writing_goes_on_without_waiting_for_the_turn(app, network):
    """It holds SQLite's write lock, which the thread having the turn may wait for."""

    def write_first():
        db.session.connection().exec_driver_sql("UPDATE users SET active = active")

    with unit_of_work._TURN:
        thread, results = in_another_thread(app, admit, first=write_first)
        thread.join(10)
        assert results == ["offered"]
