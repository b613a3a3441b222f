#!/usr/bin/env bash
# Set up claude_magics and open JupyterLab on the quickstart notebook.
# With ANTHROPIC_API_KEY set it talks to Claude; without it, it starts the bundled
# fake API as a clearly labelled offline demo.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet -e ".[lab,data,examples]"
exec python3 scripts/lab.py "$@"
