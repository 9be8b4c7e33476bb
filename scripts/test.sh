#!/usr/bin/env bash
# Install everything the tests need (Debian packages, .venv) and run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
bash scripts/install.sh
exec .venv/bin/python -m pytest -q "$@"
