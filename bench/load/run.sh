#!/usr/bin/env bash
# Load benchmark (see bench/README.md): a mixed read workload through nginx in front of 1 and 2
# GeoOrs servers, with and without a streaming read replica, then a soak.
#
#   bench/load/run.sh [load|soak|all]        (all)
#
# On a cluster of its own (GEOORS_STATE, bench/results/load/state by default: a replica of it copies
# only the benchmark's data) holding the tile benchmarks' ROWS generated events:
#   load: for each of CONFIGS ("1 2 1r 2r": servers, r = reads from the replica), `./geoors serve
#         --replicas N` (nginx from deploy/nginx/geoors.conf), one warm-up pass over the URLs, then
#         wrk --latency at each of CONNS_LIST connections for SECS s: requests/s, p50, p99, errors
#         (non-2xx and socket errors, with nginx's status counts), and the CPU seconds each part
#         (servers, primary, replica, nginx, wrk) used, to show where the limit is;
#   soak: 2 servers (reading from the replica when one runs), SOAK_CONNS connections for SOAK_SECS s,
#         each server's RSS sampled every 10 s, against Tiles:CacheMegabytes.
# The URLs (bench/results/load/paths-ROWS.txt), about 2,700 in a fixed shuffled order, shaped like
# dashboards' traffic (a map view is a dozen tiles and a TileJSON, a click one panel): 1,500 county
# and 200 HIDTA tiles without a key (a third with a one-month window), 600 overdose point tiles with
# an analyst's key, 100 OGC pages (county aggregates, counties, overdose events), 150 county panels
# (/api/areas), 100 TileJSON and 50 alert lists.
# nginx's and the servers' rate limits are lifted: every request comes from one address and one key,
# and the benchmark measures serving, not the limiter's refusals (GEOORS_NGINX_CONF: a copy of
# deploy/nginx/geoors.conf with its rates raised).
# Results: bench/results/load/results.txt.
#
# Environment: ROWS (1000000), CONFIGS ("1 2 1r 2r"), CONNS_LIST ("16 64 256"), SECS (60),
# SOAK_CONNS (64), SOAK_SECS (600), PORT (18300).
# A quick check of the script: ROWS=100000 CONFIGS="1 2r" CONNS_LIST="16 256" SECS=5 SOAK_SECS=20 bench/load/run.sh
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export GEOORS_STATE=${GEOORS_STATE:-$(cd "$HERE/../.." && pwd)/bench/results/load/state}
source "$HERE/../tiles/lib.sh"
MODE=${1:-all}
ROWS=${ROWS:-1000000}
CONFIGS=${CONFIGS:-1 2 1r 2r}
CONNS_LIST=${CONNS_LIST:-16 64 256}
SECS=${SECS:-60}
SOAK_CONNS=${SOAK_CONNS:-64}
SOAK_SECS=${SOAK_SECS:-600}
PORT=${PORT:-18300}
case "$MODE" in load|soak|all) ;; *) die "usage: bench/load/run.sh [load|soak|all]" ;; esac

need_tools; start_cluster; build
data_db "$ROWS"
WORK="$ROOT/bench/results/load"
mkdir -p "$WORK"
RESULTS="$WORK/results.txt"
[ "$MODE" = soak ] || : >"$RESULTS"
report() { printf '%s\n' "$*" | tee -a "$RESULTS"; }
bench_key "$DB" analyst
SERVE_PID=

stop_serve() {
  [ -n "$SERVE_PID" ] || return 0
  kill -TERM "$SERVE_PID" 2>/dev/null || true
  wait "$SERVE_PID" 2>/dev/null || true
  SERVE_PID=
}
trap stop_serve EXIT

# The replica of the benchmark's cluster, when the script can make one.
has_replica() { "$ROOT/geoors" db replica status >/dev/null 2>&1; }
replica_url() { "$ROOT/geoors" db replica url "$DB"; }

# The shipped nginx file with its request rates raised (the limit stays in place, out of reach).
NGINX_CONF="$WORK/geoors-unlimited.conf"
sed -E 's/rate=[0-9]+r\/s/rate=1000000r\/s/; s/burst=[0-9]+/burst=1000000/' "$ROOT/deploy/nginx/geoors.conf" >"$NGINX_CONF"
grep -q 'rate=1000000r/s' "$NGINX_CONF" || die "could not lift the rates of deploy/nginx/geoors.conf"

