"""Fixtures for web push tests; other folders import PushReceiver from tests.push.receiver."""

import pytest

from tests.push.receiver import PushReceiver


@pytest.fixture
def push_receiver():
    """A started local push service; its .subscription decrypts what it receives."""
    with PushReceiver() as receiver:
        yield receiver


@pytest.fixture
def vapid_keys(tmp_path):
    """Fresh VAPID keys kept in a temporary instance folder."""
    from app.webpush import load_or_create_vapid_keys

    return load_or_create_vapid_keys(str(tmp_path / "instance"), {})


@pytest.fixture
def keys(app, vapid_keys):
    """The app signs with a throwaway key (never the developer's instance/ key)."""
    app.config["VAPID_PRIVATE_KEY"] = vapid_keys.private_key_pem
    return vapid_keys
