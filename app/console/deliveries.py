"""Delivery receipts: what went to webhooks and dealers' mailboxes, per dealer and overall."""

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectChoice, SelectField
from wtforms.validators import DataRequired, Email, Length

from app.auth import login_required_role
from app.console import bp
from app.enums import Role
from app.services import dealer_mail, dealers, deliveries, webhooks
from app.services.errors import NotFound


class DealerEmailForm(FlaskForm):
    """Where a dealer's accepted leads are e-mailed, and how."""

    email = EmailField("E-mail address", validators=[DataRequired(), Email(), Length(max=254)])
    format = SelectField(
        "Format",
        choices=[
            SelectChoice("adf", "ADF/XML (for CRM import)"),
            SelectChoice("text", "Plain text (for people)"),
        ],
        default="text",
    )
    active = BooleanField("Send accepted leads to this address", default=True)


def _dealer_named(code: str):
    if not code:
        return None
    try:
        return dealers.get_dealer(code)
    except NotFound:
        return None


@bp.get("/deliveries")
@login_required_role(Role.COORDINATOR)
def list_deliveries():
    """The latest delivery receipts, for one dealer (?dealer=CODE) or for all."""
    return _page((request.args.get("dealer") or "").strip())


def _page(code: str, form: DealerEmailForm | None = None, status: int = 200):
    dealer = _dealer_named(code)
    setting = dealer_mail.setting_for(dealer) if dealer else None
    if form is None and dealer is not None:
        form = DealerEmailForm(formdata=None, obj=setting)
    return (
        render_template(
            "console/deliveries.html",
            dealer=dealer,
            code=code,
            unknown_dealer=bool(code and dealer is None),
            deliveries=deliveries.dealer_deliveries(dealer, limit=100),
            webhooks=webhooks.list_webhooks(),
            setting=setting,
            email_form=form,
        ),
        status,
    )


@bp.post("/deliveries/dealers/<code>/email")
@login_required_role(Role.COORDINATOR)
def save_dealer_email(code: str):
    """Set where this dealer's accepted leads are e-mailed."""
    dealer = dealers.get_dealer(code)
    form = DealerEmailForm()
    if form.validate_on_submit():
        dealer_mail.save_setting(dealer, form.email.data, form.format.data, form.active.data)
        flash(f"Accepted leads of {dealer.name} go to {form.email.data}.")
        return redirect(url_for("console.list_deliveries", dealer=dealer.code))
    return _page(dealer.code, form, status=422)


@bp.context_processor
def delivery_helpers() -> dict:
    """Console templates list a lead's receipts."""
    return {
        "lead_deliveries": deliveries.lead_deliveries,
    }
