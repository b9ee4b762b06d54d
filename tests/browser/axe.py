"""axe-core accessibility checks for any page a browser test has open.

    from tests.browser.axe import assert_no_axe_violations
    assert_no_axe_violations(page)            # the whole document
    assert_no_axe_violations(page, "#board")  # one region

axe-core is vendored as one file (tests/browser/vendor/axe.min.js, see VENDORED.md there):
tests never download. It is evaluated through the DevTools protocol rather than added as a
<script> tag, so a strict Content-Security-Policy on the page does not block it.
"""

from __future__ import annotations

from pathlib import Path

AXE_SOURCE = Path(__file__).with_name("vendor") / "axe.min.js"
# WCAG 2.1 A and AA plus axe's best practices: what "0 violations" means for our pages.
RUN_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def _inject(page) -> None:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8") + "\n;undefined")


def axe_violations(page, selector: str | None = None) -> list[dict]:
    """axe's violations on the open page (or inside `selector`), as axe reports them."""
    _inject(page)
    result = page.evaluate(
        "([selector, options]) => axe.run(selector ? document.querySelector(selector)"
        " : document, options)",
        [selector, RUN_OPTIONS],
    )
    return result["violations"]


def describe_violations(violations: list[dict]) -> str:
    """One readable block per violation: rule, impact, help and the offending elements."""
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation.get('impact')}): {violation['help']}"
            f" [{violation['helpUrl']}]"
        )
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:160]}")
    return "\n".join(lines)


def assert_no_axe_violations(page, selector: str | None = None) -> None:
    """Fail with a readable list when axe finds any violation on the open page."""
    violations = axe_violations(page, selector)
    assert not violations, f"axe on {page.url}:\n{describe_violations(violations)}"
