"""Hypothesis profiles: `quick` while developing, `thorough` in CI (CI=true).

A property test names its example count for the thorough run with `examples(n)`;
the quick profile runs a quarter of it (at least 5), so a local run stays short
and CI still explores widely. HYPOTHESIS_PROFILE=thorough forces the CI depth locally.
"""

import os

from hypothesis import settings

settings.register_profile("quick", deadline=None, print_blob=True)
settings.register_profile("thorough", deadline=None, print_blob=True)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or (
    "thorough" if os.environ.get("CI", "").lower() == "true" else "quick"
)
settings.load_profile(PROFILE)


def examples(thorough: int) -> int:
    """How many examples a property test runs under the active profile."""
    return thorough if PROFILE == "thorough" else max(5, thorough // 4)
