"""API tokens: issued once, listed without the secret, revoked or expired for good."""

from datetime import timedelta

import pytest

from app.clock import iso
from app.services.users import create_user
from tests.conftest import Api
from tests.factories import make_dealer


@pytest.fixture
def dealer_user(app):
    make_dealer("D-BER-1")
    return create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")


@pytest.mark.both_databases
def test_revoked_token_answers_401_from_then_on(client, oem, dealer_user):
    issued = oem.post(f"/api/v1/users/{dealer_user.id}/tokens")
    assert issued.status_code == 201
    body = issued.get_json()
    assert set(body) >= {"id", "token"}
    dealer = Api(client, body["token"])
    assert dealer.get("/api/v1/inbox").status_code == 200

    assert (
        client.delete(
            f"/api/v1/tokens/{body['id']}", headers={"Authorization": f"Bearer {oem.token}"}
        ).status_code
        == 204
    )
    refused = dealer.get("/api/v1/inbox")
    assert refused.status_code == 401
    assert "authorization" in refused.get_json()["errors"]
    listed = oem.get(f"/api/v1/users/{dealer_user.id}/tokens").get_json()["items"]
    assert [item["revoked"] for item in listed] == [True]


def test_token_list_never_shows_the_secret(client, oem, dealer_user):
    secret = oem.post(f"/api/v1/users/{dealer_user.id}/tokens").get_json()["token"]
    Api(client, secret).get("/api/v1/inbox")
    listing = oem.get(f"/api/v1/users/{dealer_user.id}/tokens")
    assert listing.status_code == 200
    assert secret not in listing.get_data(as_text=True)
    (item,) = listing.get_json()["items"]
    assert {"id", "created_at", "last_used_at", "revoked"} <= set(item)
    assert item["last_used_at"] is not None and item["revoked"] is False
    assert "token" not in item


def test_token_expires_at_its_expiry(client, oem, dealer_user, clock):
    expires = clock.now + timedelta(days=1)
    issued = oem.post(
        f"/api/v1/users/{dealer_user.id}/tokens", json={"expires_at": iso(expires)}
    ).get_json()
    assert issued["expires_at"] == iso(expires)
    dealer = Api(client, issued["token"])
    assert dealer.get("/api/v1/inbox").status_code == 200
    clock.advance(days=1)
    assert dealer.get("/api/v1/inbox").status_code == 401


@pytest.mark.parametrize(
    "expires_at, field",
    [
        ("2020-01-01T00:00:00Z", "must be in the future"),
        ("2027-01-01T00:00:00", "needs a time zone"),
        ("9999-12-31T23:59:59-23:59", "out of range"),
        ("soon", "datetime"),
    ],
)
def test_bad_expiry_is_a_422_naming_expires_at(oem, dealer_user, clock, expires_at, field):
    answer = oem.post(f"/api/v1/users/{dealer_user.id}/tokens", json={"expires_at": expires_at})
    assert answer.status_code == 422
    assert field in answer.get_json()["errors"]["expires_at"]


def test_a_dealer_manages_only_its_own_tokens(client, oem, dealer_user, coordinator):
    own = oem.post(f"/api/v1/users/{dealer_user.id}/tokens").get_json()
    dealer = Api(client, own["token"])
    assert dealer.get(f"/api/v1/users/{coordinator.id}/tokens").status_code == 404
    assert dealer.post(f"/api/v1/users/{coordinator.id}/tokens").status_code == 404
    oem_tokens = oem.get(f"/api/v1/users/{coordinator.id}/tokens").get_json()["items"]
    assert (
        dealer.client.delete(
            f"/api/v1/tokens/{oem_tokens[0]['id']}",
            headers={"Authorization": f"Bearer {dealer.token}"},
        ).status_code
        == 404
    )
    assert oem.get("/api/v1/dealers").status_code == 200
    assert dealer.get(f"/api/v1/users/{dealer_user.id}/tokens").status_code == 200


def test_unknown_and_huge_ids_are_404(oem):
    assert oem.get("/api/v1/users/999/tokens").status_code == 404
    assert (
        oem.client.delete(
            "/api/v1/tokens/999", headers={"Authorization": f"Bearer {oem.token}"}
        ).status_code
        == 404
    )
    assert oem.get(f"/api/v1/users/{2**70}/tokens").status_code == 404


def test_cli_lists_and_revokes_tokens(runner, client, dealer_user):
    created = runner.invoke(args=["create-token", "sales@example.com", "--expires-in-days", "30"])
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert Api(client, secret).get("/api/v1/inbox").status_code == 200

    listed = runner.invoke(args=["list-tokens", "sales@example.com"])
    assert listed.exit_code == 0
    rows = listed.output.strip().splitlines()
    assert rows[0].startswith("id\tprefix")
    token_id = rows[1].split("\t")[0]
    assert secret not in listed.output and rows[1].endswith("live")

    revoked = runner.invoke(args=["revoke-token", token_id])
    assert revoked.exit_code == 0 and "revoked token" in revoked.output
    assert Api(client, secret).get("/api/v1/inbox").status_code == 401
    assert (
        runner.invoke(args=["list-tokens", "sales@example.com"]).output.strip().endswith("revoked")
    )
    assert runner.invoke(args=["revoke-token", "4242"]).exit_code != 0


def test_openapi_describes_the_token_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/users/{user_id}/tokens"])
    assert "delete" in paths["/api/v1/tokens/{token_id}"]
