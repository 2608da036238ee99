"""The real `awx` command-line client (PyPI awxkit) in a virtualenv of its own, and a way to run it.

The virtualenv is kept in `.cache/awx-venv` (git-ignored) and reused while the pinned packages
are unchanged, so only the first run reaches the package index. Without it the tests are
skipped, but only outside CI and only when the index cannot be reached: in CI, and whenever
the index answers, a failed install fails the tests.
"""

import fcntl
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

import pytest

from tests.support.environment import in_ci, index_reachable
from tests.support.paths import PROJECT_DIR

# awxkit 24.6.1 imports pkg_resources, which setuptools 81 no longer ships.
PACKAGES = ("awxkit==24.6.1", "setuptools<81")
CACHE_DIR = PROJECT_DIR / ".cache"
VENV_DIR = CACHE_DIR / "awx-venv"
STAMP = VENV_DIR / ".tokensvc-installed"
INSTALL_TIMEOUT = 600
RUN_TIMEOUT = 60
# What the CLI would otherwise read from the caller's environment instead of its arguments.
CLIENT_VARIABLES = re.compile(r"^(CONTROLLER_|TOWER_|AWXKIT_)")


def _install() -> None:
    shutil.rmtree(VENV_DIR, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV_DIR)], check=True, timeout=INSTALL_TIMEOUT)
    pip = [str(VENV_DIR / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    result = subprocess.run([*pip, *PACKAGES], capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
    if result.returncode != 0:
        shutil.rmtree(VENV_DIR, ignore_errors=True)
        raise RuntimeError(f"pip install {' '.join(PACKAGES)} failed:\n{result.stdout}\n{result.stderr}")
    STAMP.write_text(stamp_text())


def stamp_text() -> str:
    return f"{sys.version_info[:2]} {' '.join(PACKAGES)}\n"


def awx_executable() -> str:
    """The path of `awx`, installing it first when the cached virtualenv is missing or stale."""
    CACHE_DIR.mkdir(exist_ok=True)
    executable = VENV_DIR / "bin" / "awx"
    # One installer at a time, should two test runs start together.
    with open(CACHE_DIR / "awx-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if executable.exists() and STAMP.exists() and STAMP.read_text() == stamp_text():
            return str(executable)
        try:
            _install()
        except (RuntimeError, subprocess.SubprocessError, OSError) as error:
            if not in_ci() and not index_reachable("awxkit"):
                pytest.skip(f"awxkit could not be installed and the package index is unreachable: {error}")
            raise
    return str(executable)


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


class Awx:
    """Runs `awx` against `host`, authenticated by token, by username and password, or not at all."""

    def __init__(self, executable: str, host: str):
        self.executable = executable
        self.host = host
        self.env = {key: value for key, value in os.environ.items() if not CLIENT_VARIABLES.match(key)}
        # A proxy from the environment must not stand between the client and the local server.
        self.env["NO_PROXY"] = self.env["no_proxy"] = "127.0.0.1,localhost"

    def run(self, *args: str, token: str | None = None, login: tuple[str, str] | None = None) -> Result:
        command = [self.executable, "--conf.host", self.host, "--conf.color", "false"]
        if token is not None:
            command += ["--conf.token", token]
        if login is not None:
            command += ["--conf.username", login[0], "--conf.password", login[1]]
        done = subprocess.run(
            [*command, *args], capture_output=True, text=True, env=self.env, timeout=RUN_TIMEOUT, check=False
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str, **auth) -> str:
        """stdout of a command that must exit 0."""
        result = self.run(*args, **auth)
        assert result.returncode == 0, (
            f"awx {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
        return result.stdout


def table(output: str) -> list[dict[str, str]]:
    """The rows of `-f human` output: a header line, a line of `=` runs under the columns, then the rows."""
    lines = output.rstrip("\n").split("\n")
    assert len(lines) >= 2 and set(lines[1].strip()) <= {"=", " "}, output
    spans, start = [], 0
    for run in lines[1].rstrip().split(" "):
        spans.append((start, start + len(run)))
        start += len(run) + 1
    names = [lines[0][begin:end].strip() for begin, end in spans]
    return [
        {name: line[begin:end].strip() for name, (begin, end) in zip(names, spans, strict=True)} for line in lines[2:]
    ]
