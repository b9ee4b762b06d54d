"""Strict input at the edge: one JSON decoding path, bounded query values and URL ids.

Everything from outside is bounded here before any service or database sees it, so a
value the database cannot hold becomes a 4xx naming the field, never a 500:

- JSON bodies (`read_json_object()`, and `request.get_json()` itself, as the app's JSON
  provider is `StrictJSONProvider`): `Content-Type: application/json` or 415; at most
  MAX_DEPTH levels of nesting; no NaN / Infinity; no NUL characters; integers within
  64 bits; finite floats. Errors name the field as a dotted path (`customer.first_name`).
- JSON out never carries NaN or Infinity (it would not be JSON).
- Query times: `parse_utc_datetime` (bounded years, time zone required); query strings
  are validated by their models (app/schemas.py: LeadQuery, ReportQuery).
- `<int:id>` in URLs matches at most 10 digits and 2**31 - 1 (INTEGER ids on PostgreSQL).
- A NUL character anywhere in the path, the query, a form field or a header is a 400.

The parsing functions are plain Python (services may use them, e.g. to read a cursor);
the request helpers need a Flask request.
"""

import json
import math
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask, Request, Response, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from app.services.errors import BadRequest, UnsupportedMediaType, ValidationFailed

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Row ids are INTEGER columns: 32 bits on PostgreSQL.
ID_MAX = 2**31 - 1
MAX_DEPTH = 32
# Times outside these years cannot be stored or converted between zones safely.
MIN_YEAR, MAX_YEAR = 1900, 2999


class JSONRejected(ValueError):
    """A body that is not acceptable JSON; carries the contract's errors and a status."""

    def __init__(self, errors: dict[str, str], status: int = 400):
        super().__init__(next(iter(errors.values())))
        self.errors = errors
        self.status = status


# --- decoding -------------------------------------------------------------------------


def strict_loads(data: str | bytes) -> Any:
    """Decode JSON strictly (see the module docstring), or raise JSONRejected."""
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise JSONRejected({"body": "must be UTF-8 encoded JSON"}) from None
    try:
        # NaN and Infinity are read as floats only so that the walk below can name the
        # field that holds one; they are refused there like any non-finite number.
        value = json.loads(data, parse_constant=float)
    except RecursionError:
        raise JSONRejected({"body": f"is nested deeper than {MAX_DEPTH} levels"}) from None
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise JSONRejected({"body": f"must be valid JSON ({error.msg} at {where})"}) from None
    except ValueError:  # e.g. an integer of more than 4300 digits
        raise JSONRejected({"body": "holds a number too large to read"}) from None
    check_json_value(value)
    return value


