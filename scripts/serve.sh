#!/usr/bin/env bash
# The web server `make run` starts (benchmarks/slow_clients.py starts it the same way): HOST, PORT and
# MUSCLESEED_VAR_DIR as in scripts/run.sh.
# gunicorn's asyncio worker runs Django's ASGI handler behind the request guard (backend/config/asgi.py): a
# body is read on the event loop, so clients that trickle uploads hold no thread and everyone else is answered;
# each view runs in a thread of its own. --timeout bounds the wait for the next piece of a body.
set -euo pipefail
cd "$(dirname "$0")/.."
VAR="$(realpath -m "${MUSCLESEED_VAR_DIR:-var}")"
mkdir -p "$VAR/log"
exec .venv/bin/gunicorn config.asgi --chdir backend --bind "${HOST:-127.0.0.1}:${PORT:-8000}" --worker-class asgi \
  --workers 2 --timeout 60 --keep-alive 5 --access-logfile "$VAR/log/access.log"
