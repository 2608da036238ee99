# Shared by bin/test, bin/serve and .ci/run: make .venv exist and match requirements.txt.
#
# Source it, then call ensure_venv. Reinstalling is skipped while requirements.txt is
# unchanged since the last successful install (its sha256 is kept inside .venv).

TOKENSVC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$TOKENSVC_ROOT/.venv"
VENV_STAMP="$VENV/.requirements.sha256"

ensure_venv() {
    local python="${PYTHON:-python3}"
    if ! command -v "$python" >/dev/null 2>&1; then
        echo "error: $python not found; install Python 3.11 or newer (or set PYTHON=/path/to/python3)" >&2
        return 1
    fi
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "error: Python 3.11 or newer is required, $python is $("$python" -V 2>&1)" >&2
        return 1
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        echo "Creating virtualenv in $VENV" >&2
        "$python" -m venv "$VENV"
    fi

    local wanted
    wanted="$(sha256sum "$TOKENSVC_ROOT/requirements.txt" | cut -d' ' -f1)"
    if [ -f "$VENV_STAMP" ] && [ "$(cat "$VENV_STAMP")" = "$wanted" ]; then
        return 0
    fi
    echo "Installing requirements.txt into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$TOKENSVC_ROOT/requirements.txt"
    # Written only after a successful install, so a failed one is retried next time.
    echo "$wanted" >"$VENV_STAMP"
}
