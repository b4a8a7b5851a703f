#!/usr/bin/env bash
# `make run`: daphne on 127.0.0.1:8000 and the task queue's worker (manage.py run_huey: closing proposals on time,
# document jobs) side by side. Ctrl-C stops both; so does either one stopping on its own.
set -uo pipefail
cd "$(dirname "$0")/.."

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
DEBUG=1 .venv/bin/daphne -b 127.0.0.1 -p 8000 config.asgi:application &
pids+=($!)
wait -n
