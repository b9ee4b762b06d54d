"""Report pages: figures per dealer, region, product group and campaign, with SVG charts.

Every chart is drawn on the server (app/console/charts.py) with a title, a
description and its data as a table, so it reads without JavaScript and with a
screen reader; every table exports as CSV.
"""

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.auth import COORDINATORS, login_required_role
from app.clock import utcnow
from app.console import bp, charts
from app.downloads import csv_response
from app.enums import Role
from app.inputs import date_arg
from app.services import reports
from app.services.errors import ValidationFailed
from app.services.stages import parse_order_value

TITLES = {
    "dealers": ("Dealers", "dealer"),
    "regions": ("Regions", "region"),
    "product-groups": ("Product groups", "product group"),
    "campaigns": ("Campaigns", "campaign"),
}
TABLES = ("figures", "decline-reasons", "response-times", "funnel")
NO_KEY = {"dealer": "—", "region": "(no location)", "product_group": "—", "campaign": "(none)"}
TOP_BARS = 12
# Rows the page's tables show: the groups with the most offers. Ten thousand dealers
# made a 4 MB page that took seconds to render; the CSV exports carry every row.
TABLE_ROWS = 500


class SpendForm(FlaskForm):
    """What one campaign cost."""

    campaign = StringField("Campaign", validators=[DataRequired(), Length(max=120)])
    spend = StringField("Spend", validators=[DataRequired(), Length(max=30)])


def _date_range() -> tuple[date, date, dict[str, str]]:
    """from/to from the query (default: the last 30 days), and errors by field."""
    today = utcnow().date()
    values, errors = {}, {}
    for name, default in (("from", today - timedelta(days=29)), ("to", today + timedelta(days=1))):
        try:
            values[name] = date_arg(name) or default
        except ValidationFailed:
            values[name], errors[name] = default, "Enter a date like 2026-11-01."
    if values["to"] <= values["from"]:
        errors["to"] = "The end must be after the start."
        values["to"] = values["from"] + timedelta(days=1)
    return values["from"], values["to"], errors


def _grouping_or_404(grouping: str) -> str:
    if grouping not in reports.GROUPINGS:
        abort(404)
    return reports.GROUPINGS[grouping]


@bp.get("/reports")
@login_required_role(*COORDINATORS)
def reports_home():
    """The dealer report is the first one a coordinator opens."""
    return redirect(url_for("console.show_report", grouping="dealers"))


@bp.get("/reports/<grouping>")
@login_required_role(*COORDINATORS)
def show_report(grouping: str, spend_form: SpendForm | None = None, status: int = 200):
    """One grouping's figures over a date range, with charts and CSV exports."""
    key_name = _grouping_or_404(grouping)
    start, end, errors = _date_range()
    items = reports.report(grouping, start, end, viewer=current_user)
    histogram = reports.response_histogram(start, end, viewer=current_user)
    context = _page_context(
        grouping, key_name, items, reports.totals(start, end, viewer=current_user), histogram
    )
    return (
        render_template(
            "console/reports.html",
            grouping=grouping,
            key_name=key_name,
            titles=TITLES,
            start=start,
            end=end,
            last_day=end - timedelta(days=1),
            date_errors=errors,
            items=items,
            histogram=histogram,
            reasons=reports.DECLINE_REASONS,
            spend_form=spend_form or SpendForm(formdata=None),
            range_args={"from": start.isoformat(), "to": end.isoformat()},
            **context,
        ),
        status,
    )


def _page_context(grouping, key_name, items: list[dict], totals: dict, histogram: list[dict]):
    noun = TITLES[grouping][1]
    busiest = sorted(items, key=lambda item: -item["offers"])[:TOP_BARS]
    label = lambda item: str(item[key_name] if item[key_name] is not None else NO_KEY[key_name])  # noqa: E731
    funnel_chart = charts.funnel(
        "chart-funnel",
        "From offer to won",
        f"Of {totals['offers']:,} offers, {totals['accepted']:,} were accepted and "
        f"{totals['won']:,} of those leads were won.",
        [("Offers", totals["offers"]), ("Accepted", totals["accepted"]), ("Won", totals["won"])],
    )
    rate_chart = charts.bar_chart(
        "chart-acceptance",
        f"Acceptance rate by {noun}",
        f"Share of offers accepted, for the {len(busiest)} {noun}s with the most offers"
        + (
            f"; highest: {label(max(busiest, key=lambda i: i['acceptance_rate']))}."
            if busiest
            else "."
        ),
        [
            (label(item), item["acceptance_rate"], f"{item['acceptance_rate']:.0%}")
            for item in busiest
        ],
        maximum=1.0,
    )
    table_items = items
    if len(items) > TABLE_ROWS:
        shown = {id(item) for item in sorted(items, key=lambda item: -item["offers"])[:TABLE_ROWS]}
        table_items = [item for item in items if id(item) in shown]
    answers = sum(bucket["answers"] for bucket in histogram)
    histogram_chart = charts.bar_chart(
        "chart-response",
        "Response times",
        f"How fast dealers accepted or declined: {answers:,} answers in {len(histogram)} "
        "time bands, fastest first.",
        [(bucket["bucket"], bucket["answers"], f"{bucket['answers']:,}") for bucket in histogram],
    )
    return {
        "totals": totals,
        "funnel_chart": funnel_chart,
        "rate_chart": rate_chart,
        "histogram_chart": histogram_chart,
        "key_label": label,
        "table_items": table_items,
        "hidden_rows": len(items) - len(table_items),
        "duration": charts.duration_text,
    }


@bp.get("/reports/<grouping>/<table>.csv")
@login_required_role(*COORDINATORS)
def export_report_table(grouping: str, table: str):
    """One table of a report page as CSV (the same range as the page)."""
    key_name = _grouping_or_404(grouping)
    if table not in TABLES:
        abort(404)
    start, end, _ = _date_range()
    filename = f"{grouping}-{table}-{start.isoformat()}-{end.isoformat()}.csv"
    if table == "response-times":
        rows = reports.response_histogram(start, end, viewer=current_user)
        return csv_response(reports.rows_to_csv(["bucket", "answers"], rows), filename)
    if table == "funnel":
        total = reports.totals(start, end, viewer=current_user)
        steps = [{"step": step, "count": total[step]} for step in ("offers", "accepted", "won")]
        return csv_response(reports.rows_to_csv(["step", "count"], steps), filename)
    items = reports.report(grouping, start, end, viewer=current_user)
    if table == "figures":
        return csv_response(reports.to_csv(items, key_name), filename)
    rows = [{key_name: item[key_name], **item["decline_reasons"]} for item in items]
    return csv_response(reports.rows_to_csv([key_name, *reports.DECLINE_REASONS], rows), filename)


@bp.post("/reports/campaigns/spend")
@login_required_role(Role.COORDINATOR)
def save_campaign_spend():
    """Record a campaign's spend from the campaign report page."""
    form = SpendForm()
    if form.validate_on_submit():
        try:
            spend = parse_order_value(form.spend.data)
            campaign = reports.set_campaign_spend(form.campaign.data, float(spend))
        except ValidationFailed as error:
            if "campaign" in error.errors:
                form.campaign.errors.append(error.errors["campaign"])
            else:
                form.spend.errors.append("Enter an amount like 1250.00.")
        else:
            flash(f"Spend for {campaign['campaign']} saved: {campaign['spend']:,.2f}.")
            return redirect(url_for("console.show_report", grouping="campaigns", **request.args))
    return show_report("campaigns", spend_form=form, status=422)
