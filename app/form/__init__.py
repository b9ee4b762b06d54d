"""The public inquiry form: /f/KEY (framed by brand sites), its helpers, and /embed.js.

The blueprint is named `form` and keeps its templates in templates/form/; its URLs are
`/f/<public_key>` (short, because brand sites paste them) and `/embed.js`.
"""

from flask import Blueprint

bp = Blueprint("form", __name__)

from app.form import views  # noqa: E402,F401
