"""Console: the interest-category route editor, with a live routing preview."""

from flask import flash, redirect, render_template, request, url_for

from app.auth import login_required_role
from app.console import bp
from app.console.forms import PreviewForm, RouteForm
from app.enums import Role
from app.forms import ConfirmForm
from app.htmx import is_htmx_request
from app.services import intake, interest_routes, route_effects
from app.services.errors import DomainError, NotFound


@bp.route("/routes", methods=["GET", "POST"])
@login_required_role(Role.COORDINATOR)
def list_routes():
    """Routes by interest category, a form to add one, and the preview.

    Adding takes two steps: the first shows what the route would do to recent leads
    (categories left without a route, leads that would go elsewhere or nowhere); only
    the confirmed second step saves it.
    """
    form = RouteForm()
    effect = None
    if form.validate_on_submit():
        try:
            data = interest_routes.check_route(form.route_data())
            if form.confirmed.data == "yes":
                interest_routes.create_route(data)
            else:
                effect = route_effects.effect_of_adding(data)
        except DomainError as error:
            form.attach_errors(error.errors)
        else:
            if effect is None:
                flash("Route added.")
                return redirect(url_for("console.list_routes"))
    status = 422 if form.errors else 200
    return (
        render_template(
            "console/routes.html",
            routes=interest_routes.list_routes(),
            form=form,
            effect=effect,
            preview_form=PreviewForm(request.args),
            delete_form=ConfirmForm(),
        ),
        status,
    )


@bp.post("/routes/<int:route_id>/delete")
@login_required_role(Role.COORDINATOR)
def delete_route(route_id: int):
    """Remove a route: first a page with what that would change, then on confirmation."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("console.list_routes"))
    try:
        route = interest_routes.get_route(route_id)
    except NotFound:
        flash("That route no longer exists.")
        return redirect(url_for("console.list_routes"))
    if request.form.get("confirmed") != "yes":
        return render_template(
            "console/confirm_route_delete.html",
            route=route,
            effect=route_effects.effect_of_removing(route_id),
            form=form,
        )
    interest_routes.delete_route(route_id)
    flash(f"Route for {route.category} removed.")
    return redirect(url_for("console.list_routes"))


@bp.get("/routes/preview")
@login_required_role(Role.COORDINATOR)
def preview_routing():
    """Where a lead like this would go right now, and why. Stores nothing."""
    form = PreviewForm(request.args)
    result, errors = None, {}
    if form.validate():
        try:
            result = intake.preview_routing_for(
                postal_code=form.postal_code.data,
                country=form.country.data,
                product_group=form.product_group.data,
                sku=form.sku.data or None,
                interest_category=form.interest_category.data or None,
                inquiry_type=form.inquiry_type.data,
                delivery=form.delivery.data,
            )
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