def check_json_value(value: Any) -> None:
    """Walk a decoded value (without recursion): depth, NUL, 64-bit ints, finite floats."""
    stack: list[tuple[Any, tuple, int]] = [(value, (), 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise JSONRejected({"body": f"is nested deeper than {MAX_DEPTH} levels"})
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str) and "\x00" in key:
                    raise JSONRejected({_dotted(path) or "body": "keys must not contain NUL"}, 422)
                stack.append((child, (*path, key), depth + 1))
        elif isinstance(item, str):
            if "\x00" in item:
                raise JSONRejected({_dotted(path): "must not contain NUL characters"}, 422)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not INT64_MIN <= item <= INT64_MAX:
                raise JSONRejected({_dotted(path): "is out of range (64-bit integers only)"}, 422)
        elif isinstance(item, float) and not math.isfinite(item):
            raise JSONRejected({_dotted(path): "must be a finite number"}, 422)


def _dotted(path: tuple) -> str:
    return ".".join(str(part) for part in path) or "body"


class StrictJSONProvider(DefaultJSONProvider):
    """The app's JSON: strict decoding in (`request.get_json()`), no NaN out."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return strict_loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """Like Flask's, but a response never carries NaN or Infinity (not JSON)."""
        obj = self._prepare_response_obj(args, kwargs)
        dump_args: dict[str, Any] = {"allow_nan": False}
        if (self.compact is None and self._app.debug) or self.compact is False:
            dump_args["indent"] = 2
        else:
            dump_args["separators"] = (",", ":")
        return self._app.response_class(f"{self.dumps(obj, **dump_args)}\n", mimetype=self.mimetype)


class StrictRequest(Request):
    """`request.get_json()` errors keep their field paths (and 415 for other types)."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if isinstance(e, JSONRejected):
            raise (BadRequest if e.status == 400 else ValidationFailed)(str(e), e.errors)
        if e is None:
            raise UnsupportedMediaType(
                "not json", {"body": "send JSON with Content-Type: application/json"}
            )
        raise BadRequest("bad json", {"body": "must be valid JSON"})


# --- bodies of the current request ---------------------------------------------------


def _is_json_type() -> bool:
    mimetype = request.mimetype or ""
    return mimetype == "application/json" or mimetype.endswith("+json")


def read_json_object(optional: bool = False) -> dict:
    """The request's body as a JSON object, through the one strict path.

    `optional=True`: a request without any body reads as {} (actions whose body may be
    left out); a body that is there must still be JSON.
    """
    data = request.get_data(cache=True)
    # A form body may already have been parsed (and the stream read) for the NUL check.
    if optional and not data and not request.content_length:
        return {}
    if not _is_json_type():
        raise UnsupportedMediaType(
            "not json", {"body": "send JSON with Content-Type: application/json"}
        )
    if not data:
        raise BadRequest("empty body", {"body": "must be a JSON object"})
    try:
        value = strict_loads(data)
    except JSONRejected as error:
        raise (BadRequest if error.status == 400 else ValidationFailed)(
            str(error), error.errors
        ) from None
    if not isinstance(value, dict):
        raise BadRequest("not an object", {"body": "must be a JSON object"})
    return value


# --- query values ---------------------------------------------------------------------


def id_arg(name: str) -> int | None:
    """An optional row id in the query (a page marker): None unless a plausible id."""
    raw = request.args.get(name, "")
    if raw.isascii() and raw.isdigit() and len(raw) <= 10 and 0 < int(raw) <= ID_MAX:
        return int(raw)
    return None


def parse_utc_datetime(raw: str, field: str) -> datetime:
    """An ISO 8601 time with a zone, as aware UTC; a 422 naming `field` otherwise."""
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
    except (ValueError, TypeError):
        raise ValidationFailed("bad time", {field: "must be an ISO 8601 time"}) from None
    if value.tzinfo is None:
        raise ValidationFailed("bad time", {field: "needs a time zone, e.g. Z"})
    try:
        value = value.astimezone(UTC)
    except (OverflowError, ValueError):
        value = None
    if value is None or not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationFailed(
            "bad time", {field: f"must be between the years {MIN_YEAR} and {MAX_YEAR}"}
        )
    return value


# --- URLs, forms, headers ---------------------------------------------------------------


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` that only matches ids an INTEGER column can hold (else the URL is a 4xx)."""

    # At most 10 digits in the pattern itself, so a longer number matches no rule at all.
    regex = r"\d{1,10}"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def date_arg(name: str) -> date | None:
    """An optional YYYY-MM-DD query date within the supported years."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed("bad date", {name: "must be a date like 2026-11-01"}) from None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationFailed(
            "bad date", {name: f"must be between the years {MIN_YEAR} and {MAX_YEAR}"}
        )
    return value


def _reject_nul_characters():
    # PostgreSQL cannot store NUL in text, and nothing legitimate sends one.
    if "\x00" in request.path:
        raise BadRequest("nul", {"path": "must not contain NUL characters"})
    query = request.query_string
    # A NUL in the decoded query is a raw one or %00: only then are the values decoded.
    if b"\x00" in query or b"%00" in query:
        for name, value in request.args.items(multi=True):
            if "\x00" in value or "\x00" in name:
                raise BadRequest(
                    "nul", {name.replace("\x00", "") or "query": "must not contain NUL"}
                )
    # The header values as the server gave them (werkzeug's headers are views of these);
    # names are worked out only for the error.
    if any("\x00" in value for value in request.environ.values() if isinstance(value, str)):
        for name, value in request.headers.items():
            if "\x00" in value:
                raise BadRequest("nul", {name: "must not contain NUL characters"})
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):
            if "\x00" in value or "\x00" in name:
                raise ValidationFailed(
                    "nul", {name.replace("\x00", "") or "form": "must not contain NUL characters"}
                )


def init_app(app: Flask) -> None:
    """Strict JSON in and out, bounded URL ids, no NUL; call before blueprints register."""
    app.json_provider_class = StrictJSONProvider
    app.json = StrictJSONProvider(app)
    app.request_class = StrictRequest
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(_reject_nul_characters)
