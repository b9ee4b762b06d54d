"""Debian's Chromium as the tests and benchmarks drive it: flags that work offline here,
and a phone-sized persistent context."""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 390, "height": 844}
DESKTOP_VIEWPORT = {"width": 1366, "height": 768}


def launch_phone(playwright, profile_dir: str, locale: str = "en-GB"):
    """Debian's Chromium as a 390 x 844 touch phone, with a persistent profile
    (installability checks refuse incognito contexts), speaking `locale`."""
    return playwright.chromium.launch_persistent_context(
        str(profile_dir),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport=VIEWPORT,
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale=locale,
        timezone_id="Europe/Berlin",
    )


def launch_desktop(playwright):
    """Debian's Chromium as a browser for desktop pages; contexts come from new_desktop_context."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def new_desktop_context(browser):
    """A fresh incognito context at 1366 x 768, the coordinator's laptop."""
    return browser.new_context(
        viewport=DESKTOP_VIEWPORT,
        device_scale_factor=1,
        locale="en-GB",
        timezone_id="Europe/Berlin",
    )
