"""Console users and tokens: invite, deactivate, reset a password, issue and revoke tokens."""

import re

import pytest

from app.extensions import db
from app.models import User
from app.services.tokens import issue_token
from app.services.users import create_user
from tests.conftest import Api, csrf_token_in
from tests.factories import make_dealer


@pytest.fixture
def signed_in(auth, coordinator):
    auth.login("oem@example.com")
    return coordinator


def test_invite_without_password_shows_a_generated_one_once(client, signed_in, auth):
    make_dealer("D-BER-1")
    page = client.get("/console/users").get_data(as_text=True)
    response = client.post(
        "/console/users",
        data={
            "csrf_token": csrf_token_in(page),
            "email": "New.Seller@Example.com",
            "role": "salesperson",
            "dealer": "D-BER-1",
            "password": "",
        },
    )
    html = response.get_data(as_text=True)
    secret = re.search(r'<code class="secret__value">([^<]+)</code>', html).group(1)
    assert "new.seller@example.com</strong> can sign in with this password" in html
    assert secret not in client.get("/console/users").get_data(as_text=True)
    auth.logout()
    assert auth.login("new.seller@example.com", secret).headers["Location"].endswith("/inbox")


def test_bad_user_input_names_the_field(client, signed_in):
    page = client.get("/console/users").get_data(as_text=True)
    response = client.post(
        "/console/users",
        data={"csrf_token": csrf_token_in(page), "email": "x@example.com", "role": "salesperson"},
    )
    assert response.status_code == 422
    assert "a dealer user needs a dealer code" in response.get_data(as_text=True)


def test_deactivate_reset_password_and_revoke_a_token(client, app, signed_in):
    make_dealer("D-BER-1")
    seller = create_user("s@example.com", "salesperson", "D-BER-1", "password-123")
    token_row, secret = issue_token(seller)
    api = Api(app.test_client(), secret)
    assert api.get("/api/v1/inbox").status_code == 200
    page = client.get(f"/console/users/{seller.id}").get_data(as_text=True)
    assert f"{token_row.prefix}…" in page
    token = csrf_token_in(page)

    client.post(f"/console/tokens/{token_row.id}/revoke", data={"csrf_token": token})
    assert api.get("/api/v1/inbox").status_code == 401
    assert "Revoked" in client.get(f"/console/users/{seller.id}").get_data(as_text=True)

    reset = client.post(f"/console/users/{seller.id}/password", data={"csrf_token": token})
    new_password = re.search(
        r'<code class="secret__value">([^<]+)</code>', reset.get_data(as_text=True)
    ).group(1)
    assert len(new_password) >= 12

    issued = client.post(f"/console/users/{seller.id}/tokens", data={"csrf_token": token})
    fresh = re.search(r'<code class="secret__value">([^<]+)</code>', issued.get_data(as_text=True))
    assert Api(app.test_client(), fresh.group(1)).get("/api/v1/inbox").status_code == 200

    client.post(f"/console/users/{seller.id}/active", data={"csrf_token": token, "active": "no"})
    db.session.expire_all()
    assert db.session.get(User, seller.id).active is False
    assert Api(app.test_client(), fresh.group(1)).get("/api/v1/inbox").status_code == 401
    client.post(f"/console/users/{seller.id}/active", data={"csrf_token": token, "active": "yes"})
    db.session.expire_all()
    assert db.session.get(User, seller.id).active is True


def test_a_coordinator_cannot_deactivate_itself(client, signed_in):
    page = client.get(f"/console/users/{signed_in.id}").get_data(as_text=True)
    response = client.post(
        f"/console/users/{signed_in.id}/active",
        data={"csrf_token": csrf_token_in(page), "active": "no"},
        follow_redirects=True,
    )
    assert "you cannot deactivate yourself" in response.get_data(as_text=True)


def test_settings_change_the_console_time_zone(client, signed_in):
    page = client.get("/console/settings").get_data(as_text=True)
    client.post(
        "/console/settings",
        data={"csrf_token": csrf_token_in(page), "timezone": "America/New_York"},
    )
    assert "Received from (America/New_York)" in client.get("/console").get_data(as_text=True)
    bad = client.post(
        "/console/settings", data={"csrf_token": csrf_token_in(page), "timezone": "Mars/Base"}
    )
    assert bad.status_code == 422
