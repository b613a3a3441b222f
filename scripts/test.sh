#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run them all.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --upgrade pip
# The JupyterLab extension is built from labextension/ by the install (npm); never reuse a
# bundle left by an earlier build, which the build hook would otherwise ship as it is.
rm -rf claude_magics/labextension
python3 -m pip install --quiet -e ".[test]"
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

python3 -m pytest "$@"
