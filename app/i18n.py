"""Languages: Flask-Babel set up once for every page (the form now, the dealer app next).

The locale is, in order: the signed-in user's own choice (a `language` attribute, once
users have one), the browser's Accept-Language, the page's default (a form sets its own
with `use_default_language`), else English. Catalogues live in translations/<lang>/;
`pybabel extract -F babel.cfg -o translations/messages.pot .` then `pybabel update` and
`pybabel compile -d translations` refresh them (the compiled .mo files are committed).
"""

from flask import Flask, g, has_request_context, request
from flask_babel import Babel

LANGUAGES = ("en", "de")
FALLBACK = "en"

babel = Babel()


def use_default_language(language: str | None) -> None:
    """The language this page falls back to when the browser names none we speak."""
    g.default_language = language


def select_locale() -> str:
    """User setting > Accept-Language > the page's default > English."""
    if not has_request_context():
        return FALLBACK
    chosen = _user_language()
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(LANGUAGES)
    if best:
        return best
    default = g.get("default_language")
    return default if default in LANGUAGES else FALLBACK


def _user_language() -> str | None:
    # Only when a session already names a user: pages for the public never load one.
    from flask_login import current_user

    if "_user_id" not in _session_keys():
        return None
    return getattr(current_user, "language", None)


def _session_keys():
    from flask import session

    return session.keys() if request.cookies else ()


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our selector and the project's translations folder."""
    from app import PROJECT_ROOT

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PROJECT_ROOT / "translations"),
    )
