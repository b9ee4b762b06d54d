"""Our one doorway to htmx-flask, so it can be swapped without touching views."""

from flask import Flask, Response, request
from htmx_flask import Htmx

_htmx = Htmx()


def init_app(app: Flask) -> None:
    """Attach htmx request details and mark partial responses as varying by HX-Request."""
    _htmx.init_app(app)
    app.after_request(_vary_on_htmx)


def is_htmx_request() -> bool:
    """True when htmx asks for a fragment (boosted links and forms want whole pages)."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-Boosted")


def _vary_on_htmx(response: Response) -> Response:
    response.vary.add("HX-Request")
    return response
