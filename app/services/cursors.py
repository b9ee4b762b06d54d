"""Opaque keyset cursors for the API's lead pages: (updated_at, id) of the last lead."""

import base64
import binascii
import json
from datetime import datetime

from app.clock import iso
from app.models import Lead
from app.services.errors import ValidationFailed


def encode_cursor(lead: Lead) -> str:
    """An opaque cursor pointing just after this lead."""
    raw = json.dumps([iso(lead.updated_at), lead.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Read a cursor back; a malformed one is a 400-class error naming `cursor`."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        when, lead_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(when.replace("Z", "+00:00")), str(lead_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed("bad cursor", {"cursor": "is not a cursor this API gave"}) from None
