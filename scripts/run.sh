#!/usr/bin/env bash
# Runs MuscleSeed on one machine: SQLite under var/, a filesystem Celery broker, two workers, gunicorn.
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
  $PY manage.py import_ct ../shared/data/ct --quiet --as demo-clinician  # the demo clinician's own studies
fi

echo "== demo cohort (phantom CT of four device profiles, accepted SEED masks, a base model job)"
$PY manage.py seed_demo

# Two workers, so that uploads, inference, evaluations and exports never wait behind a training job: one
# serves the interactive queues (and runs beat), the other only training, niced and on one torch thread, so
# on two cores the interactive worker keeps a core to itself.
echo "== starting Celery workers: interactive (queues default, inference) and training"
PYTHONPATH=backend .venv/bin/celery -A config worker -n interactive@%h -B -s "$VAR/celerybeat-schedule" \
  -Q default,inference --concurrency 1 --loglevel INFO >"$VAR/log/worker.log" 2>&1 &
INTERACTIVE=$!
TORCH_THREADS="${TRAINING_TORCH_THREADS:-1}" PYTHONPATH=backend nice -n 10 .venv/bin/celery -A config worker \
  -n training@%h -Q training --concurrency 1 --loglevel INFO >"$VAR/log/training-worker.log" 2>&1 &
TRAINING=$!
trap 'kill $INTERACTIVE $TRAINING 2>/dev/null; wait $INTERACTIVE $TRAINING 2>/dev/null' EXIT INT TERM

echo "== MuscleSeed is at http://$HOST:$PORT/  (accounts: $VAR/demo-accounts.txt; Ctrl+C stops it)"
HOST="$HOST" PORT="$PORT" MUSCLESEED_VAR_DIR="$VAR" bash scripts/serve.sh
