"""The authorization matrix, generated from the app's URL map.

Every endpoint × every kind of user × their own / someone else's object → the status
its access declaration (app/auth.py) promises:

- anonymous: the API answers 401, a page sends to sign-in; public views let anyone in;
- a role the view does not name: 403 (a page GET goes to the user's home instead);
- someone else's object (a lead the user may not see): 404, as if it did not exist;
- the user's own object: anything but 401 / 403 / 404 and never a 5xx (a 409 or a 422
  for the empty body this test sends is fine: access was granted).

A view without a declaration fails `test_every_endpoint_declares_who_may_use_it`. A URL
argument the test cannot fill fails too: add a sample value to `SAMPLES` below, or
declare the relation that names it (app/services/relations.py).
"""

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from app.auth import ANYONE, access_role, declared_access
from app.extensions import db as _db
from app.extensions import limiter
from app.models import (
    ApiToken,
    Dealer,
    InterestRoute,
    Lead,
    LineItem,
    Offer,
    Question,
    User,
    Webhook,
)
from app.services.forms import create_form
from app.services.review_rules import create_rule
from app.services.users import create_token, create_user
from tests import conftest
from tests.factories import make_dealer

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PASSWORD = "password-123"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# URL argument -> the relation whose objects fill it (own / someone else's).
RELATION_ARGS = {
    "lead": "lead_id",
    "offered_lead": "lead_id",
    "question": "question_id",
    "self_user": "user_id",
    "own_token": "token_id",
}


@dataclass(frozen=True)
class Persona:
    """One kind of user in the matrix, and which objects are theirs or not."""

    name: str
    email: str | None  # None: anonymous
    own_lead: str | None = None
    other_lead: str | None = None
    own_question: str | None = None
    other_question: str | None = None


# Lead and question keys refer to the world built below.
PERSONAS = (
    Persona("anonymous", None, "L_OWN", "L_OTHER", "Q_OWN", "Q_OTHER"),
    # A salesperson's "someone else's" lead is a colleague's, in their own dealership.
    Persona("salesperson", "sales@own.example", "L_SALES", "L_COLLEAGUE", "Q_OWN", "Q_OTHER"),
    Persona("dealer_manager", "manager@own.example", "L_OWN", "L_OTHER", "Q_OWN", "Q_OTHER"),
    Persona("distributor", "manager@dist.example", "L_SUB_OWNED", "L_OTHER", "Q_SUB", "Q_OTHER"),
    Persona("sub_dealer", "manager@sub.example", "L_SUB_PENDING", "L_DIST", "Q_SUB", "Q_DIST"),
    Persona("other_dealer", "manager@other.example", "L_OTHER", "L_OWN", "Q_OTHER", "Q_OWN"),
    Persona(
        "regional_coordinator", "north@oem.example", "L_NORTH", "L_SOUTH", "Q_NORTH", "Q_SOUTH"
    ),
    Persona("coordinator", "oem@oem.example", "L_SOUTH", None, "Q_SOUTH", None),
)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One app and a network with every kind of user, saved once and restored per endpoint."""
    folder = tmp_path_factory.mktemp("matrix")
    live, template = folder / "live.db", folder / "template.db"
    config = conftest.TestConfig(f"sqlite:///{live}")
    config.WTF_CSRF_ENABLED = False  # CSRF has its own tests; here every POST must reach access
    app = create_app(config)
    app.test_client_class = conftest.FreshContextClient
    with app.app_context():
        _db.create_all()
        keys = _build_network()
        tokens = {
            persona.name: create_token(_user(persona.email))
            for persona in PERSONAS
            if persona.email
        }
        roles = {
            persona.name: _role_of(_user(persona.email)) for persona in PERSONAS if persona.email
        }
        clients = {persona.name: _signed_in_client(app, persona) for persona in PERSONAS}
        create_token(_user("colleague@own.example"))
        for persona in (*PERSONAS, Persona("colleague", "colleague@own.example")):
            if persona.email:
                user = _user(persona.email)
                keys[f"user:{persona.name}"] = str(user.id)
                keys[f"token:{persona.name}"] = str(
                    _db.session.query(ApiToken.id).filter_by(user_id=user.id).first()[0]
                )
        _db.session.remove()
        _db.engine.dispose()
    _copy_database(live, template)

    def restore():
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
            limiter.reset()  # rate limits have their own tests; here no 429 may hide a rule
        _copy_database(template, live)

    yield {
        "app": app,
        "keys": keys,
        "tokens": tokens,
        "roles": roles,
        "clients": clients,
        "restore": restore,
    }
    with app.app_context():
        _db.engine.dispose()


def _copy_database(source, target) -> None:
    """Copy a SQLite database, write-ahead log included, with SQLite's backup API."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _user(email: str) -> User:
    return _db.session.query(User).filter_by(email=email).one()


