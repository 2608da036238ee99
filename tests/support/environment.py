"""What the test machine offers, and one rule for a missing tool: skip on a developer's machine, fail in CI."""

import os
import urllib.error
import urllib.request

import pytest


def in_ci() -> bool:
    """Whether CI is set to a true value (CI=true in .ci/run)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


def index_reachable(package: str) -> bool:
    """Whether the package index pip would use answers at all (asked for `package`'s page)."""
    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple/").rstrip("/") + f"/{package}/"
    try:
        with urllib.request.urlopen(index, timeout=15):  # noqa: S310 (the index's own http(s) URL)
            return True
    except urllib.error.HTTPError:
        return True  # it answered
    except (urllib.error.URLError, OSError):
        return False


def unavailable(reason: str):
    """Skip on a developer's machine without the tool; never in CI, where it is a failure."""
    if in_ci():
        pytest.fail(f"CI must run this test: {reason}", pytrace=False)
    pytest.skip(reason)
