"""Static files: compressed once at the best level, without the headers only documents use."""

import brotli

from app import PROJECT_ROOT
from app.compression import DOCUMENT_ONLY_HEADERS


def test_static_script_is_best_brotli_with_lean_headers_and_revalidates(client):
    sent = client.get("/static/htmx.min.js", headers={"Accept-Encoding": "gzip, br"})
    assert sent.status_code == 200 and sent.headers["Content-Encoding"] == "br"
    original = (PROJECT_ROOT / "static" / "htmx.min.js").read_bytes()
    assert brotli.decompress(sent.data) == original
    # Smaller than Flask-Compress's per-request level gives.
    assert len(sent.data) < len(brotli.compress(original, quality=4))
    for name in DOCUMENT_ONLY_HEADERS:
        assert name not in sent.headers, name
    assert sent.headers["X-Content-Type-Options"] == "nosniff"
    assert "HX-Request" not in sent.headers.get("Vary", "")
    again = client.get(
        "/static/htmx.min.js",
        headers={"Accept-Encoding": "gzip, br", "If-None-Match": sent.headers["ETag"]},
    )
    assert again.status_code == 304 and again.data == b""


def test_pages_keep_their_policies_and_browsers_without_brotli_get_gzip(client):
    page = client.get("/login")
    assert "Content-Security-Policy" in page.headers and "X-Frame-Options" in page.headers
    gzipped = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"
