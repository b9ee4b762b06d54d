"""Security headers on every page, and no inline script anywhere a CSP would block."""

import re
from pathlib import Path

from flask import Flask

from app import PROJECT_ROOT
from app.security import allow_framing
from app.services.users import create_user
from tests.factories import make_dealer

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def test_pages_carry_a_strict_csp_and_the_other_headers(client):
    page = client.get("/login")
    csp = page.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["script-src"].startswith("'self'")
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in page.headers["Permissions-Policy"]
    api = client.get("/api/v1/openapi.json")
    assert api.headers["X-Content-Type-Options"] == "nosniff"


def test_json_answers_carry_the_pages_headers_with_a_policy_that_allows_no_nonce(client, oem):
    page = client.get("/login")
    assert "'nonce-" in page.headers["Content-Security-Policy"]  # for a page that needs one
    for answer in (oem.get("/api/v1/leads"), oem.get("/api/v1/leads"), client.get("/api/v1/leads")):
        assert answer.is_json
        assert answer.headers["Content-Security-Policy"] == re.sub(
            r" 'nonce-[^']*'", "", page.headers["Content-Security-Policy"]
        )
        for name in ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
            assert answer.headers[name] == page.headers[name]
        assert answer.headers["Permissions-Policy"] == page.headers["Permissions-Policy"]
        assert answer.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    over_https = oem.get("/api/v1/leads", base_url="https://localhost")
    assert over_https.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in oem.get("/api/v1/leads").headers


def test_the_headers_kept_per_endpoint_cannot_be_grown_by_a_client(client, oem):
    from app.security import talisman

    for number in range(50):  # a proxy header with any value the client likes
        answer = oem.get("/api/v1/leads", headers={"X-Forwarded-Proto": f"made-up-{number}"})
        assert answer.status_code == 200
        assert "Strict-Transport-Security" not in answer.headers
    kept = [key for key in talisman._headers_by_endpoint if key[0] == "api.list_leads"]
    assert len(kept) == 1


def test_no_template_or_page_has_inline_scripts_or_handlers(client, auth, app):
    for template in (PROJECT_ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert not INLINE_SCRIPT.search(text), f"inline <script> in {template}"
        assert not EVENT_HANDLER.search(text), f"on*= handler in {template}"
    make_dealer("D-BER-1")
    create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")
    auth.login("sales@example.com")
    for url in ("/inbox", "/inbox/settings", "/offline", "/login"):
        html = client.get(url).get_data(as_text=True)
        assert not INLINE_SCRIPT.search(html), url


def test_one_response_can_allow_framing_by_given_origins(app: Flask):
    @app.get("/test-embeddable")
    def embeddable():
        return allow_framing(
            app.make_response("form"),
            ["https://brand.example", "https://shop.example:8443", "bad origin; x"],
        )

    page = app.test_client().get("/test-embeddable")
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://brand.example https://shop.example:8443" in csp
    assert "bad origin" not in csp
    assert "X-Frame-Options" not in page.headers
    assert "script-src 'self'" in csp  # the rest of the policy stays
    assert app.test_client().get("/login").headers["X-Frame-Options"] == "DENY"


def test_static_javascript_exists_for_every_script_tag():
    for template in (PROJECT_ROOT / "templates").rglob("*.html"):
        for source in re.findall(r"filename='(js/[^']+)'", template.read_text()):
            assert Path(PROJECT_ROOT / "static" / source).exists(), source


def test_token_answers_are_not_stored_but_public_ones_may_be(client, oem):
    assert oem.get("/api/v1/leads").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/api/v1/openapi.json").headers.get("Cache-Control", "")


def test_htmx_fragments_of_signed_in_pages_are_not_stored(client, auth, app):
    make_dealer("D-BER-1")
    create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")
    auth.login("sales@example.com")
    fragment = client.get("/inbox", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.headers["Cache-Control"] == "no-store"
