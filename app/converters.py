"""URL converters: `<int:...>` takes only what a database id can be.

Werkzeug's integer converter matches any run of digits, so a 25-digit id reached the
database and overflowed it (a 500). Ours bounds it to a signed 64-bit integer: a
larger number matches no route, which is a 404.
"""

from werkzeug.routing import IntegerConverter

MAX_ID = 2**63 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:name>` from 0 to 2**63 - 1; anything larger is no match (404)."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
