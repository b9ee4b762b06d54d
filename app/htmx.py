"""Our one doorway to htmx-flask, so it can be swapped without touching views.

Views ask `is_htmx_request()`, answer with `render_page_or_fragment()` (the whole page,
or for htmx just the partial it includes), and send htmx's response headers through
`htmx_response()` / `redirect_to()`. Every response varies on HX-Request, so a cache or
the service worker never serves a fragment for a page.

htmx-flask reads the request headers with `HtmxHeaders` (we do not rely on its request
class: app/inputs.py installs its own). Its `make_response(reswap=...)` rejects valid
values (`afterbegin`, `beforebegin`, swap modifiers: a missing comma in its constants),
so HX-Reswap is set here directly.
"""

from flask import Flask, Response, redirect, render_template, request
from htmx_flask import Htmx
from htmx_flask import make_response as htmx_make_response
from htmx_flask.requests import HtmxHeaders

_htmx = Htmx()


def init_app(app: Flask) -> None:
    """Register htmx-flask and mark every response as varying by HX-Request."""
    _htmx.init_app(app)
    app.after_request(_vary_on_htmx)


def is_htmx_request() -> bool:
    """True when htmx asks for a fragment (boosted links and forms want whole pages)."""
    headers = HtmxHeaders(request.headers)
    return bool(headers) and not headers.boosted


def render_page_or_fragment(page: str, fragment: str, status: int = 200, /, **context):
    """The whole page, or for an htmx request only the partial the page includes
    (positional-only, so a template variable may be called `page`)."""
    template = fragment if is_htmx_request() else page
    return render_template(template, **context), status


def htmx_response(
    body: str = "",
    status: int = 200,
    *,
    redirect_url: str | None = None,
    retarget: str | None = None,
    reswap: str | None = None,
    trigger: str | dict | None = None,
) -> Response:
    """A response carrying htmx's HX-* headers (HX-Redirect, HX-Retarget, HX-Reswap, ...)."""
    response = htmx_make_response(
        body, status, redirect=redirect_url, retarget=retarget, trigger=trigger
    )
    if reswap:
        response.headers["HX-Reswap"] = reswap  # see the module docstring
    return response


def redirect_to(url: str) -> Response:
    """Go to `url`: a plain redirect, or for htmx a full-page HX-Redirect."""
    if is_htmx_request():
        return htmx_response(redirect_url=url)
    return redirect(url)


def _vary_on_htmx(response: Response) -> Response:
    if "Vary" in response.headers:
        response.vary.add("HX-Request")
    else:  # the usual case, without parsing and writing back a header set
        response.headers["Vary"] = "HX-Request"
    return response
