"""A throwaway virtualenv holding Azure DevOps' official Python client, made once and reused across runs.

The client lives apart from the project's own environment (it pins its own requests and
msrest). The environment is `.cache/ado-venv` in the checkout (ignored by git), rebuilt only
when the pins below change; concurrent test processes wait for each other on a lock file.
"""

import fcntl
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.environment import in_ci, index_reachable

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".cache" / "ado-venv"
PINS = ("azure-devops==7.1.0b4", "msrest==0.7.1")
_STAMP = VENV / ".pins"


def _python() -> Path:
    return VENV / "bin" / "python"


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
    if not in_ci() and not index_reachable("azure-devops"):
        pytest.skip("The package index is unreachable, so the official client cannot be installed (CI unset).")
    pytest.fail(f"Installing {' '.join(PINS)} failed:\n{result.stdout}\n{result.stderr}")
