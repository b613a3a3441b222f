#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run them all.
# Usage: bash scripts/test.sh [pytest args...]
# The tests run in the project environment .venv/ (made on first use, reinstalled only when
# pyproject.toml or the extension's sources change; see scripts/project_env.py), so system
# Pythons that refuse pip installs (PEP 668) work too. The install builds the JupyterLab
# extension from labextension/ with npm.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python.sh
pick_python
"$PYTHON" scripts/project_env.py test
# Unit tests of the extension's pure TypeScript helpers (Jest, a second or two).
(cd labextension && npm test --silent)

# Browser tests drive a real JupyterLab page in Debian's Chromium (never a downloaded browser).
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq chromium >/dev/null
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null
    fi
fi

exec "$PYTHON" scripts/project_env.py test -- -m pytest "$@"
