#!/usr/bin/env bash
# The web server `make run` starts (benchmarks/slow_clients.py starts it the same way): HOST, PORT and
# MUSCLESEED_VAR_DIR as in scripts/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
VAR="$(realpath -m "${MUSCLESEED_VAR_DIR:-var}")"
mkdir -p "$VAR/log"
exec .venv/bin/gunicorn config.wsgi --chdir backend --bind "${HOST:-127.0.0.1}:${PORT:-8000}" --workers 2 \
  --threads 4 --timeout 300 --keep-alive 5 --access-logfile "$VAR/log/access.log"
