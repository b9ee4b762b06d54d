"""Console: the interest-category route editor, with a live routing preview."""

from flask import flash, redirect, render_template, request, url_for

from app.auth import login_required_role
from app.console import bp
from app.console.forms import PreviewForm, RouteForm, split_codes
from app.enums import Role
from app.forms import ConfirmForm
from app.htmx import is_htmx_request
from app.services import intake, interest_routes
from app.services.errors import DomainError


@bp.route("/routes", methods=["GET", "POST"])
@login_required_role(Role.COORDINATOR)
def list_routes():
    """Routes by interest category, a form to add one, and the preview."""
    form = RouteForm()
    if form.validate_on_submit():
        try:
            interest_routes.create_route(
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
            routes=interest_routes.list_routes(),
            form=form,
            preview_form=PreviewForm(request.args),
            delete_form=ConfirmForm(),
        ),
        status,
    )


@bp.post("/routes/<int:route_id>/delete")
@login_required_role(Role.COORDINATOR)
def delete_route(route_id: int):
    """Remove a route."""
    if ConfirmForm().validate_on_submit():
        interest_routes.delete_route(route_id)
        flash("Route removed.")
    return redirect(url_for("console.list_routes"))


@bp.get("/routes/preview")
@login_required_role(Role.COORDINATOR)
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
            result = intake.preview_routing(body)
        except DomainError as error:
            errors = error.errors
    template = "console/_preview.html" if is_htmx_request() else "console/routes.html"
    return render_template(
        template,
        result=result,
        errors=errors,
        preview_form=form,
        routes=interest_routes.list_routes(),
        form=RouteForm(),
        delete_form=ConfirmForm(),
    )
