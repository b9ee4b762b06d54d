"""What each process caches (tokens, forms, rules, webhooks, the network) is never stale.

A second app on the same database stands for a second gunicorn process: it keeps its
own copies, and the two share nothing but the database. A change made through one is
seen by the other at its next transaction: a revoked or expired token, a deactivated
user, a user's new role, a form's new key or origins, a rule or webhook added, changed
or deleted.
"""

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from app.extensions import db
from app.models import ApiToken, AuditEvent, Delivery, FormKey, ReviewRule, User
from app.services import forms, review_rules, tokens, versioned_cache, webhooks
from app.services.intake import build_lead
from app.services.users import find_user_by_email, set_user_active
from tests.factories import lead_body
from tests.services.helpers import lead_status, new_lead

pytestmark = pytest.mark.both_databases

RECEIVER = "http://127.0.0.1:9/hook"


def queued_for(lead_id: str) -> list[str]:
    """The webhook events queued for a lead."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Delivery.event).where(Delivery.lead_id == lead_id).order_by(Delivery.id)
        )
    )


def test_review_rules_changed_by_another_process_hold_leads_here(network, other_process):
    assert lead_status(new_lead().id) == "offered"  # this process now holds its copy
    with other_process.app_context():
        rule_id = review_rules.create_rule({"kind": "product_group", "value": "tractors"}).id
        db.session.remove()
    assert lead_status(new_lead().id) == "review"
    with other_process.app_context():
        review_rules.update_rule(rule_id, {"value": "mowers"})
        db.session.remove()
    assert lead_status(new_lead().id) == "offered"
    with other_process.app_context():
        review_rules.update_rule(rule_id, {"value": "tractors", "active": False})
        db.session.remove()
    assert lead_status(new_lead().id) == "offered"
    with other_process.app_context():
        review_rules.update_rule(rule_id, {"active": True})
        db.session.remove()
    assert lead_status(new_lead().id) == "review"
    with other_process.app_context():
        review_rules.delete_rule(rule_id)
        db.session.remove()
    assert lead_status(new_lead().id) == "offered"


def test_webhooks_changed_by_another_process_hear_leads_from_here(network, other_process):
    assert queued_for(new_lead().id) == []  # this process now holds its copy
    with other_process.app_context():
        hook_id = webhooks.create_webhook(RECEIVER, ["lead.created"], "s" * 32).id
        db.session.remove()
    assert queued_for(new_lead().id) == ["lead.created"]
    with other_process.app_context():
        webhooks.delete_webhook(hook_id)
        db.session.remove()
    assert queued_for(new_lead().id) == []


def test_a_rolled_back_rule_never_stays_in_the_copy(network, other_process):
    """A rule seen inside its own transaction, then rolled back, is not kept in memory,
    even when the next change elsewhere reuses the rolled-back version number."""
    db.session.add(ReviewRule(name="big", kind="product_group", value="tractors"))
    db.session.flush()
    assert review_rules.first_matching_rule(build_lead(lead_body())).name == "big"
    db.session.rollback()
    with other_process.app_context():
        review_rules.create_rule({"kind": "product_group", "value": "mowers"})
        db.session.remove()
    assert lead_status(new_lead().id) == "offered"


def versions_reads(monkeypatch) -> list[dict]:
    """What each reading of all the caches' versions returned, from now on (that one
    statement runs on the driver's cursor, out of the engine events' sight)."""
    reads: list[dict] = []
    read = versioned_cache.read_all_versions

    def noted(connection):
        reads.append(read(connection))
        return reads[-1]

    monkeypatch.setattr(versioned_cache, "read_all_versions", noted)
    return reads


def test_a_lead_reads_the_versions_of_all_caches_in_one_statement(network, app, monkeypatch):
    new_lead()  # the copies are loaded
    webhooks.create_webhook(RECEIVER, ["lead.created"], "s" * 32)
    new_lead()  # the webhooks' copy reloaded
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    reads = versions_reads(monkeypatch)
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        new_lead()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    # (Inside the write, the decision is confirmed against the network's version afresh.)
    assert len(reads) == 1, statements
    assert {"tokens", "review_rules", "webhooks"} <= reads[0].keys()
    assert not any("FROM review_rules" in sql or "FROM webhooks" in sql for sql in statements)


# --- API tokens ---------------------------------------------------------------------------


@pytest.fixture
def dealer_token(network, clock):
    """A salesperson of D1 and a token of theirs, already seen by this process."""
    user = find_user_by_email("sales@d1.example")
    row, secret = tokens.issue_token(user)
    token_id = row.id
    assert tokens.user_for_token(secret).email == "sales@d1.example"
    db.session.remove()
    return token_id, secret


def in_other(other_process, change) -> None:
    """Make a change through the other process and commit it there; the next request
    here (a new session) follows."""
    with other_process.app_context():
        change()
        db.session.commit()
        db.session.remove()
    db.session.remove()


def test_a_token_revoked_in_another_process_is_refused_here(dealer_token, other_process):
    token_id, secret = dealer_token
    in_other(other_process, lambda: tokens.revoke_token(token_id))
    assert tokens.user_for_token(secret) is None


def test_a_user_deactivated_in_another_process_is_refused_here(dealer_token, other_process):
    _, secret = dealer_token
    in_other(
        other_process,
        lambda: set_user_active(find_user_by_email("sales@d1.example"), False),
    )
    assert tokens.user_for_token(secret) is None
    in_other(other_process, lambda: set_user_active(find_user_by_email("sales@d1.example"), True))
    assert tokens.user_for_token(secret).active


def test_role_dealer_and_regions_changed_in_another_process_apply_here(dealer_token, other_process):
    _, secret = dealer_token

    def promote():
        user = find_user_by_email("sales@d1.example")
        user.role, user.dealer_id, user.regions = "coordinator", None, ["DE-10"]

    in_other(other_process, promote)
    user = tokens.user_for_token(secret)
    assert (user.role, user.dealer, user.regions) == ("coordinator", None, ["DE-10"])
    db.session.remove()
    in_other(
        other_process,
        lambda: db.session.execute(
            update(User).where(User.email == "sales@d1.example").values(role="salesperson")
        ),
    )
    assert tokens.user_for_token(secret).role == "salesperson"


def test_a_kept_token_expires_by_the_clock_without_any_change(network, clock):
    user = find_user_by_email("sales@d1.example")
    _, secret = tokens.issue_token(user, expires_at=clock.now + timedelta(hours=1))
    version = tokens.KNOWN_TOKENS.version()
    assert tokens.user_for_token(secret) is not None
    clock.advance(minutes=59)
    assert tokens.user_for_token(secret) is not None
    clock.advance(minutes=1)
    assert tokens.user_for_token(secret) is None
    db.session.remove()
    assert tokens.KNOWN_TOKENS.version() == version


def test_a_last_use_is_noted_once_per_resolution_in_all_processes_alike(
    dealer_token, other_process, clock
):
    """Noting a use bumps no version, and a second process does not note it again."""
    token_id, secret = dealer_token
    version = tokens.KNOWN_TOKENS.version()

    def uses() -> int:
        db.session.remove()
        return db.session.scalar(
            select(func.count()).where(
                AuditEvent.action == "token.used", AuditEvent.target == f"token:{token_id}"
            )
        )

    noted = uses()
    clock.advance(minutes=1)
    with other_process.app_context():
        assert tokens.user_for_token(secret) is not None  # noted a minute ago: not again
        db.session.remove()
    assert uses() == noted
    clock.advance(minutes=5)
    with other_process.app_context():
        assert tokens.user_for_token(secret) is not None
        db.session.remove()
    assert uses() == noted + 1
    assert tokens.user_for_token(secret) is not None  # this process learns of that use
    assert uses() == noted + 1
    last_used = db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id))
    assert last_used == clock.now
    assert tokens.KNOWN_TOKENS.version() == version


def test_the_user_made_from_the_kept_values_is_this_sessions_own(dealer_token, other_process):
    """Changing the request's user changes nothing kept, and saving it reaches every process."""
    _, secret = dealer_token
    user = tokens.user_for_token(secret)
    assert user in db.session and user not in db.session.dirty
    user.regions.append("DE-99")  # not saved
    db.session.rollback()
    db.session.remove()
    assert tokens.user_for_token(secret).regions == []
    user = tokens.user_for_token(secret)
    user.language = "de"
    db.session.commit()
    with other_process.app_context():
        assert tokens.user_for_token(secret).language == "de"
        db.session.remove()


