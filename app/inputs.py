"""Strict input at the edge: URL integers, and (below) JSON bodies and query values.

Everything from outside is bounded here before any service or database sees it, so a
value the database cannot hold becomes a 4xx naming the field, never a 500.
"""

from flask import Flask
from werkzeug.routing import IntegerConverter

INT64_MAX = 2**63 - 1


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` that only matches ids a 64-bit column can hold (else the URL is a 404)."""

    # At most 19 digits in the pattern itself, so a longer number matches no rule at all.
    regex = r"\d{1,19}"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT64_MAX)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Install the bounded converters; call before any blueprint is registered."""
    app.url_map.converters["int"] = BoundedIntegerConverter
