"""Languages: Flask-Babel set up once for every page (the form now, the dealer app next).

The locale is, in order: the signed-in user's own choice (`User.language`, set in the
dealer app's settings), the browser's Accept-Language, the page's default (a form sets its own
with `use_default_language`), else English. Catalogues live in translations/<lang>/;
`pybabel extract -F babel.cfg -o translations/messages.pot .` then `pybabel update` and
`pybabel compile -d translations` refresh them (the compiled .mo files are committed).
"""

from babel.numbers import get_currency_symbol, get_territory_currencies, is_currency
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, format_currency, format_decimal, get_locale

from app.enums import LANGUAGES

FALLBACK = LANGUAGES[0]

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


def money(amount, currency: str | None = "EUR") -> str:
    """An amount as the page's language writes money: "12.500,50 €", "€12,500.50";
    `currency` is ISO 4217 (a lead's order currency; EUR for amounts stored before it)."""
    return format_currency(amount, currency or "EUR")


def currency_symbol(currency: str | None) -> str:
    """The sign the page's language writes for a currency: "€", "$", "CHF"."""
    return get_currency_symbol(currency or "EUR", locale=get_locale() or FALLBACK)


def default_currency(country: str | None) -> str:
    """The ISO 4217 currency a country pays in today (Babel's territory data): EUR for DE
    and AT, CHF for CH, USD for US; EUR where Babel knows none."""
    found = get_territory_currencies((country or "").upper()) if country else []
    return found[0] if found else "EUR"


def known_currency(code: str) -> bool:
    """True for an ISO 4217 code Babel knows ("EUR", "CHF"); codes are upper case."""
    return code.isupper() and is_currency(code)


def number(amount, places: int = 0) -> str:
    """A number with the page's grouping and decimal sign, to `places` decimals:
    "12.500" and "1,7" in German, "12,500" and "1.7" in English."""
    pattern = "#,##0." + "0" * places if places else "#,##0"
    return format_decimal(amount, format=pattern)


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our selector and the project's translations folder."""
    from app import PROJECT_ROOT

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PROJECT_ROOT / "translations"),
    )
    app.jinja_env.globals.update(
        current_language=current_language,
        money=money,
        number=number,
        currency_symbol=currency_symbol,
    )


def language_of(user) -> str:
    """The language to write to this user in when no page asks (pushes, e-mails): their
    own choice, else the app's default (BABEL_DEFAULT_LOCALE when we speak it), else
    English."""
    chosen = getattr(user, "language", None)
    if chosen in LANGUAGES:
        return chosen
    default = current_app.config.get("BABEL_DEFAULT_LOCALE")
    return default if default in LANGUAGES else FALLBACK
