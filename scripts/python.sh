# Sourced by lab.sh and test.sh: sets PYTHON to a Python >= 3.10 ($PYTHON when given).
# Only the project environment (.venv, see project_env.py) is installed into, never this Python.
pick_python() {
    local candidate
    for candidate in ${PYTHON:-} python3 python3.14 python3.13 python3.12 python3.11 python3.10; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
            PYTHON=$(command -v "$candidate")
            return 0
        fi
    done
    echo "claude_magics needs Python 3.10 or newer, and none was found on PATH." >&2
    echo "Install one (Debian/Ubuntu: sudo apt-get install python3 python3-venv; macOS: brew install python)," >&2
    echo "or point PYTHON at one: PYTHON=/path/to/python3.12 bash $0" >&2
    return 1
}
