#!/usr/bin/env bash
# Live feed benchmark (see bench/README.md): single events posted as a CAD/EMS system posts them.
#
#   bench/live/run.sh
#
# On a copy (geoors_bench_live) of the tile benchmark's data set (ROWS events, bench/tiles/run.sh
# prepare makes it when missing), with the server from the Release build:
#   1. single-event POST latency, p50 and p99: SEQ events one after another, then CONC_N events
#      from 8 concurrent posters (one agency); sustained events/s of the latter;
#   2. time from a POST's answer to its county tile (z7, cached before) and /api/areas showing it
#      (VISIBLE trials);
#   3. cached county-tile throughput (wrk, CONNS connections, up to 150 county tiles a zoom, z 3-10,
#      holding sampled events) with no feed, a feed of 1 event/s and one of 10 events/s, as ratios to no feed,
#      ROUNDS rounds of SECS s, the order rotating;
#   4. time from a threshold-crossing POST's answer to the alert on the SSE stream (ALERTS trials).
# Results: bench/results/live/results.txt (and the raw logs beside it).
#
# Environment: ROWS (1000000), SEQ (200), CONC_N (800), VISIBLE (20), ALERTS (5), ROUNDS (3), SECS (20), CONNS (4).
# A quick check of the script: ROWS=100000 SEQ=20 CONC_N=40 VISIBLE=3 ALERTS=2 ROUNDS=1 SECS=3 bench/live/run.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tiles/lib.sh"
ROWS=${ROWS:-1000000}
SEQ=${SEQ:-200}
CONC_N=${CONC_N:-800}
VISIBLE=${VISIBLE:-20}
ALERTS=${ALERTS:-5}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-20}
PORT=18231
LIVE_DB=geoors_bench_live
CLIENT="$ROOT/bench/live/live.py"
trap 'stop_server; [ -z "${FEED_PID:-}" ] || kill "$FEED_PID" 2>/dev/null || true' EXIT

need_tools; start_cluster; build
data_db "$ROWS"
SOURCE_DB=$DB
WORK="$ROOT/bench/results/live"
mkdir -p "$WORK"
RESULTS="$WORK/results.txt"
: >"$RESULTS"
report() { printf '%s\n' "$*" | tee -a "$RESULTS"; }

# A fresh copy each run: every run starts from the same data, and the tile benchmarks' database is never written.
say "copying $SOURCE_DB to $LIVE_DB"
psql_q postgres -c "DROP DATABASE IF EXISTS $LIVE_DB WITH (FORCE)" -c "CREATE DATABASE $LIVE_DB TEMPLATE $SOURCE_DB"

start_server "$PORT" "$LIVE_DB"
URL="http://127.0.0.1:$PORT"
bench_key "$LIVE_DB" admin; ADMIN_KEY=$KEY
bench_key "$LIVE_DB" analyst   # the posting key (agency bench), and the tile reader's

# Where events are posted: 2,000 stored events' positions, with their counties.
POINTS="$WORK/points.txt"
psql_q "$LIVE_DB" -tA -F ' ' -c "SELECT ST_X(geom), ST_Y(geom), county_fips FROM overdose_events WHERE county_fips IS NOT NULL ORDER BY md5(id::text) LIMIT 2000" >"$POINTS"
[ -s "$POINTS" ] || die "no events with counties in $LIVE_DB"

say "warming up (50 posts)"
python3 "$CLIENT" post "$URL" "$KEY" "$POINTS" 50 1 >/dev/null

# 1. Latency and throughput of single events.
read -r p50 p99 rate errors < <(python3 "$CLIENT" post "$URL" "$KEY" "$POINTS" "$SEQ" 1)
report "sequential: $SEQ events, p50 $p50 ms, p99 $p99 ms, $rate events/s, $errors not 201"
read -r p50 p99 rate errors < <(python3 "$CLIENT" post "$URL" "$KEY" "$POINTS" "$CONC_N" 8)
report "8 concurrent posters: $CONC_N events, p50 $p50 ms, p99 $p99 ms, sustained $rate events/s, $errors not 201"

