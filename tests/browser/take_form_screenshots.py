"""Screenshots of the inquiry form at 390×844 in English and German, for docs/screenshots/.

    .venv/bin/python -m tests.browser.take_form_screenshots [OUT_DIR]

Serves the app on a temporary database with the demo network and its form
(pk_demo_brand_site), opens /f/KEY with each browser language, and saves the form,
a B2B form with a field to fix, and the thank-you state.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from app.demo import DEMO_FORM_KEY, load_demo
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, VIEWPORT
from tests.browser.conftest import serve_app

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, serve_app(Path(folder)) as server:
        with server.app.app_context():
            load_demo()
        server.app.config["RELAY_FORM_MIN_FILL_SECONDS"] = 0
        url = f"{server.url}/f/{DEMO_FORM_KEY}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            for locale, suffix in (("en-GB", "en"), ("de-DE", "de")):
                context = browser.new_context(
                    viewport=VIEWPORT,
                    device_scale_factor=1,
                    is_mobile=True,
                    has_touch=True,
                    locale=locale,
                )
                page = context.new_page()
                page.goto(url)
                page.screenshot(path=str(out / f"form-{suffix}.png"))
                page.screenshot(path=str(out / f"form-{suffix}-full.png"), full_page=True)
                page.locator("input[name=inquiry_type][value=b2b]").check()
                page.locator("select[name=product_group]").select_option("tractors")
                page.locator("input[name=first_name]").fill("Eva")
                page.locator("input[name=last_name]").fill("Ng")
                page.locator("input[name=email]").fill("eva@example.com")
                page.locator("input[name=postal_code]").fill("10117")
                page.locator("input[name=consent]").check()
                page.locator("button.btn").click()  # no company: the form names what to fix
                page.wait_for_load_state()
                page.screenshot(path=str(out / f"form-{suffix}-fix.png"), full_page=True)
                page.locator("input[name=company]").fill("Hof Ng GmbH")
                page.locator("input[name=volume_estimate]").fill("3")
                page.locator("input[name=consent]").check()
                page.locator("button.btn").click()
                page.get_by_role("status").wait_for()
                page.screenshot(path=str(out / f"form-{suffix}-thanks.png"))
                context.close()
            browser.close()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
