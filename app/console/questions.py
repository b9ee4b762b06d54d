"""The coordinators' questions list: dealers' open questions, answered in place."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth import COORDINATORS, login_required_role
from app.console import bp
from app.console.forms import AnswerForm
from app.forms import errors_onto_fields
from app.htmx import redirect_to
from app.services import questions
from app.services.errors import Conflict, NotFound, ValidationFailed


def _page(forms: dict[int, AnswerForm] | None = None, status: int = 200, **extra):
    open_items = questions.open_questions(current_user)
    forms = forms or {}
    context = {
        "open_questions": [(q, forms.get(q.id) or AnswerForm(formdata=None)) for q in open_items],
        "answered": questions.recently_answered(current_user),
        **extra,
    }
    return render_template("console/questions.html", **context), status


@bp.get("/questions")
@login_required_role(*COORDINATORS)
def list_questions():
    """Open questions oldest first, each with its answer form; then recent answers."""
    return _page()


@bp.post("/questions/<int:question_id>/answer")
@login_required_role(*COORDINATORS, relation="question")
def answer_question(question_id: int):
    """Answer one question; the asking dealer gets a push."""
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            question = questions.answer_question(question_id, current_user, form.body.data)
        except ValidationFailed as error:
            errors_onto_fields(form, error.errors, "body", str)
        except (Conflict, NotFound):
            flash("That question was answered meanwhile or no longer exists.")
            return redirect(url_for("console.list_questions"))
        else:
            flash(f"Answer sent to {question.dealer.name}.")
            # Answered from the lead's page: back there, else back to the list.
            back_to_lead = request.form.get("back") == "lead"
            return redirect_to(
                url_for("console.lead_detail", lead_id=question.lead_id)
                if back_to_lead
                else url_for("console.list_questions")
            )
    return _page({question_id: form}, status=422)
