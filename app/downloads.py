"""File downloads shared by the API and the console pages (so no view imports another)."""

from flask import Response


def csv_response(text: str, filename: str) -> Response:
    """CSV text as a download."""
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