# The URLs, made once per data set: "K /path" is sent with the analyst's key, "- /path" without.
PATHS="$WORK/paths-$ROWS.txt"
if [ ! -s "$PATHS" ]; then
  say "choosing the URLs"
  psql_q "$DB" -tA >"$PATHS" <<'SQL'
WITH pts AS (
  SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM overdose_events ORDER BY md5(id::text) LIMIT 20000
), t AS (
  SELECT DISTINCT z, floor((lon + 180) / 360 * 2 ^ z)::int AS x,
         floor((1 - ln(tan(radians(lat)) + 1 / cos(radians(lat))) / pi()) / 2 * 2 ^ z)::int AS y
  FROM pts, generate_series(3, 12) z WHERE lat BETWEEN -85 AND 85
), tiles AS (
  SELECT z, x, y, md5(z || '/' || x || '/' || y) AS h FROM t
), win AS (  -- a third of the tiles ask for one calendar month of the data's last year (a window the public may ask)
  SELECT h, CASE WHEN ('x' || substr(h, 1, 2))::bit(8)::int % 3 = 0
                 THEN format('?from=%s&to=%s', m, (m + interval '1 month' - interval '1 day')::date)
                 ELSE '' END AS q
  FROM tiles, LATERAL (SELECT make_date(2025, 1 + ('x' || substr(h, 3, 2))::bit(8)::int % 12, 1) AS m) month
), counties AS (
  SELECT county_fips, md5(county_fips) AS h FROM overdose_events WHERE county_fips IS NOT NULL GROUP BY county_fips
), urls AS (
  (SELECT '- ' || format('/tiles/counties/%s/%s/%s.mvt', z, x, y) || w.q AS u FROM tiles JOIN win w USING (h) WHERE z <= 10 ORDER BY h LIMIT 1500)
  UNION ALL
  (SELECT '- ' || format('/tiles/hidta/%s/%s/%s.mvt', z, x, y) AS u FROM tiles WHERE z <= 8 ORDER BY md5(h) LIMIT 200)
  UNION ALL
  (SELECT 'K ' || format('/tiles/overdoses/%s/%s/%s.mvt', z, x, y) || w.q AS u FROM tiles JOIN win w USING (h) WHERE z >= 6 ORDER BY md5(h || 'p') LIMIT 600)
  UNION ALL
  (SELECT '- ' || format('/ogc/collections/county-aggregates/items?limit=100&offset=%s', o * 100) FROM generate_series(0, 19) o)
  UNION ALL
  (SELECT '- ' || format('/ogc/collections/counties/items?limit=10&offset=%s', o * 10) FROM generate_series(0, 49) o)
  UNION ALL
  (SELECT 'K ' || format('/ogc/collections/overdose-events/items?limit=100&offset=%s', o * 100) FROM generate_series(0, 29) o)
  UNION ALL
  (SELECT '- ' || format('/api/areas/county/%s', county_fips) || CASE WHEN ('x' || substr(h, 1, 2))::bit(8)::int % 3 = 0 THEN '?from=2025-01-01&to=2025-12-31' ELSE '' END
   FROM counties ORDER BY h LIMIT 150)
  UNION ALL
  (SELECT u FROM (VALUES ('- /tiles/counties.json'), ('- /tiles/hidta.json'), ('K /tiles/overdoses.json'), ('- /tiles/states.json')) v(u), generate_series(1, 25))
  UNION ALL
  (SELECT 'K /api/alerts?limit=50' FROM generate_series(1, 50))
)
SELECT u FROM urls ORDER BY md5(u || random()::text);
SQL
fi
say "$(wc -l <"$PATHS") URLs in $PATHS"