def _role_of(user: User) -> tuple[str, str | None]:
    return access_role(user), user.dealer.tier if user.dealer else None


def _signed_in_client(app, persona: Persona):
    client = app.test_client()
    if persona.email:
        response = client.post("/login", data={"email": persona.email, "password": PASSWORD})
        assert response.status_code == 302, f"{persona.name} could not sign in"
    return client


def _build_network() -> dict[str, str]:
    """Dealers, users, leads in every relation, questions; returns keys -> ids."""
    own = make_dealer("D-OWN", name="Own dealer")
    dist = make_dealer("DIST", name="Distributor", tier="distributor")
    sub = make_dealer("SUB", name="Sub-dealer", parent="DIST")
    other = make_dealer("OTHER", name="Other dealer")
    for email, role, code in (
        ("sales@own.example", "salesperson", "D-OWN"),
        ("colleague@own.example", "salesperson", "D-OWN"),
        ("manager@own.example", "dealer_manager", "D-OWN"),
        ("manager@dist.example", "dealer_manager", "DIST"),
        ("manager@sub.example", "dealer_manager", "SUB"),
        ("manager@other.example", "dealer_manager", "OTHER"),
        ("oem@oem.example", "coordinator", None),
        ("north@oem.example", "coordinator", None),
    ):
        create_user(email, role, code, PASSWORD)
    _user("north@oem.example").regions = ["DE-1"]  # Berlin and around: 10117, not 80331
    keys = {
        "L_SALES": _lead(owner=own, assignee=_user("sales@own.example")),
        "L_COLLEAGUE": _lead(owner=own, assignee=_user("colleague@own.example")),
        "L_OWN": _lead(owner=own),
        "L_SUB_OWNED": _lead(owner=sub),
        "L_SUB_PENDING": _lead(pending=sub, return_to=dist),
        "L_DIST": _lead(owner=dist),
        "L_OTHER": _lead(owner=other),
        "L_NORTH": _lead(postal_code="10117"),
        "L_SOUTH": _lead(postal_code="80331"),
    }
    asker = _user("manager@own.example")
    for key, lead_key, dealer in (
        ("Q_OWN", "L_OWN", own),
        ("Q_SUB", "L_SUB_OWNED", sub),
        ("Q_DIST", "L_DIST", dist),
        ("Q_OTHER", "L_OTHER", other),
        ("Q_NORTH", "L_NORTH", own),
        ("Q_SOUTH", "L_SOUTH", other),
    ):
        question = Question(
            lead_id=keys[lead_key], dealer=dealer, asked_by_id=asker.id, body="Stock?", asked_at=NOW
        )
        _db.session.add(question)
        _db.session.flush()
        keys[key] = str(question.id)
    keys["rule_id"] = str(create_rule({"kind": "source", "value": "csv"}).id)
    form = create_form({"name": "Brand site", "allowed_origins": []})
    keys["public_key"], keys["form_id"] = form.public_key, str(form.id)
    route = InterestRoute(category="new", dealer_codes=["D-OWN"])
    webhook = Webhook(url="https://hooks.example/in", events=["offer.accepted"], secret="s" * 16)
    _db.session.add_all([route, webhook])
    _db.session.commit()
    keys["route_id"] = str(route.id)
    keys["webhook_id"] = str(webhook.id)
    keys["user_id"] = str(asker.id)
    return keys


