#!/usr/bin/env bash
# Open claude_magics in JupyterLab on the quickstart notebook.
# The first run makes the project environment .venv/ and installs into it; later runs reuse it
# and install again only when pyproject.toml changed (scripts/project_env.py).
# With ANTHROPIC_API_KEY set it talks to Claude; without it, it starts the bundled fake API
# as a clearly labelled offline demo (scripts/lab.py). `--check` starts, verifies and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python.sh
pick_python
exec "$PYTHON" scripts/project_env.py lab,data,examples -- scripts/lab.py "$@"
