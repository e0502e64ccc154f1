#!/usr/bin/env bash
# bench/memory/run.sh [BURST_SECONDS] [AFTER_SECONDS] [-- SERVER SETTINGS...]
#
# The server's resident memory before, during and after a burst of the trust probe's requests
# (burst.py: 8 MiB polygon bodies, the dense 9,000-point probe, permutations, oversized bodies, long
# series, plans, and uncached tiles, OGC pages and area panels from eight more clients at once),
# on the demo data. Target: RSS back within 150 MB of its idle figure within 60 s of the burst's end.
#
# Uses the embedded cluster (./geoors db start) and a database of its own, geoors_bench_memory, with
# the demo loaded once (200,000 synthetic overdoses, 20,000 seizures, the Tempe and Allegheny files).
# Settings after -- go to the server as --Section:Key=value, e.g. -- --Limits:HeavyConcurrency=4.
# RSS is sampled from /proc every second (every half second during the burst) into
# bench/results/memory/rss-*.csv.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK="$ROOT/bench/results/memory"; mkdir -p "$WORK"
BURST=${1:-40}
AFTER=${2:-60}
shift $(( $# > 2 ? 2 : $# ))
[ "${1:-}" = "--" ] && shift
EXTRA=("$@")
cd "$ROOT"

./geoors db start >/dev/null
PGURL=$(./geoors db url)
PASSWORD=$(sed -E 's/.*Password=([^;]*).*/\1/' <<<"$PGURL")
PGPORT=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$PGURL")
PSQL=(env PGPASSWORD="$PASSWORD" "$(ls -d /usr/lib/postgresql/*/bin | tail -1)/psql" -h 127.0.0.1 -p "$PGPORT" -U geoors -X -q -tA)
DB=geoors_bench_memory
[ -n "$("${PSQL[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ] || "${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB"
export GEOORS_DB="Host=127.0.0.1;Port=$PGPORT;Username=geoors;Password=$PASSWORD;Database=$DB"
dotnet build src/GeoOrs.Server/GeoOrs.Server.csproj -c Release -nologo -v quiet >"$WORK/build.log"
DLL="$ROOT/src/GeoOrs.Server/bin/Release/net10.0/GeoOrs.Server.dll"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"

SERVER=
stop_server() { [ -n "$SERVER" ] && kill -TERM "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null; SERVER=; }
trap stop_server EXIT
start_server() {
  # As ./geoors serve and the Docker image run it (MALLOC_ARENA_MAX=2 unless set).
  (cd src/GeoOrs.Server && exec env Scheduling__Enabled=false MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" dotnet "$DLL" serve --demo --urls "$BASE" "${EXTRA[@]}") >>"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 240); do curl -sf "$BASE/health" >/dev/null && return 0; sleep 0.5; done
  echo "the server did not start (log: $WORK/server.log)" >&2; exit 1
}
rss() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER/status"; }
demo_loaded() { [ "$("${PSQL[@]}" -d "$DB" -c "SELECT count(DISTINCT sender) FROM ingest_batches WHERE sender LIKE 'demo:%' AND status = 'committed'" 2>/dev/null || echo 0)" -ge 4 ]; }

: >"$WORK/server.log"
if ! demo_loaded; then
  echo "loading the demo into $DB (once)"
  start_server
  until demo_loaded; do sleep 5; done
  stop_server
fi

# A fresh server over the loaded data: its idle figure, the burst, and the minute after it.
start_server
KEYS=()
for i in 1 2 3 4; do
  KEYS+=("$(cd src/GeoOrs.Server && dotnet "$DLL" keys create --role analyst --agency "bench-memory-$i" | grep -o 'gok_[^ ]*')")
done
sleep 20
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
CSV="$WORK/rss-$STAMP.csv"
echo "phase,second,rss_mb" >"$CSV"
idle=()
for s in $(seq 10); do r=$(rss); idle+=("$r"); echo "idle,$s,$r" >>"$CSV"; sleep 1; done
IDLE=$(printf '%s\n' "${idle[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')

python3 bench/memory/burst.py "$BASE" "$BURST" "${KEYS[@]}" >"$WORK/burst-$STAMP.txt" 2>&1 &
BURSTER=$!
PEAK=$IDLE
t=0
while kill -0 "$BURSTER" 2>/dev/null; do
  r=$(rss); echo "burst,$t,$r" >>"$CSV"
  PEAK=$(awk -v a="$PEAK" -v b="$r" 'BEGIN { print (b > a ? b : a) }')
  sleep 0.5; t=$(awk -v t="$t" 'BEGIN { print t + 0.5 }')
done
wait "$BURSTER" || true

WITHIN=
for s in $(seq "$AFTER"); do
  sleep 1
  r=$(rss); echo "after,$s,$r" >>"$CSV"
  PEAK=$(awk -v a="$PEAK" -v b="$r" 'BEGIN { print (b > a ? b : a) }')
  if [ -z "$WITHIN" ] && awk -v r="$r" -v i="$IDLE" 'BEGIN { exit !(r <= i + 150) }'; then WITHIN=$s; fi
  case $s in 10) AT10=$r ;; 30) AT30=$r ;; esac
  LAST=$r
done

STOPPED=$(date +%s.%N); stop_server; STOPPED=$(awk -v a="$STOPPED" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "bench/memory: $(nproc) cores, $(date -u +%Y-%m-%d), demo data ($("${PSQL[@]}" -d "$DB" -c 'SELECT count(*) FROM overdose_events') overdoses), burst ${BURST} s, settings: ${EXTRA[*]:-defaults}$(env | grep -E '^(DOTNET_gc|DOTNET_GC|DOTNET_SYSTEM_|MALLOC_)' | tr '\n' ' ' | sed 's/^/, environment: /')"
echo "answers: $(tail -1 "$WORK/burst-$STAMP.txt")"
echo "| idle RSS (median) | peak RSS | 10 s after | 30 s after | ${AFTER} s after | back within 150 MB of idle | stop after SIGTERM |"
echo "|---|---|---|---|---|---|---|"
if [ -n "$WITHIN" ]; then BACK="after ${WITHIN} s"; else BACK="not within ${AFTER} s"; fi
echo "| ${IDLE} MB | ${PEAK} MB | ${AT10:-?} MB | ${AT30:-?} MB | ${LAST} MB | ${BACK} | ${STOPPED} s |"
echo "samples: $CSV"
