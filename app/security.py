"""Response headers that close common holes; one place to adjust them."""

from flask import Flask, Response

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(self)",
}


def init_app(app: Flask) -> None:
    """Add the security headers to every response that does not set its own."""

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            if name == "X-Frame-Options" and names_frame_ancestors(response):
                continue  # an embeddable page: its CSP frame-ancestors decides
            response.headers.setdefault(name, value)
        if not app.debug and not app.testing:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def allow_framing(response: Response, origins: list[str]) -> Response:
    """Let exactly these origins (and this site) frame the response; nobody else.

    The one place that decides who may embed a page (the inquiry form at /f/KEY): a
    Content-Security-Policy whose frame-ancestors lists the allowed origins and 'self',
    and no X-Frame-Options (it cannot name origins). The rest of the policy keeps the
    form page to its own scripts, styles and connections.
    """
    ancestors = " ".join(["'self'", *origins])
    response.headers["Content-Security-Policy"] = (
        f"frame-ancestors {ancestors}; default-src 'self'; script-src 'self'; "
        "style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; object-src 'none'"
    )
    response.headers.pop("X-Frame-Options", None)
    return response


def names_frame_ancestors(response: Response) -> bool:
    """True when the response already says who may frame it (allow_framing)."""
    return "frame-ancestors" in response.headers.get("Content-Security-Policy", "")
