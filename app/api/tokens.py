"""API tokens: issue, list (never the secret), revoke."""

from app.api import bp
from app.api.spec import api_endpoint
from app.api.views import optional_json_body
from app.auth import api_user, token_required
from app.responses import Items, TokenInfoOut, TokenOut
from app.schemas import TokenIn, parse
from app.services import tokens, users
from app.services.errors import NotFound
from app.services.serialisation import from_row, token_out


def _may_manage(user_id: int) -> None:
    # Coordinators manage everyone's tokens; anyone else only their own (404 otherwise).
    caller = api_user()
    if not caller.is_coordinator and caller.id != user_id:
        raise NotFound("no such user", {"id": "no such user"})


@bp.post("/users/<int:user_id>/tokens")
@token_required(relation="self_user")
@api_endpoint(
    "Issue an API token (optional expires_at); the secret is shown once",
    body=TokenIn,
    body_required=False,
    returns=TokenOut,
    status=201,
)
def create_token(user_id: int):
    """Issue an API token for a user (optionally expiring); the secret is shown once."""
    _may_manage(user_id)
    payload = parse(TokenIn, optional_json_body())
    row, secret = tokens.issue_token(users.get_user(user_id), payload.expires_at)
    return from_row(TokenOut, row, token=secret)


@bp.get("/users/<int:user_id>/tokens")
@token_required(relation="self_user")
@api_endpoint("A user's tokens (never the secret)", returns=Items[TokenInfoOut])
def list_tokens(user_id: int):
    """A user's tokens with when they were made and last used; never the secret."""
    _may_manage(user_id)
    rows = tokens.tokens_of_user(users.get_user(user_id))
    return Items[TokenInfoOut](items=[token_out(row) for row in rows])


@bp.delete("/tokens/<int:token_id>")
@token_required(relation="own_token")
@api_endpoint("Revoke a token: it answers 401 from then on", returns=None, status=204)
def revoke_token(token_id: int):
    """Revoke a token: it answers 401 from the next request on."""
    _may_manage(tokens.get_token(token_id).user_id)
    tokens.revoke_token(token_id)
    return "", 204