# 2. Visibility after the answer.
read -r tile50 tilemax areas50 areasmax < <(python3 "$CLIENT" visible "$URL" "$KEY" "$POINTS" "$VISIBLE")
report "visible after the POST's answer ($VISIBLE trials): county tile p50 $tile50 ms (max $tilemax), /api/areas p50 $areas50 ms (max $areasmax)"

# 3. Cached county tiles under a feed.
# The county tiles (z 3-10) holding a sample of the events, at most 150 per zoom, in a fixed shuffled order.
PATHS="$WORK/paths-counties.txt"
psql_q "$LIVE_DB" -tA -c "
  WITH pts AS (SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM overdose_events ORDER BY md5(id::text) LIMIT 20000),
  t AS (SELECT DISTINCT z, floor((lon + 180) / 360 * 2 ^ z)::int AS x,
               floor((1 - ln(tan(radians(lat)) + 1 / cos(radians(lat))) / pi()) / 2 * 2 ^ z)::int AS y
        FROM pts, generate_series(3, 10) z WHERE lat BETWEEN -85 AND 85),
  ranked AS (SELECT z, x, y, row_number() OVER (PARTITION BY z ORDER BY md5(z || '/' || x || '/' || y)) AS r FROM t)
  SELECT format('/tiles/counties/%s/%s/%s.mvt', z, x, y) FROM ranked WHERE r <= 150 ORDER BY md5('order' || z || '/' || x || '/' || y)" >"$PATHS"
write_wrk_lua
say "warming the tile cache ($SECS s)"
run_wrk "$URL" "$PATHS" "$SECS" >/dev/null
declare -A tput=([0]="" [1]="" [10]="")
for r in $(seq 1 "$ROUNDS"); do
  for feed in $(case $((r % 3)) in 1) echo 0 1 10;; 2) echo 1 10 0;; 0) echo 10 0 1;; esac); do
    FEED_PID=
    if [ "$feed" -gt 0 ]; then
      python3 "$CLIENT" feed "$URL" "$KEY" "$POINTS" "$feed" $((SECS + 2)) >>"$WORK/feed-$feed.log" &
      FEED_PID=$!
      sleep 1
    fi
    t=$(run_wrk "$URL" "$PATHS" "$SECS")
    tput[$feed]+="$t "
    if [ -n "$FEED_PID" ]; then wait "$FEED_PID"; FEED_PID=; fi
    say "round $r, feed $feed/s: $t tiles/s"
  done
done
none=$(median ${tput[0]}); one=$(median ${tput[1]}); ten=$(median ${tput[10]})
report "cached county tiles, $CONNS connections, median of $ROUNDS: no feed $none/s; 1 event/s $one/s ($(awk -v a="$one" -v b="$none" 'BEGIN {printf "%.2f", a / b}')x); 10 events/s $ten/s ($(awk -v a="$ten" -v b="$none" 'BEGIN {printf "%.2f", a / b}')x)"
report "feed posts (sent p50 p99 errors per run): 1/s: $(tr '\n' ';' <"$WORK/feed-1.log") 10/s: $(tr '\n' ';' <"$WORK/feed-10.log")"
rm -f "$WORK"/feed-*.log

# 4. Threshold alerts: counties with events, each with its count of today (its own zone's date).
COUNTIES="$WORK/counties.txt"
psql_q "$LIVE_DB" -tA -F ' ' -c "
  SELECT c.geoid, ST_X(p), ST_Y(p),
         (SELECT count(*) FROM overdose_events e WHERE e.county_fips = c.geoid AND e.local_day = (now() AT TIME ZONE coalesce(c.time_zone, 'UTC'))::date)
  FROM counties c CROSS JOIN LATERAL (SELECT ST_PointOnSurface(c.geom) AS p) s
  WHERE NOT EXISTS (SELECT 1 FROM alert_thresholds t WHERE t.area_kind = 'county' AND t.area_id = c.geoid)
  ORDER BY md5(c.geoid) LIMIT 50" >"$COUNTIES"
read -r a50 amax < <(python3 "$CLIENT" alert "$URL" "$KEY" "$ADMIN_KEY" "$COUNTIES" "$ALERTS")
report "threshold alert on SSE after the crossing POST's answer ($ALERTS trials): p50 $a50 ms, max $amax ms"

stop_server
say "results in $RESULTS"
