"""Languages: Flask-Babel set up once for every page (the form now, the dealer app next).

The locale is, in order: the signed-in user's own choice (a `language` attribute, once
users have one), the browser's Accept-Language, the page's default (a form sets its own
with `use_default_language`), else English. Catalogues live in translations/<lang>/;
`pybabel extract -F babel.cfg -o translations/messages.pot .` then `pybabel update` and
`pybabel compile -d translations` refresh them (the compiled .mo files are committed).
"""

from flask import Flask, g, has_request_context, request
from flask_babel import Babel, format_currency, format_decimal, get_locale

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


def current_language() -> str:
    """The page's language code ("de", "en") for `<html lang>`."""
    return str(get_locale() or FALLBACK)


def money(amount, currency: str = "EUR") -> str:
    """An amount as the page's language writes money: "12.500,50 €", "€12,500.50"."""
    return format_currency(amount, currency)


def number(amount) -> str:
    """A whole number with the page's grouping: "12.500" in German, "12,500" in English."""
    return format_decimal(amount, format="#,##0")


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our selector and the project's translations folder."""
    from app import PROJECT_ROOT

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PROJECT_ROOT / "translations"),
    )
    app.jinja_env.globals.update(current_language=current_language, money=money, number=number)
