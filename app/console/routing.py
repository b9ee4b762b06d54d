"""Console: interest-category routes with a live routing preview, and manual assignment."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth import COORDINATORS, login_required_role
from app.console import bp
from app.console.forms import AssignForm, PreviewForm, RouteForm, split_codes
from app.forms import ConfirmForm
from app.htmx import is_htmx_request
from app.services import dispatch, leads, routes
from app.services.errors import DomainError


@bp.route("/routes", methods=["GET", "POST"])
@login_required_role("coordinator")
def list_routes():
    """Routes by interest category, a form to add one, and the preview."""
    form = RouteForm()
    if form.validate_on_submit():
        try:
            routes.create_route(
                {
                    "category": form.category.data,
                    "dealer_codes": split_codes(form.dealer_codes.data),
                    "countries": split_codes(form.countries.data),
                    "postal_prefixes": split_codes(form.postal_prefixes.data),
                }
            )
        except DomainError as error:
            for field, message in error.errors.items():
                target = getattr(form, field.split(".")[0], form.category)
                target.errors = [*target.errors, message]
        else:
            flash("Route added.")
            return redirect(url_for("console.list_routes"))
    status = 422 if form.errors else 200
    return (
        render_template(
            "console/routes.html",
            routes=routes.list_routes(),
            form=form,
            preview_form=PreviewForm(request.args),
            delete_form=ConfirmForm(),
        ),
        status,
    )


@bp.post("/routes/<int:route_id>/delete")
@login_required_role("coordinator")
def delete_route(route_id: int):
    """Remove a route."""
    if ConfirmForm().validate_on_submit():
        routes.delete_route(route_id)
        flash("Route removed.")
    return redirect(url_for("console.list_routes"))


@bp.get("/routes/preview")
@login_required_role("coordinator")
def preview_routing():
    """Where a lead like this would go right now, and why. Stores nothing."""
    form = PreviewForm(request.args)
    result, errors = None, {}
    if form.validate():
        body = {
            "customer": {
                "first_name": "Preview",
                "last_name": "Customer",
                "email": "p@example.com",
            },
            "inquiry_type": form.inquiry_type.data,
            "interest_category": form.interest_category.data or None,
            "postal_code": form.postal_code.data,
            "country": form.country.data.upper(),
            "delivery": form.delivery.data,
            "line_items": [
                {"product_group": form.product_group.data, "sku": form.sku.data or None}
            ],
        }
        if form.inquiry_type.data == "b2b":
            body["customer"]["company"] = "Preview GmbH"
            body["volume_estimate"] = 1
        try:
            result = leads.preview_routing(body)
        except DomainError as error:
            errors = error.errors
    template = "console/_preview.html" if is_htmx_request() else "console/routes.html"
    return render_template(
        template,
        result=result,
        errors=errors,
        preview_form=form,
        routes=routes.list_routes(),
        form=RouteForm(),
        delete_form=ConfirmForm(),
    )


@bp.post("/leads/<lead_id>/assign")
@login_required_role(*COORDINATORS, relation="lead")
def assign_lead(lead_id: str):
    """Offer the lead by hand to a dealer the coordinator picks."""
    form = AssignForm()
    if form.validate_on_submit():
        try:
            dispatch.assign_lead(lead_id, form.dealer.data.strip(), current_user)
            flash(f"Offered to {form.dealer.data.strip()}.")
        except DomainError as error:
            flash("Not assigned: " + "; ".join(error.errors.values() or [error.message]))
    return redirect(url_for("console.lead_detail", lead_id=lead_id))


@bp.post("/leads/<lead_id>/approve")
@login_required_role(*COORDINATORS, relation="lead")
def approve_lead(lead_id: str):
    """Pre-qualification passed: route the lead now."""
    if ConfirmForm().validate_on_submit():
        try:
            dispatch.approve_lead(lead_id, current_user)
            flash("Approved and routed.")
        except DomainError as error:
            flash("Not approved: " + "; ".join(error.errors.values() or [error.message]))
    return redirect(url_for("console.lead_detail", lead_id=lead_id))


@bp.post("/leads/<lead_id>/reject")
@login_required_role(*COORDINATORS, relation="lead")
def reject_lead(lead_id: str):
    """Pre-qualification failed: the lead is rejected and never routed."""
    if ConfirmForm().validate_on_submit():
        try:
            dispatch.reject_lead(lead_id, current_user, request.form.get("note") or None)
            flash("Rejected.")
        except DomainError as error:
            flash("Not rejected: " + "; ".join(error.errors.values() or [error.message]))
    return redirect(url_for("console.lead_detail", lead_id=lead_id))
