"""Security headers, HTTPS awareness behind a proxy, and cookies: one place for them.

Flask-Talisman sets the Content-Security-Policy (no inline scripts: JavaScript lives
in static/js; a per-request nonce is there for the rare case that needs one, as
`nonce="{{ csp_nonce() }}"`), X-Frame-Options, nosniff, the referrer and permissions
policies. On top of it this module:

- trusts X-Forwarded-For/-Proto/-Host only from RELAY_TRUSTED_PROXIES proxies (ProxyFix),
  so `request.is_secure` and `request.remote_addr` are right behind a proxy and cannot
  be forged without one;
- marks every cookie `Secure` and sends HSTS only when the request came over HTTPS;
- sends `Cache-Control: no-store` on everything a signed-in user or a token gets, so the
  back button never shows a stale offer and no shared cache keeps customer data;
- lets one response loosen framing: `allow_framing(response, origins)` (the embeddable form page).

Per-response overrides: `return allow_framing(response, ["https://brand.example"])` in
the view; the response's CSP then says `frame-ancestors 'self' https://brand.example`
and carries no X-Frame-Options. For a whole view, Talisman's
own decorator works too: `@talisman(content_security_policy={...})`.
"""

import re
from collections.abc import Iterable

from flask import Flask, Response, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix


class TalismanResolvedOnce(Talisman):
    """Flask-Talisman, with what depends only on the view worked out once per endpoint.

    Talisman looks up the view's options four times a request and writes the policies
    out again for each response. Here a view's options are looked up once, and a
    response without a nonce gets the headers Talisman wrote for the first such
    response of its endpoint (over the same scheme): nothing else goes into them. A
    response with a nonce has them written afresh, as before. Measured on an API call:
    Talisman's three hooks 67 -> 34 µs.
    """

    def init_app(self, app: Flask, **options) -> None:
        self._options_by_endpoint: dict[str | None, dict] = {}
        self._headers_by_endpoint: dict[tuple, list[tuple[str, str]]] = {}
        super().init_app(app, **options)

    def _get_local_options(self) -> dict:
        endpoint = request.endpoint
        options = self._options_by_endpoint.get(endpoint)
        if options is None:
            options = self._options_by_endpoint[endpoint] = super()._get_local_options()
        return options

    def _set_response_headers(self, response: Response) -> Response:
        if getattr(request, "csp_nonce", None):
            return super()._set_response_headers(response)
        # What Talisman reads of the request: the endpoint, and whether it came over HTTPS
        # (as a flag: a header's raw value would let any client grow this cache).
        forwarded_https = request.headers.get("X-Forwarded-Proto", "http") == "https"
        key = (request.endpoint, request.is_secure, forwarded_https)
        headers = self._headers_by_endpoint.get(key)
        if headers is None:
            blank = Response()
            defaults = set(blank.headers.items())  # its own Content-Type and -Length
            written = super()._set_response_headers(blank).headers.items()
            headers = [item for item in written if item not in defaults]
            self._headers_by_endpoint[key] = headers
        for name, value in headers:
            response.headers[name] = value
        return response


def without_nonce(view):
    """Talisman's option for a view that answers JSON: no CSP nonce (nothing in the
    answer could carry it; the policy then allows no inline script at all)."""
    return talisman(content_security_policy_nonce_in=[])(view)


talisman = TalismanResolvedOnce()

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    # Pages carry no inline style blocks; htmx's indicator styles are off (layout.html).
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "manifest-src": "'self'",
    "worker-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = {
    "camera": "()",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
    # The inquiry form may locate the customer when asked to.
    "geolocation": "(self)",
}
HSTS = "max-age=31536000; includeSubDomains"
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def init_app(app: Flask) -> None:
    """Install the proxy fix, the cookie guard, Talisman and our response hook."""
    proxies = int(app.config.get("RELAY_TRUSTED_PROXIES", 0) or 0)
    # Innermost first: the cookie guard must see the scheme ProxyFix has restored.
    app.wsgi_app = SecureCookiesOverHttps(app.wsgi_app)
    if proxies > 0:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    app.session_interface = SessionCookieOnlyWhenSent()
    # Registered before Talisman's hook, so it runs after it (Flask runs them in reverse).
    app.after_request(_finish_response)
    talisman.init_app(
        app,
        force_https=False,  # TLS ends at the proxy; it redirects plain HTTP
        session_cookie_secure=False,  # decided per request by SecureCookiesOverHttps
        strict_transport_security=False,  # sent by _finish_response, over HTTPS only
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy=PERMISSIONS_POLICY,
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
    )


def allow_framing(response: Response, origins: Iterable[str]) -> Response:
    """Let this response be framed by `origins` (and the app itself), nobody else.

    The one place that decides who may embed a page (the inquiry form at /f/KEY): the
    response keeps the app's whole Content-Security-Policy, with `frame-ancestors 'self'
    ORIGINS` instead of 'none', and no X-Frame-Options (it cannot name origins). Origins
    that are not plain scheme://host[:port] are dropped.
    """
    allowed = [origin for origin in origins if _ORIGIN.match(origin or "")]
    g.frame_ancestors = ["'self'", *allowed]
    return response


def _finish_response(response: Response) -> Response:
    """Framing overrides, HSTS over HTTPS, no-store for signed-in users."""
    ancestors = g.get("frame_ancestors")
    if ancestors is not None:
        response.headers.pop("X-Frame-Options", None)
        policy = response.headers.get("Content-Security-Policy", "")
        directives = [
            part
            for part in (item.strip() for item in policy.split(";"))
            if part and not part.startswith("frame-ancestors")
        ]
        directives.append("frame-ancestors " + " ".join(ancestors))
        response.headers["Content-Security-Policy"] = "; ".join(directives)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    # Views that chose a caching policy on purpose (the service worker script, the
    # manifest, static files) keep it; everything else a signed-in user gets is no-store.
    if "Cache-Control" not in response.headers and _is_signed_in_request():
        response.headers["Cache-Control"] = "no-store"
    return response


def _is_signed_in_request() -> bool:
    # Cheap checks only: no user is loaded for this.
    return bool(request.headers.get("Authorization")) or "_user_id" in session


class SessionCookieOnlyWhenSent(SecureCookieSessionInterface):
    """Flask's signed-cookie session, whose signer is built only for a cookie to read,
    and which is saved only when there is something to save.

    Flask builds the signer (the secret keys, salt and serializer) on every request
    before it looks for the cookie; an API call, which sends none, paid that for an
    empty session. Reading and writing a cookie are Flask's own, unchanged.
    """

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SecureCookieSession, response) -> None:
        # An empty session nobody read or changed: Flask would add no Vary and set or
        # delete no cookie, after working out the cookie's seven settings first.
        if session or session.accessed or session.modified:
            super().save_session(app, session, response)


class SecureCookiesOverHttps:
    """WSGI middleware: every Set-Cookie gets `Secure` when the request came over HTTPS.

    One place for all cookies (Flask's session, Flask-Login's remember-me, anything
    added later), decided per request: plain-HTTP development keeps working, while
    behind TLS (directly, or via a trusted proxy and ProxyFix) no cookie can leak
    over plain HTTP.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def secure_start_response(status, headers, exc_info=None):
            headers = [
                (name, _with_secure(value) if name.lower() == "set-cookie" else value)
                for name, value in headers
            ]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, secure_start_response)


def _with_secure(cookie: str) -> str:
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    return cookie if "secure" in attributes else cookie + "; Secure"
