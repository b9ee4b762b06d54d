"""Compressed responses: HTML, CSS, JS and JSON leave gzip-, brotli- or zstd-encoded.

Flask-Compress does the encoding. Static files are read into memory first (they are
small): Flask streams them from an open file, and compressing a stream would leave
that file for the garbage collector to close and rule out gzip.
"""

from flask import Flask, Response, request

from app.extensions import compress


def init_app(app: Flask) -> None:
    """Compress responses; buffer static files so they compress like any other."""
    compress.init_app(app)
    # after_request hooks run newest first: this one runs before the compressor.
    app.after_request(_buffer_static_file)


def _buffer_static_file(response: Response) -> Response:
    if request.endpoint == "static" and response.direct_passthrough and response.status_code == 200:
        response.direct_passthrough = False
        response.make_sequence()  # reads the file; the response closes it when done
    return response
