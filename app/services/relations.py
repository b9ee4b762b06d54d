"""How a caller must relate to the object a URL names, checked before the view runs.

A view declares its relation (`@token_required(..., relation="lead")`, see app/auth.py);
the check here raises NotFound when the caller may not see the object, so whatever it
is, it answers exactly as if it did not exist. Views still load the object through the
same services: the declaration makes the rule visible and testable, it does not
replace the service's own check.
"""

from collections.abc import Callable

from sqlalchemy import exists, select

from app.extensions import db
from app.models import ApiToken, Lead, Offer, Question, User
from app.services.errors import NotFound
from app.services.visibility import acting_dealer_ids, get_visible_lead


def _lead(user: User, kwargs: dict) -> Lead:
    """The caller sees the lead named by `lead_id`."""
    return get_visible_lead(kwargs["lead_id"], user)


def _offered_lead(user: User, kwargs: dict) -> Lead | None:
    """The caller sees the lead, or its dealer was offered it once.

    The contract: once a dealer's offer has ended, `accept` / `decline` answer 409 for
    it (the service says why) while everything else is a 404.
    """
    lead_id = kwargs["lead_id"]
    try:
        return get_visible_lead(lead_id, user)
    except NotFound:
        dealer_ids = acting_dealer_ids(user)
        offered = dealer_ids and db.session.scalar(
            select(
                exists().where(
                    Offer.lead_id == lead_id,
                    Offer.dealer_id.in_(dealer_ids),
                    Offer.status.in_(("declined", "expired", "withdrawn")),
                )
            )
        )
        if not offered:
            raise
        return None


def _question(user: User, kwargs: dict) -> None:
    """The caller sees the lead the question named by `question_id` is about."""
    lead_id = db.session.scalar(
        select(Question.lead_id).where(Question.id == kwargs["question_id"])
    )
    if lead_id is None:
        raise NotFound("no such question", {"id": "no such question"})
    try:
        get_visible_lead(lead_id, user)
    except NotFound:
        raise NotFound("no such question", {"id": "no such question"}) from None


def _manages_everyone(user: User) -> bool:
    """An unrestricted coordinator; a regional one manages only itself."""
    return user.is_coordinator and not user.regions


def _self_user(user: User, kwargs: dict) -> None:
    """The user named by `user_id` is the caller (or the caller manages everyone)."""
    if kwargs["user_id"] != user.id and not _manages_everyone(user):
        raise NotFound("no such user", {"id": "no such user"})


def _own_token(user: User, kwargs: dict) -> None:
    """The token named by `token_id` is the caller's (or the caller manages everyone)."""
    owner = db.session.scalar(select(ApiToken.user_id).where(ApiToken.id == kwargs["token_id"]))
    if owner is None or (owner != user.id and not _manages_everyone(user)):
        raise NotFound("no such token", {"id": "no such token"})


# relation name -> check(user, view kwargs), which returns what it loaded (or None);
# tests/access/test_matrix.py knows each one.
CHECKS: dict[str, Callable[[User, dict], object]] = {
    "lead": _lead,
    "offered_lead": _offered_lead,
    "question": _question,
    "self_user": _self_user,
    "own_token": _own_token,
}
