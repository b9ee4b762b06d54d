"""Console: the dealer network: list and search, create and edit, CSV import and export.

Edits go through the same service as `PUT /api/v1/dealers/{code}`, so a page can never
store a dealer the API would refuse.
"""

from flask import Response, abort, flash, redirect, render_template, request, url_for

from app.auth import login_required_role
from app.console import bp
from app.console.forms import DealerForm, DealerImportForm
from app.enums import Role
from app.htmx import is_htmx_request
from app.services import dealer_import, dealers
from app.services.errors import DomainError, NotFound


@bp.get("/dealers")
@login_required_role(Role.COORDINATOR)
def list_dealers():
    """Dealers by code, searchable by code, name, town or postal code; a page at a time."""
    query = (request.args.get("q") or "").strip()[:80]
    after = (request.args.get("after") or "").strip()[:40]
    page, next_after = dealers.dealer_page(query, after=after or None)
    template = "console/_dealer_list.html" if is_htmx_request() else "console/dealers.html"
    return render_template(template, dealers=page, query=query, after=after, next_after=next_after)


@bp.get("/dealers.csv")
@login_required_role(Role.COORDINATOR)
def export_dealers():
    """The whole network as CSV, in the format the import reads."""
    text = dealer_import.export_csv(dealers.list_dealers())
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="dealers.csv"'},
    )


@bp.route("/dealers/new", methods=["GET", "POST"])
@login_required_role(Role.COORDINATOR)
def create_dealer():
    """A form for a new dealer."""
    form = DealerForm()
    if form.validate_on_submit():
        code = form.code.data.strip()
        if dealers.get_dealer_or_none(code) is not None:
            form.code.errors.append(f"{code} exists already: edit it instead")
        elif _saved(form, code):
            flash(f"Dealer {code} created.")
            return redirect(url_for("console.edit_dealer", code=code))
    return render_template("console/dealer_form.html", form=form, dealer=None), (
        422 if form.errors else 200
    )


@bp.route("/dealers/<code>", methods=["GET", "POST"])
@login_required_role(Role.COORDINATOR)
def edit_dealer(code: str):
    """Edit a dealer: tags, inventory, capacity, opening hours, absence, tier, radius."""
    try:
        dealer = dealers.get_dealer(code)
    except NotFound:
        abort(404)
    form = DealerForm(obj=None) if request.method == "POST" else DealerForm.for_dealer(dealer)
    form.code.data = dealer.code
    if form.validate_on_submit() and _saved(form, dealer.code):
        flash(f"Dealer {dealer.code} saved.")
        return redirect(url_for("console.edit_dealer", code=dealer.code))
    return render_template("console/dealer_form.html", form=form, dealer=dealer), (
        422 if form.errors else 200
    )


def _saved(form: DealerForm, code: str) -> bool:
    """Save through the dealer service; its errors land on the form's fields."""
    try:
        body = form.api_body()
        dealers.save_dealer_with_absence(code, body, form.absent_from.data, form.absent_until.data)
    except DomainError as error:
        form.attach_errors(error.errors)
        return False
    return True


@bp.route("/dealers/import", methods=["GET", "POST"])
@login_required_role(Role.COORDINATOR)
def import_dealers():
    """Upload a CSV: a dry run lists every change; applying it needs a second step."""
    form = DealerImportForm()
    plan, text = None, None
    if form.validate_on_submit():
        text = form.csv_text()
        if text is None:
            form.file.errors.append("The file is not UTF-8 text (save it as CSV UTF-8).")
        elif form.apply.data:
            plan = dealer_import.apply_import(text)
            if plan.ok:
                flash(
                    f"Imported: {plan.count('create')} created, {plan.count('update')} updated, "
                    f"{plan.count('unchanged')} unchanged."
                )
                return redirect(url_for("console.list_dealers"))
        else:
            plan = dealer_import.plan_import(text)
    status = 422 if form.errors or (plan is not None and not plan.ok) else 200
    return render_template("console/dealer_import.html", form=form, plan=plan, content=text), status
