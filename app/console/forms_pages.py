"""Console: embedded forms (create, edit, rotate the key, switch off), the product catalog,
and releasing a lead the spam filter caught."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth import COORDINATORS, login_required_role
from app.console import bp
from app.console.forms import CatalogImportForm, FormSettingsForm, read_upload
from app.enums import Role
from app.forms import ConfirmForm
from app.services import catalog, dispatch, forms
from app.services.errors import DomainError


def _show_errors(form: FormSettingsForm, error: DomainError) -> None:
    for path, message in error.errors.items():
        target = getattr(form, path.split(".")[0], form.name)
        target.errors = [*target.errors, message]


@bp.route("/forms", methods=["GET", "POST"])
@login_required_role(Role.COORDINATOR)
def list_forms():
    """Every form with its embed code, and a form to add one."""
    form = FormSettingsForm()
    if form.validate_on_submit():
        try:
            created = forms.create_form(form.settings())
        except DomainError as error:
            _show_errors(form, error)
        else:
            flash(f"Form “{created.name}” created.")
            return redirect(url_for("console.edit_form", form_id=created.id))
    return (
        render_template("console/forms.html", forms=forms.list_forms(), form=form),
        422 if form.errors else 200,
    )


@bp.route("/forms/<int:form_id>", methods=["GET", "POST"])
@login_required_role(Role.COORDINATOR)
def edit_form(form_id: int):
    """One form's settings, embed code, key rotation and (de)activation."""
    embedded = forms.get_form(form_id)
    form = FormSettingsForm(obj=None if request.method == "POST" else _Fields(embedded))
    if form.validate_on_submit():
        try:
            forms.update_form(form_id, form.settings())
        except DomainError as error:
            _show_errors(form, error)
        else:
            flash("Settings saved.")
            return redirect(url_for("console.edit_form", form_id=form_id))
    return (
        render_template(
            "console/form_edit.html",
            embedded=embedded,
            form=form,
            action_form=ConfirmForm(),
            base_url=request.host_url.rstrip("/"),
        ),
        422 if form.errors else 200,
    )


class _Fields:
    """A form's settings shaped for FormSettingsForm(obj=...)."""

    def __init__(self, embedded):
        self.name = embedded.name
        self.allowed_origins = "\n".join(embedded.allowed_origins or [])
        self.inquiry_types = list(embedded.inquiry_types or [])
        self.default_interest_category = embedded.default_interest_category
        self.product_groups = ", ".join(embedded.product_groups or [])
        self.default_language = embedded.default_language
        self.rate_limit = embedded.rate_limit
        self.form_rate_limit = embedded.form_rate_limit
        self.consent_version = embedded.consent_version


@bp.post("/forms/<int:form_id>/rotate-key")
@login_required_role(Role.COORDINATOR)
def rotate_form_key(form_id: int):
    """A new public key; sites must update their script tag."""
    if ConfirmForm().validate_on_submit():
        forms.rotate_key(form_id)
        flash("New key issued. The old key no longer works: update the script tag on your sites.")
    return redirect(url_for("console.edit_form", form_id=form_id))


@bp.post("/forms/<int:form_id>/active")
@login_required_role(Role.COORDINATOR)
def set_form_active(form_id: int):
    """Switch a form off (its page answers 404) or on again."""
    if ConfirmForm().validate_on_submit():
        active = request.form.get("active") == "1"
        forms.update_form(form_id, {"active": active})
        flash("Form switched on." if active else "Form switched off: its page answers “not found”.")
    return redirect(url_for("console.edit_form", form_id=form_id))


@bp.route("/catalog", methods=["GET", "POST"])
@login_required_role(Role.COORDINATOR)
def show_catalog():
    """The product catalog and its CSV import, with a report per rejected row."""
    form = CatalogImportForm()
    report = None
    if form.validate_on_submit() and (raw := read_upload(form.file)) is not None:
        try:
            text = raw.decode("utf-8-sig")
            report = catalog.import_csv(text)
        except UnicodeDecodeError:
            form.file.errors = [*form.file.errors, "The file is not UTF-8 text."]
        except DomainError as error:
            form.file.errors = [*form.file.errors, *error.errors.values()]
        else:
            rejected = len(report.errors)
            flash(f"Imported: {report.created} new, {report.updated} updated, {rejected} rejected.")
    status = 422 if form.errors or (report and report.errors) else 200
    return (
        render_template(
            "console/catalog.html", products=catalog.list_products(), form=form, report=report
        ),
        status,
    )


@bp.post("/leads/<lead_id>/release")
@login_required_role(*COORDINATORS, relation="lead")
def release_spam(lead_id: str):
    """A real customer the spam filter caught: route the lead now."""
    if ConfirmForm().validate_on_submit():
        try:
            dispatch.release_spam(lead_id, current_user)
            flash("Released and routed.")
        except DomainError as error:
            flash("Not released: " + "; ".join(error.errors.values() or [error.message]))
    return redirect(url_for("console.lead_detail", lead_id=lead_id))
