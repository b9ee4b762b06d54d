"""Follow-up on a lead: its sales stage, and the question thread with the OEM."""

from app.api import bp
from app.api.spec import api_endpoint
from app.api.views import json_body
from app.auth import COORDINATORS, api_user, token_required
from app.enums import DEALER_ROLES
from app.responses import Items, LeadOut, QuestionOut
from app.schemas import AssigneeIn, StageIn, TextIn, parse
from app.services import assignment, questions, stages
from app.services.serialisation import lead_out, question_out


@bp.post("/leads/<lead_id>/stage")
@token_required(*DEALER_ROLES, relation="lead")
@api_endpoint(
    "Move my lead to a stage (won needs order_value, in my dealer's currency; lost may give "
    "lost_reason and a note); 409 while my offer is pending",
    body=StageIn,
    returns=LeadOut,
    errors=(409,),
)
def change_stage(lead_id: str):
    """Move my lead to a stage (won needs order_value); 409 while my offer is pending."""
    user = api_user()
    payload = parse(StageIn, json_body())
    lead = stages.change_stage(
        lead_id,
        user,
        payload.stage,
        payload.order_value,
        payload.note,
        lost_reason=payload.lost_reason,
    )
    return lead_out(lead, user)


@bp.post("/leads/<lead_id>/assignee")
@token_required(*DEALER_ROLES, relation="lead")
@api_endpoint(
    "Give my dealership's accepted lead to one of its salespeople (a manager), or hand it "
    "to a colleague (a salesperson); they get a push",
    body=AssigneeIn,
    returns=LeadOut,
    errors=(409,),
)
def assign_salesperson(lead_id: str):
    """Give my dealership's lead to a salesperson (manager), or to a colleague (salesperson)."""
    user = api_user()
    payload = parse(AssigneeIn, json_body())
    return lead_out(assignment.assign_salesperson(lead_id, user, payload.user_id), user)


@bp.post("/leads/<lead_id>/questions")
@token_required(*DEALER_ROLES, relation="lead")
@api_endpoint("Ask the OEM about a lead I can see", body=TextIn, returns=QuestionOut, status=201)
def ask_question(lead_id: str):
    """Ask the OEM about a lead I can see."""
    payload = parse(TextIn, json_body())
    return question_out(questions.ask_question(lead_id, api_user(), payload.body))


@bp.get("/leads/<lead_id>/questions")
@token_required(relation="lead")
@api_endpoint(
    "The lead's questions: a dealer sees its own, a coordinator all", returns=Items[QuestionOut]
)
def list_questions(lead_id: str):
    """The lead's questions: a dealer sees its own, a coordinator all."""
    items = questions.questions_for_lead(lead_id, api_user())
    return Items[QuestionOut](items=[question_out(question) for question in items])


@bp.post("/questions/<int:question_id>/answer")
@token_required(*COORDINATORS, relation="question")
@api_endpoint(
    "Answer a dealer's question; the dealer is told by push",
    body=TextIn,
    returns=QuestionOut,
    errors=(409,),
)
def answer_question(question_id: int):
    """Answer a dealer's question; the dealer is told by push."""
    payload = parse(TextIn, json_body())
    return question_out(questions.answer_question(question_id, api_user(), payload.body))