def _lead(
    owner: Dealer | None = None,
    pending: Dealer | None = None,
    return_to: Dealer | None = None,
    postal_code: str = "10117",
    assignee: User | None = None,
) -> str:
    """A lead owned by `owner`, or offered to `pending`, or waiting in the OEM queue."""
    lead = Lead(
        status="accepted" if owner else "offered" if pending else "unassigned",
        first_name="Eva",
        last_name="Ng",
        email="eva@example.com",
        inquiry_type="b2c",
        postal_code=postal_code,
        country="DE",
        owner_dealer_id=owner.id if owner else None,
        assignee_user_id=assignee.id if assignee else None,
        holder_dealer_id=(owner or pending).id if owner or pending else None,
        created_at=NOW,
        updated_at=NOW,
        line_items=[LineItem(product_group="tractors", sku="TR-500")],
    )
    _db.session.add(lead)
    _db.session.flush()
    dealer = owner or pending
    if dealer is not None:
        _db.session.add(
            Offer(
                lead_id=lead.id,
                dealer_id=dealer.id,
                status="accepted" if owner else "pending",
                offered_at=NOW,
                expires_at=NOW + timedelta(hours=1),
                responded_at=NOW if owner else None,
                return_to_dealer_id=return_to.id if return_to else None,
            )
        )
    _db.session.flush()
    return lead.id


# Fixed values for URL arguments no relation names (the objects exist in the world).
SAMPLES = {
    "code": lambda keys: "D-OWN",
    "route_id": lambda keys: keys["route_id"],
    "filename": lambda keys: "css/app.css",
    "public_key": lambda keys: keys["public_key"],
    "form_id": lambda keys: keys["form_id"],
    "rule_id": lambda keys: keys["rule_id"],
    "webhook_id": lambda keys: keys["webhook_id"],
    "campaign": lambda keys: "spring-26",
    "grouping": lambda keys: "dealers",
    "table": lambda keys: "figures",
    "token": lambda keys: "not-a-reset-token",  # /reset-password/<token>: public, 404 without SMTP
    # Console pages about any user or token (unrestricted coordinators only): a
    # dealer manager, and a salesperson's token.
    "user_id": lambda keys: keys["user:dealer_manager"],
    "token_id": lambda keys: keys["token:colleague"],
}


def _endpoints(app):
    """(rule, method, view) for every routed endpoint and method."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted(set(rule.methods or ()) & set(METHODS)):
            yield rule, method, app.view_functions[rule.endpoint]


def _url(rule, access, persona: Persona, keys, whose: str) -> str | None:
    """The rule's URL with the persona's own or someone else's object; None: no such case."""
    values = {}
    relation_arg = RELATION_ARGS.get(access.relation) if access.relation else None
    for argument in rule.arguments:
        if argument in ("user_id", "token_id") and argument == relation_arg:
            # Users and tokens: the persona's own, or a colleague's (everyone's for the
            # unrestricted coordinator, who has no "someone else's").
            kind = argument.removesuffix("_id")
            if whose == "other" and persona.name == "coordinator":
                return None
            owner = persona.name if whose == "own" and persona.email else "colleague"
            values[argument] = keys[f"{kind}:{owner}"]
        elif argument == relation_arg:
            key = getattr(persona, f"{whose}_{'question' if 'question' in argument else 'lead'}")
            if key is None:
                return None
            values[argument] = keys[key]
        else:
            values[argument] = SAMPLES[argument](keys)
    return rule.build(values, append_unknown=False)[1]


def _expected(access, persona: Persona, role: tuple[str, str | None] | None, whose: str):
    """What the declaration promises for this persona and object."""
    if ANYONE in access.roles:
        return "served"
    if role is None:
        return 401 if access.via == "api" else "sign-in"
    access_role_name, tier = role
    if access_role_name not in access.roles or (access.tier and tier != access.tier):
        return 403
    if access.relation and whose == "other":
        return 404
    return "allowed"