# Each server's, the database's, nginx's pids (for CPU and RSS).
server_pids() { local i; for ((i = 1; i <= $1; i++)); do pgrep -f "GeoOrs.Server.dll serve --urls http://127.0.0.1:$((PORT + i))" || true; done; }
tree_pids() { [ -n "$1" ] || return 0; echo "$1"; pgrep -P "$1" || true; }
postmaster() { local f; for f in "$1/postmaster.pid" "$1/data/postmaster.pid"; do [ -s "$f" ] && { head -1 "$f"; return 0; }; done; return 0; }
nginx_pids() { local m; m=$(cat "$GEOORS_STATE/nginx-$PORT/nginx.pid" 2>/dev/null || true); tree_pids "$m"; }
ticks() { # ticks PID...: user + system clock ticks of the live ones
  local p t=0 f
  for p in "$@"; do
    f=$(cut -d' ' -f14,15 "/proc/$p/stat" 2>/dev/null) || continue
    t=$((t + ${f% *} + ${f#* }))
  done
  echo "$t"
}
HZ=$(getconf CLK_TCK)
cpu_s() { awk -v t="$1" -v hz="$HZ" 'BEGIN {printf "%.1f", t / hz}'; }

# serve N READ_URL: N servers behind nginx on PORT, reading from READ_URL when it is set.
serve() {
  local n=$1 read=$2 extra=()
  [ -n "$read" ] && extra+=("Database__ReadConnectionString=$read")
  (cd "$ROOT" && exec env GEOORS_DB="$(db_url "$DB")" GEOORS_NGINX_CONF="$NGINX_CONF" ASPNETCORE_ENVIRONMENT=Production \
     Scheduling__Enabled=false Boundaries__LoadOnStart=false Logging__LogLevel__Default=Warning \
     Http__KeyPermitsPerMinute=1000000000 Http__PublicPermitsPerMinute=1000000000 "${extra[@]}" \
     ./geoors serve --replicas "$n" --port "$PORT") >"$WORK/serve-$n.log" 2>&1 &
  SERVE_PID=$!
  local i ok
  for _ in $(seq 1 300); do
    ok=0
    for ((i = 1; i <= n; i++)); do curl -fs "http://127.0.0.1:$((PORT + i))/health" >/dev/null 2>&1 && ok=$((ok + 1)); done
    [ "$ok" -eq "$n" ] && curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  cat "$WORK/serve-$n.log" >&2; die "the servers did not start"
}

# measure LABEL N CONNS SECS: one wrk run through nginx; prints a result line.
measure() {
  local label=$1 n=$2 conns=$3 secs=$4 out log="$GEOORS_STATE/nginx-$PORT/access.log"
  local servers primary replica nginx
  servers=$(server_pids "$n"); primary=$(tree_pids "$(postmaster "$GEOORS_STATE/pg")")
  replica=$(tree_pids "$(postmaster "$GEOORS_STATE/replica")"); nginx=$(nginx_pids)
  : >"$log"
  local s0 p0 r0 g0 w0 s1 p1 r1 g1 w1 wrk_pid
  # shellcheck disable=SC2086
  s0=$(ticks $servers); p0=$(ticks $primary); r0=$(ticks $replica); g0=$(ticks $nginx)
  wrk -t2 -c"$conns" -d"${secs}s" --timeout 30s --latency -s "$HERE/load.lua" "http://127.0.0.1:$PORT" -- "$PATHS" "$KEY" 2 >"$WORK/wrk.out" &
  wrk_pid=$!
  sleep $((secs - 1)); w0=$(ticks "$wrk_pid")
  # shellcheck disable=SC2086
  s1=$(ticks $servers); p1=$(ticks $(tree_pids "$(postmaster "$GEOORS_STATE/pg")")); r1=$(ticks $(tree_pids "$(postmaster "$GEOORS_STATE/replica")")); g1=$(ticks $nginx)
  wait "$wrk_pid" || true
  out=$(cat "$WORK/wrk.out"); printf '%s\n%s\n' "== $label, $conns connections" "$out" >>"$WORK/wrk.log"
  local rps p50 p99 non2xx sock statuses
  read -r rps p50 p99 < <(echo "$out" | awk 'function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; return v * 1000 }
      /Requests\/sec/ {r = $2} $1 == "50%" {p50 = ms($2)} $1 == "99%" {p99 = ms($2)} END {printf "%.0f %.1f %.1f\n", r, p50, p99}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}'); non2xx=${non2xx:-0}
  sock=$(echo "$out" | awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}'); sock=${sock:-0}
  statuses=$(awk '{print $9}' "$log" | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
  # CPU seconds over the run (wrk's until a second before its end), of 2 cores x SECS.
  report "$(printf '%-22s %4s conns  %7s req/s  p50 %7s ms  p99 %7s ms  errors %s (non-2xx %s, socket %s)  cpu s: servers %s primary %s replica %s nginx %s wrk %s of %s  [%s]' \
    "$label" "$conns" "$rps" "$p50" "$p99" $((non2xx + sock)) "$non2xx" "$sock" \
    "$(cpu_s $((s1 - s0)))" "$(cpu_s $((p1 - p0)))" "$(cpu_s $((r1 - r0)))" "$(cpu_s $((g1 - g0)))" "$(cpu_s "$w0")" $((2 * secs)) "${statuses% }")"
}

# warm N: one pass over the URLs at 16 connections (every answer cached on the servers that served it).
warm() {
  local lines; lines=$(wc -l <"$PATHS")
  wrk -t2 -c16 -d"$(( lines / 200 + 10 ))s" --timeout 30s -s "$HERE/load.lua" "http://127.0.0.1:$PORT" -- "$PATHS" "$KEY" 2 >>"$WORK/warm.log" 2>&1 || true
}

config_read() { # config_read CONFIG: the replica's URL for an "Nr" configuration, or nothing
  case "$1" in
    *r) has_replica || { "$ROOT/geoors" db replica start >&2 || return 1; }; replica_url ;;
    *) echo "" ;;
  esac
}

if [ "$MODE" != soak ]; then
  report "bench/load $(date -u +%F) on $(nproc) cores, $ROWS events, $(wc -l <"$PATHS") URLs, ${SECS} s per run, code at $(git -C "$ROOT" rev-parse --short HEAD)"
  for config in $CONFIGS; do
    n=${config%r}
    if ! read_url=$(config_read "$config"); then report "$config: no replica (./geoors db replica start failed)"; continue; fi
    serve "$n" "$read_url"
    warm
    for conns in $CONNS_LIST; do
      measure "$n server(s)${read_url:+, replica}" "$n" "$conns" "$SECS"
    done
    stop_serve
  done
fi

if [ "$MODE" != load ]; then
  read_url=""
  has_replica && read_url=$(replica_url)
  serve 2 "$read_url"
  warm
  report "soak: 2 servers${read_url:+, replica}, $SOAK_CONNS connections, $SOAK_SECS s, Tiles:CacheMegabytes ${Tiles__CacheMegabytes:-256}; RSS MB per server every 10 s:"
  pids=$(server_pids 2)
  wrk -t2 -c"$SOAK_CONNS" -d"${SOAK_SECS}s" --timeout 30s --latency -s "$HERE/load.lua" "http://127.0.0.1:$PORT" -- "$PATHS" "$KEY" 2 >"$WORK/soak-wrk.out" &
  wrk_pid=$!
  : >"$WORK/soak-rss.txt"
  while kill -0 "$wrk_pid" 2>/dev/null; do
    line="$(date -u +%T)"
    for p in $pids; do line+=" $(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$p/status" 2>/dev/null || echo gone)"; done
    echo "$line" >>"$WORK/soak-rss.txt"
    sleep 10
  done
  wait "$wrk_pid" || true
  awk '{s = $1; for (i = 2; i <= NF; i++) s = s " " $i; print "  " s}' "$WORK/soak-rss.txt" | tee -a "$RESULTS"
  awk -v col=2 'NR == 1 {for (i = 2; i <= NF; i++) first[i] = $i} {for (i = 2; i <= NF; i++) {last[i] = $i; if ($i > max[i]) max[i] = $i}}
       END {for (i = 2; i <= NF; i++) printf "server %d: first %s MB, max %s MB, last %s MB, growth %+d MB\n", i - 1, first[i], max[i], last[i], last[i] - first[i]}' \
    "$WORK/soak-rss.txt" | tee -a "$RESULTS"
  out=$(cat "$WORK/soak-wrk.out")
  report "soak wrk: $(echo "$out" | awk '/Requests\/sec/ {printf "%s req/s", $2} $1 == "50%" {printf ", p50 %s", $2} $1 == "99%" {printf ", p99 %s", $2}'), non-2xx $(echo "$out" | awk '/Non-2xx/ {print $NF}' | grep . || echo 0), socket errors $(echo "$out" | awk '/Socket errors/ {print}' | grep . || echo none)"
  stop_serve
fi
