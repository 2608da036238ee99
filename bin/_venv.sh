# Shared by bin/test, bin/serve and .ci/run: make .venv exist and match a requirements file.
#
# Source it, then call `ensure_venv requirements.txt` (the runtime: bin/serve) or
# `ensure_venv requirements-dev.txt` (runtime plus test and lint tools: bin/test, .ci/run).
# Reinstalling is skipped while the file, and requirements.txt which every file includes,
# are unchanged since the last successful install of that file (digests kept inside .venv).

TOKENSVC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$TOKENSVC_ROOT/.venv"

# The digest of a requirements file together with requirements.txt, so that a change of
# the runtime pins also reinstalls a venv set up from requirements-dev.txt.
_requirements_digest() {
    cat "$TOKENSVC_ROOT/requirements.txt" "$TOKENSVC_ROOT/$1" | sha256sum | cut -d' ' -f1
}

ensure_venv() {
    local requirements="${1:-requirements.txt}"
    local python="${PYTHON:-python3}"
    if [ ! -f "$TOKENSVC_ROOT/$requirements" ]; then
        echo "error: $TOKENSVC_ROOT/$requirements not found" >&2
        return 1
    fi
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

    local stamp="$VENV/.$requirements.sha256" wanted
    wanted="$(_requirements_digest "$requirements")"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
        return 0
    fi
    echo "Installing $requirements into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$TOKENSVC_ROOT/$requirements"
    # Written only after a successful install, so a failed one is retried next time. Every
    # file includes requirements.txt, so the runtime is then installed too.
    echo "$wanted" >"$stamp"
    _requirements_digest requirements.txt >"$VENV/.requirements.txt.sha256"
}