def test_an_api_call_with_a_kept_token_reads_no_token_or_user(network, client, monkeypatch):
    user = find_user_by_email("oem@example.com")
    _, secret = tokens.issue_token(user)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.post("/api/v1/leads", json=lead_body(), headers=headers).status_code == 201
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    reads = versions_reads(monkeypatch)
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.post("/api/v1/leads", json=lead_body(), headers=headers).status_code == 201
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert not [sql for sql in statements if "FROM api_tokens" in sql or "users.id = " in sql]
    assert len(reads) == 1, statements


# --- Embedded forms -----------------------------------------------------------------------


def test_forms_changed_by_another_process_apply_here(network, other_process):
    created = forms.create_form({"name": "Brand", "allowed_origins": ["https://a.example"]})
    form_id, key = created.id, created.public_key
    assert forms.active_form(key).allowed_origins == ["https://a.example"]
    assert forms.origin_allowed_by_any_form("https://a.example")
    in_other(
        other_process,
        lambda: forms.update_form(form_id, {"allowed_origins": ["https://b.example"]}),
    )
    assert forms.active_form(key).allowed_origins == ["https://b.example"]
    assert not forms.origin_allowed_by_any_form("https://a.example")
    db.session.remove()
    in_other(other_process, lambda: forms.rotate_key(form_id))
    assert forms.active_form(key) is None
    db.session.remove()
    new_key = db.session.get(FormKey, form_id).public_key
    assert forms.active_form(new_key).id == form_id
    db.session.remove()
    in_other(other_process, lambda: forms.update_form(form_id, {"active": False}))
    assert forms.active_form(new_key) is None
