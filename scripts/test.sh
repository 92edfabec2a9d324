#!/usr/bin/env bash
# Runs every test suite: lint, pytest (unit, integration on PostgreSQL + Redis + a real Celery worker,
# browser tests in Chromium) and the pure JS modules with node --test.
set -euo pipefail
cd "$(dirname "$0")/.."

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing Debian's chromium for the browser tests"
    (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null
  else
    echo "!! chromium is missing and we are not root: browser tests will be skipped"
  fi
fi

if [ -z "${DATABASE_URL:-}" ] && port_open 5432; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/muscleseed"
fi
if [ -z "${TEST_BROKER_URL:-}" ] && port_open 6379; then
  export TEST_BROKER_URL="redis://127.0.0.1:6379/15"
fi
echo "== database: ${DATABASE_URL:-SQLite (no PostgreSQL on 127.0.0.1:5432)}"
echo "== broker for worker tests: ${TEST_BROKER_URL:-none (worker tests skip; they fail under CI=true)}"

export SECRET_KEY="test-secret-key-not-for-production"
export MUSCLESEED_DEID_SALT="test-deid-salt"
export MUSCLESEED_VAR_DIR="$(pwd)/var/test"
export SECURE_HTTPS=0  # the test client and live server speak plain http
export CELERY_BROKER_URL="${TEST_BROKER_URL:-memory://}"

echo "== ruff"
.venv/bin/ruff check .
echo "== node --test"
node --test frontend/tests/
echo "== pytest"
.venv/bin/python -m pytest "$@"
