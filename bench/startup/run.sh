#!/usr/bin/env bash
# bench/startup/run.sh [RUNS]
#
# How long ./geoors serve takes to answer /health with 200, as a user runs it: once cold (a new
# embedded cluster, the migrations, the boundaries loaded) and then RUNS times warm (default 5: the
# cluster started again over the same data, no boundary load), each stopped with SIGTERM, whose time
# to exit is measured too. Target: a warm start within 30 s (the figure GeoorsScriptTests asserted
# before speed moved out of the tests); quote the median.
#
# Uses a state directory of its own (GEOORS_STATE, removed at the end), so neither ./.geoors nor a
# running cluster is touched; the server is built first, so no start includes a build. The scripts'
# logs go to bench/results/startup/.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUNS=${1:-5}
WORK="$ROOT/bench/results/startup"; mkdir -p "$WORK"
cd "$ROOT"
unset GEOORS_DB

STATE=$(mktemp -d /tmp/geoors-bench-startup-XXXXXX)
chmod 755 "$STATE" # reachable by the cluster's owner when this runs as root
export GEOORS_STATE="$STATE"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

SCRIPT=
finish() {
  [ -n "$SCRIPT" ] && kill -TERM "$SCRIPT" 2>/dev/null && wait "$SCRIPT" 2>/dev/null
  ./geoors db stop >/dev/null 2>&1 || true
  rm -rf "$STATE"
}
trap finish EXIT

./geoors serve --help >/dev/null # builds the server outside the timings (the cold start bundles the web map when it is out of date)
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# start LOG: ./geoors serve until /health answers 200; TOOK is the seconds it took. (Not in a command
# substitution: its subshell would own the script, and its SCRIPT would be lost.)
start() {
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health")" != 000 ]; then echo "something answers on port $PORT already" >&2; exit 1; fi
  local began; began=$(now)
  ./geoors serve --port "$PORT" >"$1" 2>&1 &
  SCRIPT=$!
  for _ in $(seq 1800); do
    kill -0 "$SCRIPT" 2>/dev/null || { echo "./geoors serve exited (log: $1)" >&2; exit 1; }
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health")" = 200 ]; then TOOK=$(elapsed "$began" "$(now)"); return 0; fi
    sleep 0.1
  done
  echo "not healthy within 180 s (log: $1)" >&2; exit 1
}

# stop: SIGTERM to the script (which stops the server, then the cluster); TOOK is the seconds until it exited.
stop() {
  local began; began=$(now)
  kill -TERM "$SCRIPT"
  wait "$SCRIPT" || true
  SCRIPT=
  TOOK=$(elapsed "$began" "$(now)")
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health")" != 000 ]; then echo "a server still answers on port $PORT after the stop" >&2; exit 1; fi
}

start "$WORK/cold.log"; COLD=$TOOK
stop; COLD_STOP=$TOOK
grep -q "Loading boundaries" "$WORK/cold.log" || { echo "the cold start loaded no boundaries (log: $WORK/cold.log)" >&2; exit 1; }

warm=() stops=()
for i in $(seq "$RUNS"); do
  start "$WORK/warm-$i.log"; warm+=("$TOOK")
  stop; stops+=("$TOOK")
  if grep -q "Loading boundaries" "$WORK/warm-$i.log"; then echo "warm start $i loaded the boundaries again (log: $WORK/warm-$i.log)" >&2; exit 1; fi
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
WARM=$(median "${warm[@]}")
STOPS=$(median "${stops[@]}")

echo "bench/startup: $(nproc) cores, $(date -u +%Y-%m-%d), $(git rev-parse --short HEAD), $RUNS warm starts"
echo "| cold start (new cluster, boundaries) | stop | warm start, median (runs) | vs the 30 s limit | stop after SIGTERM, median |"
echo "|---|---|---|---|---|"
echo "| ${COLD} s | ${COLD_STOP} s | ${WARM} s (${warm[*]}) | $(awk -v w="$WARM" 'BEGIN { printf "%.2f", w / 30 }') of it | ${STOPS} s |"
