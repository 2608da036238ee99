"""A throwaway virtualenv holding Azure DevOps' official Python client, made once and reused across runs.

The client lives apart from the project's own environment (it pins its own requests and
msrest). The environment is `.cache/ado-venv` in the checkout (ignored by git), rebuilt only
when the pins below change; concurrent test processes wait for each other on a lock file.
"""

import fcntl
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".cache" / "ado-venv"
PINS = ("azure-devops==7.1.0b4", "msrest==0.7.1")
_STAMP = VENV / ".pins"


def _python() -> Path:
    return VENV / "bin" / "python"


def _index_reachable() -> bool:
    url = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple/")
    try:
        with urllib.request.urlopen(url + "azure-devops/", timeout=10):  # noqa: S310 (a fixed https URL)
            return True
    except OSError:
        return False


def _install() -> subprocess.CompletedProcess:
    if VENV.exists():
        shutil.rmtree(VENV)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True, timeout=300)
    return subprocess.run(
        [str(_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PINS],
        capture_output=True,
        text=True,
        timeout=600,
    )


def official_client_python() -> Path:
    """The interpreter of a virtualenv with the official client; fails the test if it cannot be made.

    Skips only off CI (the CI variable unset) when the package index cannot be reached.
    """
    wanted = "\n".join(PINS)
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(VENV.parent / "ado-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _python().exists() and _STAMP.exists() and _STAMP.read_text() == wanted:
            return _python()
        result = _install()
        if result.returncode == 0:
            _STAMP.write_text(wanted)
            return _python()
    if not os.environ.get("CI") and not _index_reachable():
        pytest.skip("The package index is unreachable, so the official client cannot be installed (CI unset).")
    pytest.fail(f"Installing {' '.join(PINS)} failed:\n{result.stdout}\n{result.stderr}")
