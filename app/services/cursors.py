"""Opaque keyset cursors for the API's lead pages: (updated_at, id) of the last lead."""

import base64
import binascii
import json
from datetime import datetime

from app.clock import iso
from app.inputs import parse_utc_datetime, strict_loads
from app.models import Lead
from app.services.errors import ValidationFailed

MAX_CURSOR_LENGTH = 200


def encode_cursor(lead: Lead) -> str:
    """An opaque cursor pointing just after this lead."""
    raw = json.dumps([iso(lead.updated_at), lead.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Read a cursor back; a malformed one is a 400-class error naming `cursor`."""
    invalid = ValidationFailed("bad cursor", {"cursor": "is not a cursor this API gave"})
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = strict_loads(base64.urlsafe_b64decode(padded.encode()))
        when, lead_id = decoded
        if not isinstance(when, str) or not isinstance(lead_id, str) or len(lead_id) > 32:
            raise invalid
        return parse_utc_datetime(when, "cursor"), lead_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, ValidationFailed):
        raise invalid from None
