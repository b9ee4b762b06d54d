"""Follow-up on a lead: its sales stage, and the question thread with the OEM."""

from flask import jsonify

from app.api import bp
from app.api.views import json_body
from app.auth import COORDINATORS, api_user, token_required
from app.models import DEALER_ROLES
from app.schemas import AssigneeIn, StageIn, TextIn, parse
from app.services import assignment, leads, questions, stages


@bp.post("/leads/<lead_id>/stage")
@token_required(*DEALER_ROLES, relation="lead")
def change_stage(lead_id: str):
    """Move my lead to a stage (won needs order_value); 409 while my offer is pending."""
    user = api_user()
    payload = parse(StageIn, json_body())
    lead = stages.change_stage(lead_id, user, payload.stage, payload.order_value, payload.note)
    return jsonify(leads.lead_to_dict(leads.get_visible_lead(lead.id, user), user))


@bp.post("/leads/<lead_id>/assignee")
@token_required(*DEALER_ROLES, relation="lead")
def assign_salesperson(lead_id: str):
    """Give my dealership's lead to a salesperson (manager), or to a colleague (salesperson)."""
    user = api_user()
    payload = parse(AssigneeIn, json_body())
    lead = assignment.assign_salesperson(lead_id, user, payload.user_id)
    return jsonify(leads.lead_to_dict(lead, user))


@bp.post("/leads/<lead_id>/questions")
@token_required(*DEALER_ROLES, relation="lead")
def ask_question(lead_id: str):
    """Ask the OEM about a lead I can see."""
    payload = parse(TextIn, json_body())
    question = questions.ask_question(lead_id, api_user(), payload.body)
    return jsonify(questions.question_to_dict(question)), 201


@bp.get("/leads/<lead_id>/questions")
@token_required(relation="lead")
def list_questions(lead_id: str):
    """The lead's questions: a dealer sees its own, a coordinator all."""
    items = questions.questions_for_lead(lead_id, api_user())
    return jsonify({"items": [questions.question_to_dict(question) for question in items]})


@bp.post("/questions/<int:question_id>/answer")
@token_required(*COORDINATORS, relation="question")
def answer_question(question_id: int):
    """Answer a dealer's question; the dealer is told by push."""
    payload = parse(TextIn, json_body())
    question = questions.answer_question(question_id, api_user(), payload.body)
    return jsonify(questions.question_to_dict(question))
