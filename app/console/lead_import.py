"""Console: import leads from a CSV file (a trade-show list), with a dry run first."""

from flask import flash, render_template, request
from flask_login import current_user

from app.auth import login_required_role
from app.console import bp
from app.console.forms import LeadImportForm, read_upload
from app.enums import Role
from app.services import lead_import


@bp.route("/leads/import", methods=["GET", "POST"])
@login_required_role(Role.COORDINATOR)
def import_leads():
    """Upload a CSV; "Check" is a dry run, "Import" stores the leads and routes them."""
    form = LeadImportForm()
    report = None
    if form.validate_on_submit() and (content := read_upload(form.file)) is not None:
        report = lead_import.import_leads(
            content,
            dry_run=request.form.get("action") != "import",
            import_valid_rows=form.import_valid_rows.data,
            default_country=(form.country.data or "").strip().upper() or None,
            campaign=(form.campaign.data or "").strip() or None,
            actor=current_user,
        )
        if report.stored:
            flash(f"Imported {len(report.imported)} leads; they are being routed.")
    status = 422 if form.errors or (report and report.errors) else 200
    return render_template(
        "console/lead_import.html",
        form=form,
        report=report,
        template_header=lead_import.TEMPLATE_HEADER,
    ), status
