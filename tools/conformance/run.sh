#!/usr/bin/env bash
# Conformance checks against a live Clutch server on the embedded PostgreSQL with demo data:
#   1. graphql-http's GraphQL-over-HTTP server audits (every audit must be ok);
#   2. the graphql-ws reference client (token in connection_init, refusals, replay), on
#      the diary, the community's live replies and a student's live account.
# Exits non-zero when any check fails. The server is always stopped.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
clutch="$root/.venv/bin/clutch"
python="$root/.venv/bin/python"

if [[ ! -x "$clutch" ]]; then
  echo "missing $clutch: install Clutch first (python3 -m venv .venv && .venv/bin/pip install -e '.[test]')" >&2
  exit 2
fi

data_dir="$(mktemp -d "${TMPDIR:-/tmp}/clutch-conformance.XXXXXX")"
log_file="$data_dir/server.log"
server_pid=""

stop_server() {
  local status=$?
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    # Give the lifespan time to stop the embedded PostgreSQL cleanly.
    for _ in $(seq 1 100); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "server did not stop; killing it" >&2
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ $status -ne 0 && -f "$log_file" ]]; then
    echo "---- server log (last 60 lines) ----" >&2
    tail -n 60 "$log_file" >&2 || true
  fi
  rm -rf "$data_dir"
  exit "$status"
}
trap stop_server EXIT
trap 'exit 130' INT TERM

port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
base_url="http://127.0.0.1:$port"

echo "== starting clutch serve --demo on $base_url (data in $data_dir)"
(
  cd "$root"
  exec env -u DATABASE_URL -u CLUTCH_DATABASE_URL CLUTCH_DATA_DIR="$data_dir" \
    "$clutch" serve --demo --host 127.0.0.1 --port "$port"
) >"$log_file" 2>&1 &
server_pid=$!

ready=""
for _ in $(seq 1 600); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server exited before it was ready" >&2
    exit 1
  fi
  if "$python" - "$base_url/healthz" <<'PY' 2>/dev/null; then
import sys
import urllib.request

with urllib.request.urlopen(sys.argv[1], timeout=2) as response:
    sys.exit(0 if response.status == 200 else 1)
PY
    ready=1
    break
  fi
  sleep 0.5
done
if [[ -z "$ready" ]]; then
  echo "the server did not answer /healthz within 300 s" >&2
  exit 1
fi
echo "server is up"

echo "== npm ci"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

failed=0
echo "== graphql-http server audits"
(cd "$here" && node audit.mjs "$base_url/graphql") || failed=1

echo "== graphql-ws reference client"
(cd "$here" && node ws-client.mjs "$base_url/graphql") || failed=1

echo "== graphql-ws reference client: community live replies"
(cd "$here" && node community-ws.mjs "$base_url/graphql") || failed=1

echo "== graphql-ws reference client: a student's live account"
(cd "$here" && node account-ws.mjs "$base_url/graphql") || failed=1

if [[ $failed -ne 0 ]]; then
  echo "conformance: FAILED" >&2
  exit 1
fi
echo "conformance: all checks passed"
