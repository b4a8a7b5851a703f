#!/usr/bin/env bash
# `make run`: daphne on 127.0.0.1:8000 and the task queue's worker (manage.py run_huey: closing proposals on time,
# document jobs) side by side. Ctrl-C stops both; so does either one stopping on its own.
# Served as production serves it: DEBUG off (`DEBUG=1 make run` for Django's debug pages), static files collected
# into staticfiles/ (gitignored) under hashed names with gzip copies, so a phone caches them for good. After editing
# a stylesheet or a script, run `make run` again: it collects them anew.
set -uo pipefail
cd "$(dirname "$0")/.."

export STATIC_COLLECTED=1
.venv/bin/python manage.py collectstatic --noinput -v 0 || exit 1

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  wait
}
trap stop INT TERM EXIT

# The worker's lines are prefixed so that they stand apart from the server's.
.venv/bin/python manage.py run_huey > >(sed -u 's/^/[worker] /') 2>&1 &
pids+=($!)
DEBUG="${DEBUG:-0}" .venv/bin/daphne -b 127.0.0.1 -p 8000 config.asgi:application &
pids+=($!)
wait -n
