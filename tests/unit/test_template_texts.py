"""Every text a dealer or a customer reads in a template is marked for translation.

Two ways a text slips through unmarked: as HTML between the template's tags (`<h2>Absence</h2>`,
`placeholder="Search"`), or as a string inside a Jinja expression (`{{ message or "Not found" }}`,
`hint="Empty: no limit"`). The first is found by reading what is left of the template once every
Jinja construct is cut out; the second by walking the template's Jinja syntax tree for string
constants that are not the argument of `_()` / `gettext()`. The coordinator's console is English
only (issue 14 is the dealer app and the customer's form), so it is not scanned.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
SCANNED = sorted(
    path for path in TEMPLATES.rglob("*.html") if path.relative_to(TEMPLATES).parts[0] != "console"
)
# Words that read the same in every language the app speaks.
SAME_IN_EVERY_LANGUAGE = {"LeadRelay", "API", "ADF/XML", "km"}
JINJA_CONSTRUCT = re.compile(
    r"\{#.*?#\}|\{%-?\s*trans\b.*?endtrans\s*-?%\}|\{\{.*?\}\}|\{%.*?%\}", re.S
)
WORDS = re.compile(r"[^\W\d_]{2,}")
# Attributes a person reads or hears (a screen reader reads aria-label, title and alt).
READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "aria-description"}
TRANSLATING_CALLS = {"_", "gettext", "ngettext", "lazy_gettext", "_l", "pgettext"}


def is_prose(text: str) -> bool:
    """Letters a reader would read, beyond the words every language shares."""
    rest = text
    for word in SAME_IN_EVERY_LANGUAGE:
        rest = rest.replace(word, " ")
    return bool(WORDS.search(rest))


class TextCollector(HTMLParser):
    """Text nodes and read attributes of HTML, outside <script>, <style> and <svg>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg"):
            self.hidden_depth += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if value and is_prose(value) and name in READ_ATTRIBUTES:
                self.texts.append(f'{tag} {name}="{value}"')
        description = attributes.get("content") or ""
        if tag == "meta" and attributes.get("name") == "description" and is_prose(description):
            self.texts.append(f'meta content="{description}"')

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg"):
            self.hidden_depth -= 1

    def handle_data(self, data):
        text = " ".join(data.split())
        # A lone class-like token is what a `{% block body_class %}` leaves behind.
        if not self.hidden_depth and is_prose(text) and not re.fullmatch(r"[a-z-]+", text):
            self.texts.append(text)


def unmarked_html_texts(source: str) -> list[str]:
    """Texts in the HTML of a template, with every Jinja construct cut out."""
    collector = TextCollector()
    # A tag whose name is an expression (`<{{ heading }}>`) stays a tag.
    source = re.sub(r"<(/?)\{\{.*?\}\}", r"<\1x", source)
    collector.feed(JINJA_CONSTRUCT.sub(" ", source))
    return collector.texts


def _call_name(node: nodes.Call) -> str | None:
    return node.node.name if isinstance(node.node, nodes.Name) else None


def unmarked_expression_texts(source: str) -> list[str]:
    """String constants in Jinja expressions that read as prose and reach no `_()`.

    A constant compared with something, used as a filter's argument, a dictionary key or
    an attribute name passed to a macro or field (`rows=2`, `autocomplete="off"`) is code,
    not text; a prose-like constant with a space anywhere else is a text to translate.
    """
    tree = Environment(extensions=["jinja2.ext.i18n"]).parse(source)
    code_constants: set[int] = set()
    for node in tree.find_all((nodes.Call, nodes.Compare, nodes.Filter, nodes.Dict, nodes.Test)):
        if isinstance(node, nodes.Call) and _call_name(node) in TRANSLATING_CALLS:
            code_constants.update(id(const) for const in node.find_all(nodes.Const))
        elif isinstance(node, (nodes.Compare, nodes.Test)):
            code_constants.update(id(const) for const in node.find_all(nodes.Const))
        elif isinstance(node, nodes.Filter):
            for argument in node.args:
                code_constants.update(id(const) for const in argument.find_all(nodes.Const))
        elif isinstance(node, nodes.Dict):
            code_constants.update(id(pair.key) for pair in node.items)
    found = []
    for const in tree.find_all(nodes.Const):
        value = const.value
        if (
            isinstance(value, str)
            and id(const) not in code_constants
            and " " in value.strip()
            and is_prose(value)
        ):
            found.append(value)
    return found


@pytest.mark.parametrize("path", SCANNED, ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_every_template_text_is_marked_for_translation(path):
    source = path.read_text(encoding="utf-8")
    unmarked = unmarked_html_texts(source) + unmarked_expression_texts(source)
    assert unmarked == [], f"wrap these in {{{{ _('…') }}}} in {path.name}"


def test_the_scan_finds_unmarked_texts():
    """The scan itself: a bare heading, a read attribute and a bare expression string fail."""
    source = (
        '<h2>{{ _("Stage") }}</h2><h2>Absence</h2>'
        '<input placeholder="Search leads">'
        '{{ field(form.x, hint="Empty: no limit", rows=2) }}'
        '{{ _("Save") }}{% if stage == "won lead" %}{% endif %}'
        "{{ value|replace('_', ' ') }}"
    )
    assert unmarked_html_texts(source) == ["Absence", 'input placeholder="Search leads"']
    assert unmarked_expression_texts(source) == ["Empty: no limit"]