def _check(response, expected, access, method: str, home: str) -> str | None:
    """None when the response keeps the promise, else what went wrong."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if status >= 500:
        return f"server error {status}"
    if expected == "served":
        return None
    if expected == "sign-in":
        return None if status in (302, 401) and "/login" in location else f"{status} {location}"
    if expected == 403 and access.via == "page" and method == "GET":
        return None if status == 302 and location.endswith(home) else f"{status} {location}"
    if expected in (401, 403, 404):
        return None if status == expected else f"{status}, expected {expected}"
    if status in (401, 403, 404) or "/login" in location:
        return f"{status} {location}: access refused to its own object"
    return None


def access_gaps(app) -> tuple[list[str], list[str]]:
    """(views with no access declaration, URL arguments no relation or sample fills)."""
    undeclared, unfillable = [], []
    for rule, method, view in _endpoints(app):
        access = declared_access(view)
        if access is None:
            undeclared.append(f"{method} {rule.rule} ({rule.endpoint})")
            continue
        relation_arg = RELATION_ARGS.get(access.relation)
        for argument in rule.arguments:
            if argument != relation_arg and argument not in SAMPLES:
                unfillable.append(f"{method} {rule.rule}: <{argument}>")
    return undeclared, unfillable


def test_every_endpoint_declares_who_may_use_it(world):
    """Every routed view declares its access, and the matrix can fill every URL argument."""
    undeclared, unfillable = access_gaps(world["app"])
    assert not undeclared, (
        "declare who may use these (app/auth.py: token_required, login_required_role, "
        f"public, declare_access): {undeclared}"
    )
    assert not unfillable, (
        "declare the relation naming these arguments, or add a sample to SAMPLES in "
        f"tests/access/test_matrix.py: {unfillable}"
    )


def test_a_new_endpoint_without_a_declaration_is_caught(tmp_path):
    """The check above is not vacuous: an endpoint added without a rule is reported."""
    app = create_app(conftest.TestConfig(f"sqlite:///{tmp_path / 'x.db'}"))

    @app.get("/api/v1/leads/<lead_id>/brand-new")
    def brand_new(lead_id):
        return {"id": lead_id}

    undeclared, _ = access_gaps(app)
    assert undeclared == ["GET /api/v1/leads/<lead_id>/brand-new (brand_new)"]


def test_authorization_matrix(world):
    """Every endpoint × every persona × own / someone else's object keeps its declaration."""
    app, keys = world["app"], world["keys"]
    failures, checked = [], 0
    for rule, method, view in _endpoints(app):
        access = declared_access(view)
        if access is None or rule.endpoint == "static":
            continue
        world["restore"]()
        for persona in PERSONAS:
            role = world["roles"].get(persona.name)
            home = "/console" if role and "coordinator" in role[0] else "/inbox"
            for whose in ("own", "other") if access.relation else ("own",):
                url = _url(rule, access, persona, keys, whose)
                if url is None:
                    continue
                if method != "GET":
                    world["restore"]()  # what one request changed never decides another's
                expected = _expected(access, persona, role, whose)
                response = _request(world, persona, access, method, url)
                checked += 1
                problem = _check(response, expected, access, method, home)
                if problem:
                    failures.append(
                        f"{method} {url} [{rule.endpoint}] as {persona.name} ({whose} object): "
                        f"{problem}"
                    )
    assert checked > 300
    assert not failures, "\n".join(failures)


def test_may_see_in_memory_agrees_with_the_sql_rule(world):
    """visibility.may_see (for pushes about a lead not yet flushed) and visible_to (every
    query) give the same answer for every persona and every lead of the world."""
    from app.services.visibility import may_see, visible_leads

    world["restore"]()
    lead_keys = [key for key in world["keys"] if key.startswith("L_")]
    with world["app"].app_context():
        disagreements = []
        for persona in PERSONAS:
            if persona.email is None:
                continue
            user = _user(persona.email)
            seen = set(_db.session.scalars(visible_leads(user).with_only_columns(Lead.id)))
            for key in lead_keys:
                lead = _db.session.get(Lead, world["keys"][key])
                if may_see(user, lead) != (lead.id in seen):
                    disagreements.append(f"{persona.name} / {key}")
        _db.session.remove()
    assert not disagreements


def _request(world, persona: Persona, access, method: str, url: str):
    client = world["clients"][persona.name]
    token = world["tokens"].get(persona.name)
    headers = {"Authorization": f"Bearer {token}"} if token and access.via == "api" else {}
    kwargs = {"json": {}} if access.via == "api" and method != "GET" else {}
    if access.via != "api" and method != "GET":
        kwargs = {"data": {}}
    return client.open(url, method=method, headers=headers, **kwargs)
