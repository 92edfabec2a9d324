#!/usr/bin/env bash
# Runs MuscleSeed on one machine: SQLite under var/, a filesystem Celery broker, one worker, gunicorn.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=config.settings
export DEBUG="${DEBUG:-0}"
export SECURE_HTTPS="${SECURE_HTTPS:-0}"   # plain http on localhost; production sets it (default on)
VAR="$(realpath -m "${MUSCLESEED_VAR_DIR:-var}")"
PORT="${PORT:-8000}"
HOST="${HOST:-127.0.0.1}"
mkdir -p "$VAR/log"

echo "== migrating the database"
$PY manage.py migrate --noinput >"$VAR/log/migrate.log"
$PY manage.py collectstatic --noinput >/dev/null
echo "== demo accounts (new passwords are shown once and kept in $VAR/demo-accounts.txt)"
$PY manage.py seed_demo_accounts
if [ -d ../shared/data/ct ]; then
  echo "== importing the real CT in ../shared/data/ct"
  $PY manage.py import_ct ../shared/data/ct --quiet
fi

echo "== demo cohort (phantom CT of four device profiles, accepted SEED masks, a base model job)"
$PY manage.py seed_demo

echo "== starting one Celery worker (queues default, inference, training)"
PYTHONPATH=backend .venv/bin/celery -A config worker -B -s "$VAR/celerybeat-schedule" -Q default,inference,training \
  --concurrency 1 --loglevel INFO >"$VAR/log/worker.log" 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null; wait $WORKER 2>/dev/null' EXIT INT TERM

echo "== MuscleSeed is at http://$HOST:$PORT/  (accounts: $VAR/demo-accounts.txt; Ctrl+C stops it)"
.venv/bin/gunicorn config.wsgi --chdir backend --bind "$HOST:$PORT" --workers 2 --threads 4 \
  --timeout 300 --keep-alive 5 --access-logfile "$VAR/log/access.log"
