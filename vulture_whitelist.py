"""Names vulture cannot see used: read by a framework, stored data, or the wire format.

Each group says who uses them. Anything else vulture reports is dead: delete it or
wire it up (`make lint` and `make test` fail on it).
"""

# ruff: noqa
from vulture.whitelist_utils import Whitelist

_ = Whitelist()

# Framework hooks and settings, called or read by name.
connection_record  # SQLAlchemy's connect event signature (app/__init__.py)
_.login_view  # Flask-Login
_.login_message  # Flask-Login
_.id_attribute  # Flask-Login reads session_cookie_id through it
_.session_cookie_id  # Flask-Login (via id_attribute)
_.on_json_loading_failed  # Flask's Request hook
_.regex  # Werkzeug URL converter
_.json_provider_class  # Flask
_.request_class  # Flask
_.session_interface  # Flask (app/security.py: SessionCookieOnlyWhenSent)
no_limit_applies  # Flask-Limiter request filter (app/api/submitters.py)
_.frame_ancestors  # app/security.py: read by the CSP builder through getattr
_.audited  # app/services/audit.py: flag on flask.g
_.request_audit  # app/services/audit.py: on flask.g, read back by g.get("request_audit")
_.checked_object  # app/auth.py: on flask.g only to keep the checked lead loaded for the view
login_rate_limited  # registered by ratelimits.rate_limited_page
cls  # pydantic field validators are classmethods
TESTING  # Flask config key in bench/recycling.py

# Stored columns: written and read through the database, and by reports and audits.
_.lost_note  # Lead: written by services/stages.py, read by name into the API's LeadOut
_.order_values  # ReportItemOut: built by services/reports.order_figures, read by name
_.two_way  # AmountReading: read by templates/inbox/_amount_preview.html
_.revoked_at
_.reminded_at
_.responded_by_id
_.actor_user_id
_.answered_by_id
_.asked_by
_.last_success_at
_.last_error
_.read_at
_.hidden  # privacy.CustomerView: whether contact details were held back

# Wire format: enum members and response fields sent as JSON.
CONTACTED
QUALIFIED
APPOINTMENT
_.accepted
_.declined
_.expired
_.conversion_rate

# Kept on purpose, with their owner.
stop_background  # app/worker.py: stops the worker thread (tests; an embedding host at shutdown)
lead_to_adf  # intake (issue 10b): ADF/XML out, tested; its export endpoint is that issue's
CONTACT_FIELDS  # tiers (issue 12): the privacy rule's list of held-back fields

# New on main during this session, for their owners to wire up or delete (struct's
# last merge; each owner's issue decides): console charts and board, dealer picker,
# route effects, reports, webhooks.
x  # app/console/charts.py
centered  # app/console/charts.py
_.centered
DELIVERY_CHANNELS  # app/models.py (reports: delivery log)
_.decline_reasons  # app/responses.py (reports)
_.due_at  # app/services/board.py (console)
_.count_cap  # app/services/board.py (console)
_.missing_groups  # app/services/dealer_picker.py (console)
_.excluded_because  # app/services/dealer_picker.py (console)
_.sampled  # app/services/route_effects.py (console)
_.unchanged  # app/services/route_effects.py (console)
dealer_report  # app/services/reports.py (reports)
conn  # bench/reports.py: sqlite3 hook signature
executemany  # bench/reports.py
flush_context  # app/services/candidates.py: SQLAlchemy after_flush hook signature
_.dealers_reaching  # app/routing/index.py (perf): used by tests of the index
_.max_radius_km  # app/routing/index.py (perf): read by tests of the index
_.valid  # app/services/lead_import.py: ImportReport.valid, read into LeadImportReportOut by serialisation.from_row
_.expire_on_commit  # app/services/unit_of_work.py: SQLAlchemy reads it at commit

# Dealer app (lang, issue 14): WTForms calls validate_<field>; templates read the rest.
_.validate_lost_reason  # app/inbox/forms.py StageForm
_.author_id  # app/models.py LeadNote: the foreign key behind `author`
_.author  # app/models.py LeadNote, read by templates/inbox/_notes.html

# Notification preferences per device (notify, issue 14): templates/inbox/_device.html reads them.
_.registered_at  # app/services/push_preferences.py Device
_.this_device  # app/services/push_preferences.py Device
_.wants  # app/services/push_preferences.py Device
forgot_password_rate_limited  # app/public/views.py: registered as the 429 page by its decorator
_.get_timestamp  # app/services/password_reset.py: itsdangerous calls it
_.default_signer  # app/services/password_reset.py: itsdangerous reads it
# Public form: WTForms reads a field's widget and calls its process_formdata.
_.widget  # app/form/fields.py LocaleNumberField
_.process_formdata  # app/form/fields.py LocaleNumberField
