"""Compressed responses: HTML, CSS and JS leave gzip-, brotli- or zstd-encoded.

Flask-Compress does the encoding of pages, at a level fast enough for every request.
Static files are the bulk of a phone's first visit (htmx alone is 52 KB raw) and never
change while the process runs, so they are brotli-compressed once at the best level and
kept in memory (htmx: 15.3 KB instead of 17.4 KB at Flask-Compress's per-request level).
They also leave without the headers that only govern documents (the Content-Security-
Policy and the framing, referrer, permissions and opener policies: a stylesheet or a
script ignores them) and without Vary on HX-Request (it does not vary by it); each of
the dozen static responses of a first visit was carrying ~0.6 KB of them.
`nosniff` stays: it is what keeps a script or stylesheet from being read as another type.

Static files are read into memory first (they are small): Flask streams them from an
open file, and compressing a stream would leave that file for the garbage collector to
close and rule out gzip.
"""

import brotli
from flask import Flask, Response, request

from app.extensions import compress

# What a browser enforces on documents (and workers), not on the subresources they load.
DOCUMENT_ONLY_HEADERS = (
    "Content-Security-Policy",
    "Permissions-Policy",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Content-Disposition",  # send_file's "inline; filename=...": inline is the default
)
# Static types worth compressing (images other than SVG are compressed already).
_TEXT_TYPES = {"text/css", "text/javascript", "application/javascript", "image/svg+xml"}
# (ETag of the file as sent, i.e. its mtime, size and checksum) -> its best brotli bytes.
_BEST_BROTLI: dict[str, bytes] = {}


def init_app(app: Flask) -> None:
    """Compress responses; static files once at the best level, with lean headers."""
    compress.init_app(app)
    # after_request hooks run newest first: this one runs after every other hook but the
    # compressor (registered just before it), so it sees the headers the others added.
    app.after_request(_finish_static_file)


def _finish_static_file(response: Response) -> Response:
    if request.endpoint != "static":
        return response
    for name in DOCUMENT_ONLY_HEADERS:
        response.headers.pop(name, None)
    response.vary.discard("HX-Request")
    if response.direct_passthrough and response.status_code == 200:
        response.direct_passthrough = False
        response.make_sequence()  # reads the file into memory
        response.close()  # and closes it now: a 304 below drops the body before the server would
        _encode_best(response)
    return response


def _encode_best(response: Response) -> None:
    """Brotli at quality 11, computed once per file version, where the browser takes it;
    Flask-Compress leaves a response that has its Content-Encoding alone."""
    etag, weak = response.get_etag()
    accepted = request.accept_encodings
    if not etag or weak or response.mimetype not in _TEXT_TYPES or not accepted["br"]:
        return
    body = _BEST_BROTLI.get(etag)
    if body is None:
        body = _BEST_BROTLI[etag] = brotli.compress(response.get_data(), quality=11)
    response.set_data(body)
    response.headers["Content-Encoding"] = "br"
    response.vary.add("Accept-Encoding")
    response.set_etag(f"{etag}:br")
    # The file's own conditional check compared the plain ETag; the browser revalidates
    # with the one it was sent.
    response.make_conditional(request.environ)
