"""Opaque keyset cursors for the API's lead pages: (updated_at, id) of the last lead."""

import binascii
import json
from datetime import datetime

from py_vapid.utils import b64urldecode, b64urlencode

from app.clock import iso
from app.inputs import parse_utc_datetime, strict_loads
from app.models import Lead, could_be_lead_id
from app.services.errors import ValidationFailed

MAX_CURSOR_LENGTH = 200


def encode_cursor(lead: Lead) -> str:
    """An opaque cursor pointing just after this lead."""
    raw = json.dumps([iso(lead.updated_at), lead.id]).encode()
    return b64urlencode(raw)


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Read a cursor back; a malformed one is a 400-class error naming `cursor`."""
    invalid = ValidationFailed("bad cursor", {"cursor": "is not a cursor this API gave"})
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid
    try:
        decoded = strict_loads(b64urldecode(cursor.encode()))
        when, lead_id = decoded
        if not isinstance(when, str) or not could_be_lead_id(lead_id):
            raise invalid
        return parse_utc_datetime(when, "cursor"), lead_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, ValidationFailed):
        raise invalid from None
