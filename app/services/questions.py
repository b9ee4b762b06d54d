"""Follow-up questions from a dealer to the OEM about a lead, and the coordinators' answers.

A dealer who can see a lead asks; the coordinators hear of it (push). A coordinator
answers; the asking dealer's people hear of it (push). A dealer sees only the
questions its own dealership (or, for a distributor, its sub-dealers) asked.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.clock import utcnow
from app.enums import OfferStatus
from app.extensions import db
from app.models import Dealer, Lead, Question, User
from app.services import notify
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.services.events import record_event
from app.services.unit_of_work import unit_of_work
from app.services.visibility import (
    acting_dealer_ids,
    get_visible_lead,
    questions_visible_to,
    visible_to,
)

MAX_BODY = 4000


def _clean_body(body: object) -> str:
    text = body.strip() if isinstance(body, str) else ""
    if not text:
        raise ValidationFailed("empty", {"body": "write your question or answer"})
    if len(text) > MAX_BODY:
        raise ValidationFailed("too long", {"body": f"at most {MAX_BODY} characters"})
    return text


def _asking_dealer(lead: Lead, user: User) -> Dealer:
    """The dealership a question is asked for: the one holding or owning the lead."""
    mine = acting_dealer_ids(user)
    for dealer_id in (lead.owner_dealer_id, lead.holder_dealer_id):
        if dealer_id in mine:
            return db.session.get(Dealer, dealer_id)
    for offer in lead.offers:
        if offer.status == OfferStatus.PENDING and offer.dealer_id in mine:
            return offer.dealer
    return user.dealer


def _only_dealers_ask(user: User) -> None:
    if user.is_coordinator:
        raise Forbidden("coordinators answer questions", {"authorization": "dealers ask questions"})


def ask_question(lead_id: str, user: User, body: object, now: datetime | None = None) -> Question:
    """A dealer who may see the lead asks the OEM; the coordinators are told."""
    _only_dealers_ask(user)
    return ask_about(get_visible_lead(lead_id, user), user, body, now)


def ask_about(lead: Lead, user: User, body: object, now: datetime | None = None) -> Question:
    """Ask the OEM about a lead this dealer user was already shown (the lead page)."""
    _only_dealers_ask(user)
    text = _clean_body(body)
    now = now or utcnow()
    dealer = _asking_dealer(lead, user)
    with unit_of_work():
        question = Question(
            lead_id=lead.id, dealer=dealer, asked_by_id=user.id, body=text, asked_at=now
        )
        db.session.add(question)
        db.session.flush()
        record_event(lead, "question_asked", actor=user, dealer=dealer, question_id=question.id)
        notify.notify_question(question, lead)
    return question


def questions_for_lead(lead_id: str, user: User) -> list[Question]:
    """The lead's questions the user may read: a dealer its own, a coordinator all; oldest first."""
    return questions_on(get_visible_lead(lead_id, user), user)


def questions_on(lead: Lead, user: User) -> list[Question]:
    """The questions the user may read on a lead it was already shown (oldest first)."""
    query = select(Question).where(Question.lead_id == lead.id, questions_visible_to(user))
    return list(db.session.scalars(query.order_by(Question.asked_at, Question.id)))


def get_question(question_id: object) -> Question:
    """A question by id, or NotFound."""
    question = None
    if isinstance(question_id, int) and 0 < question_id < 2**62:
        question = db.session.get(Question, question_id)
    if question is None:
        raise NotFound("no such question", {"id": "no such question"})
    return question


def answer_question(
    question_id: object, user: User, body: object, now: datetime | None = None
) -> Question:
    """A coordinator answers; the asking dealer's people are told. Answered once (else 409)."""
    if not user.is_coordinator:
        raise Forbidden("only the OEM answers", {"authorization": "only coordinators answer"})
    question = get_question(question_id)
    text = _clean_body(body)
    if question.answered_at is not None:
        raise Conflict("already answered", {"status": "this question has been answered already"})
    now = now or utcnow()
    question.answer = text
    question.answered_by_id = user.id
    question.answered_at = now
    lead = question.lead
    record_event(
        lead, "question_answered", actor=user, dealer=question.dealer, question_id=question.id
    )
    notify.notify_answer(question, lead)
    db.session.commit()
    return question


def _questions_on_leads_seen_by(viewer: User):
    """Questions on leads the viewer sees, with what the list shows of them loaded."""
    return (
        select(Question)
        .join(Lead, Lead.id == Question.lead_id)
        .where(visible_to(viewer))
        .options(
            selectinload(Question.lead).selectinload(Lead.line_items),
            selectinload(Question.dealer),
        )
    )


def open_questions(viewer: User, limit: int = 200) -> list[Question]:
    """Unanswered questions on leads the viewer sees, oldest first: the coordinators' to-do."""
    query = _questions_on_leads_seen_by(viewer).where(Question.answered_at.is_(None))
    return list(db.session.scalars(query.order_by(Question.asked_at, Question.id).limit(limit)))


def recently_answered(viewer: User, limit: int = 50) -> list[Question]:
    """The latest answered questions on leads the viewer sees, newest first."""
    query = _questions_on_leads_seen_by(viewer).where(Question.answered_at.is_not(None))
    newest_first = query.order_by(Question.answered_at.desc(), Question.id.desc())
    return list(db.session.scalars(newest_first.limit(limit)))
