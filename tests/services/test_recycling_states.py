"""Stateful property test: whatever happens, and in whatever order, no lead is lost.

Hypothesis drives random sequences of new leads, accepts, declines, absences, clock
jumps, worker passes and simulated crashes. A crash raises at a random SQL statement
inside a decline or a worker pass (after a compare-and-set, before its commit, or
anywhere else); the transaction is rolled back as a killed process's would be.
After every step:

- every lead is offered (one pending offer), accepted, unassigned, or in review;
- no lead has two pending offers;
- no dealer is offered the same lead twice;
- no offer is reminded twice.
"""

import shutil
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import select

from app import create_app
from app.clock import set_clock
from app.extensions import db
from app.models import Lead, LeadEvent, Offer
from app.services import absence, recycling
from app.services.errors import Conflict
from app.services.intake import create_lead
from app.services.offers import accept_offer, decline_offer
from app.services.users import create_user, find_user_by_email
from app.worker import run_pass
from tests import conftest
from tests.factories import lead_body, make_dealer
from tests.hypothesis_profiles import examples

DEALERS = ("D1", "D2", "D3", "D4")
SETTINGS = settings(
    max_examples=examples(30),
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class SimulatedCrash(Exception):
    """The process died here: nothing after this statement happens."""


class Crasher:
    """Raises SimulatedCrash at the n-th SQL statement after being armed."""

    def __init__(self) -> None:
        self.countdown: int | None = None
        self.fired = False

    def arm(self, statements: int) -> None:
        self.countdown, self.fired = statements, False

    def disarm(self) -> None:
        self.countdown = None

    def before_cursor_execute(self, *args, **kwargs) -> None:
        if self.countdown is None:
            return
        self.countdown -= 1
        if self.countdown <= 0:
            self.countdown, self.fired = None, True
            raise SimulatedCrash()


class RecyclingMachine(RuleBasedStateMachine):
    """A little network of four dealers and the leads that flow through it."""

    database_factory = None  # set per database by the test functions below

    leads = Bundle("leads")

    def __init__(self) -> None:
        super().__init__()
        self.directory = tempfile.mkdtemp(prefix="leadrelay-states-")
        uri, self.drop_database = type(self).database_factory(self.directory)
        config = conftest.TestConfig(uri)
        config.RELAY_OFFER_SLA_SECONDS = 3600
        config.RELAY_REMINDER_FRACTION = 0.5
        self.app = create_app(config)
        self.context = self.app.app_context()
        self.context.push()
        db.create_all()
        self.clock = conftest.FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
        set_clock(self.clock)
        self.crasher = Crasher()
        sqlalchemy_event.listen(
            db.engine, "before_cursor_execute", self.crasher.before_cursor_execute
        )
        self.crashes = 0

    @initialize(target=leads)
    def network(self):
        for index, code in enumerate(DEALERS):
            make_dealer(code, lat=52.52 + index * 0.01, lon=13.40, daily_capacity=None)
            create_user(f"sales@{code.lower()}.example", "salesperson", code)
        create_user("oem@example.com", "coordinator")
        return multiple(*(create_lead(lead_body()).id for _ in range(3)))

    def teardown(self) -> None:
        sqlalchemy_event.remove(
            db.engine, "before_cursor_execute", self.crasher.before_cursor_execute
        )
        db.session.remove()
        db.engine.dispose()
        self.context.pop()
        set_clock(None)
        self.drop_database()
        shutil.rmtree(self.directory, ignore_errors=True)

    # -- what the world does ---------------------------------------------------------

    @rule(target=leads, count=st.integers(1, 3))
    def new_leads(self, count):
        return multiple(*(create_lead(lead_body()).id for _ in range(count)))

    @rule(lead_id=leads)
    def accept(self, lead_id):
        user = self._holder_user(lead_id)
        if user is None:
            return
        try:
            accept_offer(lead_id, user)
        except Conflict:
            db.session.rollback()

    @rule(lead_id=leads, reason=st.sampled_from(["capacity", "portfolio", "other"]))
    def decline(self, lead_id, reason):
        user = self._holder_user(lead_id)
        if user is None:
            return
        try:
            decline_offer(lead_id, user, reason)
        except Conflict:
            db.session.rollback()

    @rule(lead_id=leads, statement=st.integers(1, 12))
    def crash_during_decline(self, lead_id, statement):
        user = self._holder_user(lead_id)
        if user is None:
            return
        self.crasher.arm(statement)
        try:
            decline_offer(lead_id, user, "other")
        except SimulatedCrash:
            self.crashes += 1
            db.session.rollback()
        except Conflict:
            db.session.rollback()
        finally:
            self.crasher.disarm()

    @rule(minutes=st.sampled_from([1, 29, 31, 59, 61, 61, 120, 600]))
    def clock_jumps(self, minutes):
        self.clock.advance(minutes=minutes)

    @rule()
    def worker_pass(self):
        run_pass(self.app, deliver=False)
        # A completed pass leaves nothing overdue and no reminder due behind it.
        db.session.expire_all()
        assert recycling.overdue_offer_ids(self.clock.now) == []
        assert db.session.scalars(recycling.reminders_due(self.clock.now)).first() is None

    @rule(statement=st.integers(1, 60))
    def crash_during_worker_pass(self, statement):
        self.crasher.arm(statement)
        try:
            run_pass(self.app, deliver=False)
        except SimulatedCrash:
            self.crashes += 1
        finally:
            self.crasher.disarm()
        db.session.rollback()

    @rule(code=st.sampled_from(DEALERS), hours=st.integers(0, 48))
    def dealer_goes_away(self, code, hours):
        dealer = self._dealer(code)
        now = self.clock.now
        absence.set_absence(dealer, now, now + timedelta(hours=hours) if hours else None)

    @rule(code=st.sampled_from(DEALERS))
    def dealer_comes_back(self, code):
        absence.clear_absence(self._dealer(code))

    # -- what must always hold ----------------------------------------------------------

    @invariant()
    def no_lead_is_lost(self):
        db.session.rollback()
        db.session.expire_all()
        for lead in db.session.scalars(select(Lead)):
            pending = [offer for offer in lead.offers if offer.status == "pending"]
            if lead.status == "offered":
                assert len(pending) == 1, (lead.id, [(o.dealer_id, o.status) for o in lead.offers])
                assert lead.holder_dealer_id == pending[0].dealer_id
            elif lead.status == "accepted":
                assert pending == []
                assert lead.owner_dealer_id is not None
                accepted = [offer for offer in lead.offers if offer.status == "accepted"]
                assert [offer.dealer_id for offer in accepted] == [lead.owner_dealer_id]
            elif lead.status == "unassigned":
                assert pending == []
            else:
                assert lead.status in ("review", "rejected"), lead.status

    @invariant()
    def no_dealer_is_offered_a_lead_twice(self):
        pairs = Counter(db.session.execute(select(Offer.lead_id, Offer.dealer_id)).all())
        assert all(count == 1 for count in pairs.values()), pairs.most_common(3)

    @invariant()
    def no_offer_is_reminded_twice(self):
        reminded = Counter(
            row.detail.get("offer_id")
            for row in db.session.scalars(select(LeadEvent).where(LeadEvent.kind == "reminded"))
        )
        assert all(count == 1 for count in reminded.values()), reminded.most_common(3)

    # -- helpers ---------------------------------------------------------------------------

    def _holder_user(self, lead_id):
        db.session.rollback()
        pending = db.session.scalar(
            select(Offer).where(Offer.lead_id == lead_id, Offer.status == "pending")
        )
        if pending is None:
            return None
        return find_user_by_email(f"sales@{pending.dealer.code.lower()}.example")

    def _dealer(self, code):
        from app.services.dealers import get_dealer

        db.session.rollback()
        return get_dealer(code)


def _sqlite(directory):
    return f"sqlite:///{directory}/states.db", lambda: None


def test_no_lead_is_lost_on_sqlite():
    RecyclingMachine.database_factory = staticmethod(_sqlite)
    run_state_machine_as_test(RecyclingMachine, settings=SETTINGS)


def test_no_lead_is_lost_on_postgresql(postgres_server):
    template = postgres_server.schema_template()

    def postgresql(directory):
        name = postgres_server.create_database(template=template)
        return postgres_server.url(name), lambda: postgres_server.drop_database(name)

    RecyclingMachine.database_factory = staticmethod(postgresql)
    run_state_machine_as_test(
        RecyclingMachine,
        settings=settings(SETTINGS, max_examples=examples(10), stateful_step_count=25),
    )


@pytest.fixture(autouse=True)
def _forget_database_factory():
    yield
    RecyclingMachine.database_factory = None
