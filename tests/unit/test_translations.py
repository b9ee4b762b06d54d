"""Every text the pages mark for translation has its German version, and the compiled
catalogue the app loads matches the table in translations/de_translations.py."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHODS = [("app/**.py", "python"), ("templates/**.html", "jinja2")]


def marked_texts() -> set:
    texts = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS
    ):
        texts.add(message if isinstance(message, str) else tuple(message))
    return texts


def test_every_marked_text_has_a_german_translation():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "de_translations", ROOT / "translations" / "de_translations.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    missing = sorted(str(text) for text in marked_texts() - set(module.GERMAN))
    assert missing == [], "add these to translations/de_translations.py and run it"


def test_compiled_catalogue_holds_the_german_texts():
    with (ROOT / "translations" / "de" / "LC_MESSAGES" / "messages.mo").open("rb") as source:
        catalog = read_mo(source)
    assert catalog.get("Send inquiry").string == "Anfrage senden"
    untranslated = [message.id for message in catalog if message.id and not message.string]
    assert untranslated == []
