#!/usr/bin/env bash
# Load-tests tongban: builds the binary, starts `tongban serve --demo` on a fresh data folder,
# runs a short version of each scenario of `tongban load` against it, and checks that the
# numbers are sane — throughput above zero, no errors, p99 under a generous bound — then stops
# the server. Each result is kept as JSON in $OUT.
#
# The short form (CI, a few seconds each):
#   scripts/load.sh
# The full form, by hand (issue 7's targets; the checks then only require no errors):
#   CLIENTS=3000 WARMUP=10s DURATION=20s SCENARIOS="submit browse" MAX_P99=0 MAX_ERRORS=-1 scripts/load.sh
# On PostgreSQL, in a fresh schema:
#   psql "$DSN" -c 'CREATE SCHEMA load1'; DB="$DSN&search_path=load1" scripts/load.sh
#
# Environment: CLIENTS (50), DURATION (3s), WARMUP (0s: unmeasured time before it), SCENARIOS ("submit browse approve mixed"),
# MAX_P99 (5s; 0 for no bound), MAX_ERRORS (0; -1 for no bound), DB (PostgreSQL DSN; SQLite in
# the data folder by default), OUT (where the JSON results go; a new temporary folder by default),
# BIN (a tongban binary to test instead of building this checkout: to compare two builds).
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${CLIENTS:-50}
DURATION=${DURATION:-3s}
WARMUP=${WARMUP:-0s}
SCENARIOS=${SCENARIOS:-submit browse approve mixed}
MAX_P99=${MAX_P99:-5s}
MAX_ERRORS=${MAX_ERRORS:-0}
OUT=${OUT:-$(mktemp -d -t tbload-out.XXXXXX)}
mkdir -p "$OUT"

work=$(mktemp -d -t tbload-run.XXXXXX)
bin="$work/tongban"
data="$work/data"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${BIN:-}" ]; then
  echo "== using $BIN"
  cp "$BIN" "$bin"
else
  echo "== go build"
  go build -o "$bin" ./cmd/tongban
fi

echo "== tongban serve --demo on a fresh data folder${DB:+ (PostgreSQL)}"
serve_args=(serve --demo --data "$data" --addr 127.0.0.1:0)
if [ -n "${DB:-}" ]; then serve_args+=(--db "$DB"); fi
"$bin" "${serve_args[@]}" >"$work/serve.out" 2>"$work/serve.log" &
server_pid=$!
url=""
for _ in $(seq 1 300); do
  url=$(sed -n 's|^tongban 已启动：\(http://[^/]*\)/api/v1/openapi.json$|\1|p' "$work/serve.out")
  [ -n "$url" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "tongban serve exited:"; cat "$work/serve.log"; exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "tongban serve did not start within 30 s:"; cat "$work/serve.log"; exit 1
fi
echo "server $url (pid $server_pid)"

status=0
for scenario in $SCENARIOS; do
  echo "== load: $scenario, $CLIENTS clients, $DURATION (after a warm-up of $WARMUP)"
  checks=(--max-errors "$MAX_ERRORS" --min-rate 0.001)
  if [ "$MAX_P99" != 0 ]; then checks+=(--max-p99 "$MAX_P99"); fi
  if ! "$bin" load --target "$url" --scenario "$scenario" --clients "$CLIENTS" --warmup "$WARMUP" --duration "$DURATION" \
      --credentials "$data/demo-credentials.json" --server-pid "$server_pid" \
      --json "$OUT/$scenario.json" "${checks[@]}"; then
    echo "load: $scenario is not sane"
    status=1
  fi
done

echo "== stopping the server"
kill -INT "$server_pid"
if ! wait "$server_pid"; then
  echo "tongban serve did not stop cleanly:"; tail -20 "$work/serve.log"; status=1
fi
server_pid=""
echo "results: $OUT"
if [ "$status" = 0 ]; then echo "== load: all scenarios sane"; fi
exit "$status"
