#!/usr/bin/env bash
# Tile benchmarks (see bench/README.md):
#
#   bench/tiles/run.sh prepare                 generate and ingest the data sets (reused when present)
#   bench/tiles/run.sh uncached [LAYER...]     GeoOrs, cache off, vs pgbench -M prepared on the same tile SQL, 1M events
#   bench/tiles/run.sh cached                  GeoOrs, cache on and warm, vs nginx serving the same bytes as files
#   bench/tiles/run.sh counties10m             uncached z5 county tiles over 10M events, per window, vs the 50 ms limit
#   bench/tiles/run.sh latency [LAYER...]      uncached tile latency (p50, p99) per role, GeoOrs vs pgbench on the same SQL
#   bench/tiles/run.sh all                     prepare, uncached, cached, counties10m, in that order
#
# Environment: ROUNDS (3), SECS (20, per measurement), CONNS (4), THREADS (2), ROWS (1000000), BIG_ROWS (10000000),
# ROLES (analyst partner, for latency), QUERY (a tile query string for latency, e.g. from=2025-01-01&to=2025-12-31).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROWS=${ROWS:-1000000}
BIG_ROWS=${BIG_ROWS:-10000000}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-20}
trap stop_server EXIT

cmd_prepare() {
  need_tools; start_cluster; build
  data_db "$ROWS"
  data_db "$BIG_ROWS"
}

PORT_UNCACHED=18211
PORT_CACHED=18212
PORT_NGINX=18213
PORT_BIG=18214
PORT_LATENCY=18215

# 1. Uncached tiles: GeoOrs (Tiles__CacheMegabytes=0) under wrk vs pgbench -M prepared running the
# same tile SQL, same tile list, same concurrency; ROUNDS rounds of SECS s each, order alternating.
cmd_uncached() {
  local layers=("$@"); [ ${#layers[@]} -gt 0 ] || layers=(overdoses counties)
  need_tools; start_cluster; build; data_db "$ROWS"
  local db=$DB tiles="$WORK/tiles-$ROWS.txt"
  tile_list "$db" "$tiles"; write_wrk_lua
  start_server "$PORT_UNCACHED" "$db" Tiles__CacheMegabytes=0
  local layer
  for layer in "${layers[@]}"; do
    local paths="$WORK/paths-$layer.txt"
    awk -v l="$layer" '{printf "/tiles/%s/%d/%d/%d.mvt\n", l, $1, $2, $3}' "$tiles" >"$paths"
    check_same_bytes "$db" "$layer" "$tiles" "$PORT_UNCACHED"
    local scripts; scripts=$(pgbench_script "$layer" "$tiles" "$WORK/pgbench-$layer.sql")
    say "$layer: warming up both ($((SECS / 2)) s each)"
    run_wrk "http://127.0.0.1:$PORT_UNCACHED" "$paths" $((SECS / 2)) >/dev/null
    # shellcheck disable=SC2086
    run_pgbench "$db" $((SECS / 2)) $scripts >/dev/null
    local g=() p=() r
    for r in $(seq 1 "$ROUNDS"); do
      if [ $((r % 2)) -eq 1 ]; then
        g+=("$(run_wrk "http://127.0.0.1:$PORT_UNCACHED" "$paths" "$SECS")")
        # shellcheck disable=SC2086
        p+=("$(run_pgbench "$db" "$SECS" $scripts)")
      else
        # shellcheck disable=SC2086
        p+=("$(run_pgbench "$db" "$SECS" $scripts)")
        g+=("$(run_wrk "http://127.0.0.1:$PORT_UNCACHED" "$paths" "$SECS")")
      fi
      say "$layer round $r: GeoOrs ${g[-1]} tiles/s, pgbench ${p[-1]} tiles/s, ratio $(awk -v a="${g[-1]}" -v b="${p[-1]}" 'BEGIN {printf "%.2f", a/b}')"
    done
    local gm pm; gm=$(median "${g[@]}"); pm=$(median "${p[@]}")
    awk -v date="$(date -u +%Y-%m-%d)" -v cores="$(nproc)" -v rows="$ROWS" -v tiles="$(wc -l <"$tiles")" -v layer="$layer" \
        -v conns="$CONNS" -v rounds="$ROUNDS" -v secs="$SECS" -v g="$gm" -v p="$pm" -v gs="${g[*]}" -v ps="${p[*]}" 'BEGIN {
      printf "| %s | %d | %s | %s | %d tiles z3-12 | %d | %d × %d s | %.1f tiles/s | %.1f tiles/s | **%.2f** | GeoOrs %s; pgbench %s |\n",
        date, cores, rows, layer, tiles, conns, rounds, secs, p, g, g / p, gs, ps }' | tee -a "$WORK/summary-uncached.md"
  done
  stop_server
}

# 4. Uncached tile latency by role: GeoOrs (cache off) under wrk --latency and pgbench -M prepared
# running the role's tile SQL (every tile's latency logged), same tile list, same 4 connections;
# ROUNDS rounds of SECS s each, order alternating. p50 and p99 per round, medians over the rounds.
cmd_latency() {
  local layers=("$@"); [ ${#layers[@]} -gt 0 ] || layers=(overdoses)
  local roles=(${ROLES:-analyst partner}) qs=${QUERY:-}
  need_tools; start_cluster; build; data_db "$ROWS"
  local db=$DB tiles="$WORK/tiles-$ROWS.txt"
  tile_list "$db" "$tiles"; write_wrk_lua
  start_server "$PORT_LATENCY" "$db" Tiles__CacheMegabytes=0
  local layer role opts=() kv
  for kv in ${qs//&/ }; do opts+=("--${kv%%=*}" "${kv#*=}"); done
  for layer in "${layers[@]}"; do
    local paths="$WORK/latency-paths-$layer.txt"
    awk -v l="$layer" -v q="$qs" '{printf "/tiles/%s/%d/%d/%d.mvt%s\n", l, $1, $2, $3, (q == "" ? "" : "?" q)}' "$tiles" >"$paths"
    for role in "${roles[@]}"; do
      bench_key "$db" "$role"
      TILE_ROLE=$role check_same_bytes "$db" "$layer" "$tiles" "$PORT_LATENCY" "$qs"
      local scripts; scripts=$(TILE_ROLE=$role pgbench_script "$layer" "$tiles" "$WORK/pgbench-latency-$layer-$role.sql" "${opts[@]}")
      say "$layer as $role: warming up both ($((SECS / 2)) s each)"
      WRK_LATENCY=1 run_wrk "http://127.0.0.1:$PORT_LATENCY" "$paths" $((SECS / 2)) >/dev/null
      # shellcheck disable=SC2086
      PGBENCH_LATENCY=1 run_pgbench "$db" $((SECS / 2)) $scripts >/dev/null
      local g=() p=() r
      for r in $(seq 1 "$ROUNDS"); do
        if [ $((r % 2)) -eq 1 ]; then
          g+=("$(WRK_LATENCY=1 run_wrk "http://127.0.0.1:$PORT_LATENCY" "$paths" "$SECS")")
          # shellcheck disable=SC2086
          p+=("$(PGBENCH_LATENCY=1 run_pgbench "$db" "$SECS" $scripts)")
        else
          # shellcheck disable=SC2086
          p+=("$(PGBENCH_LATENCY=1 run_pgbench "$db" "$SECS" $scripts)")
          g+=("$(WRK_LATENCY=1 run_wrk "http://127.0.0.1:$PORT_LATENCY" "$paths" "$SECS")")
        fi
        say "$layer as $role round $r: GeoOrs ${g[-1]}; pgbench ${p[-1]} (tiles/s p50_ms p99_ms)"
      done
      local col gm=() pm=()
      for col in 1 2 3; do
        gm+=("$(median $(printf '%s\n' "${g[@]}" | cut -d' ' -f"$col"))")
        pm+=("$(median $(printf '%s\n' "${p[@]}" | cut -d' ' -f"$col"))")
      done
      awk -v date="$(date -u +%Y-%m-%d)" -v cores="$(nproc)" -v rows="$ROWS" -v tiles="$(wc -l <"$tiles")" -v layer="$layer" -v role="$role" \
          -v q="${qs:-(none)}" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" -v rounds="$ROUNDS" -v secs="$SECS" \
          -v gt="${gm[0]}" -v g50="${gm[1]}" -v g99="${gm[2]}" -v pt="${pm[0]}" -v p50="${pm[1]}" -v p99="${pm[2]}" 'BEGIN {
        printf "| %s | %d | %s | %s | %s | `%s` | %d tiles z3-12 | %d × %d s | %.1f tiles/s, p50 %.0f ms, **p99 %.0f ms** | %.1f tiles/s, p50 %.0f ms, p99 %.0f ms | %s |\n",
          date, cores, rows, layer, role, q, tiles, rounds, secs, gt, g50, g99, pt, p50, p99, load }' | tee -a "$WORK/summary-latency.md"
    done
  done
  stop_server
}

# check_same_bytes DB LAYER TILES PORT [QUERY]: the first tile of each zoom of the list from GeoOrs
# (with $KEY) and from psql running the SQL printed for TILE_ROLE (analyst) are byte for byte the same.
check_same_bytes() {
  local db=$1 layer=$2 tiles=$3 port=$4 qs=${5:-} z x y a b opts=() kv
  for kv in ${qs//&/ }; do opts+=("--${kv%%=*}" "${kv#*=}"); done
  while read -r z x y; do
    a=$(curl -fsS -H "X-Api-Key: $KEY" "http://127.0.0.1:$port/tiles/$layer/$z/$x/$y.mvt${qs:+?$qs}" | md5sum | cut -c1-32)
    b=$( { echo 'SELECT md5(q.tile) FROM ('; (cd src/GeoOrs.Server && dotnet "$DLL" tiles sql "$layer" "$z" "${opts[@]}" --role "${TILE_ROLE:-analyst}"); echo ') AS q(tile, features);'; } \
      | psql_q "$db" -tA -v z="$z" -v x="$x" -v y="$y")
    [ "$a" = "$b" ] || say "warning: $layer $z/$x/$y differs between GeoOrs and psql ($a vs $b)"
  done < <(awk '!seen[$1]++' "$tiles")
}

# 2. Cached tiles: GeoOrs (cache on, every tile of the list fetched once) vs nginx serving the same
# bytes from files, both under the same wrk client and concurrency.
cmd_cached() {
  local layers=("$@"); [ ${#layers[@]} -gt 0 ] || layers=(overdoses counties)
  need_tools; start_cluster; build; data_db "$ROWS"
  local db=$DB tiles="$WORK/tiles-$ROWS.txt" static="$WORK/static"
  tile_list "$db" "$tiles"; write_wrk_lua
  start_server "$PORT_CACHED" "$db"
  local layer
  for layer in "${layers[@]}"; do
    local paths="$WORK/cached-paths-$layer.txt" p code
    : >"$paths"
    say "$layer: fetching $(wc -l <"$tiles") tiles from GeoOrs into $static (fills its cache)"
    while read -r z x y; do
      p="/tiles/$layer/$z/$x/$y.mvt"
      mkdir -p "$static$(dirname "$p")"
      code=$(curl -sS -H "X-Api-Key: $KEY" -o "$static$p" -w '%{http_code}' "http://127.0.0.1:$PORT_CACHED$p")
      if [ "$code" = 200 ]; then echo "$p" >>"$paths"; else rm -f "$static$p"; fi
    done <"$tiles"
    say "$layer: $(wc -l <"$paths") tiles with features, $(du -sh --apparent-size "$static/tiles/$layer" | cut -f1)"
    # Every tile must now come from the cache: a second pass is compared with the files.
    local mismatched=0
    while read -r p; do
      cmp -s <(curl -fsS -H "X-Api-Key: $KEY" "http://127.0.0.1:$PORT_CACHED$p") "$static$p" || mismatched=$((mismatched + 1))
    done < <(head -50 "$paths")
    [ "$mismatched" -eq 0 ] || die "$mismatched tiles differ between fetches"
  done
  start_nginx "$static"
  for layer in "${layers[@]}"; do
    local paths="$WORK/cached-paths-$layer.txt"
    run_wrk "http://127.0.0.1:$PORT_CACHED" "$paths" $((SECS / 2)) >/dev/null
    run_wrk "http://127.0.0.1:$PORT_NGINX" "$paths" $((SECS / 2)) >/dev/null
    local g=() n=() r
    for r in $(seq 1 "$ROUNDS"); do
      if [ $((r % 2)) -eq 1 ]; then
        g+=("$(run_wrk "http://127.0.0.1:$PORT_CACHED" "$paths" "$SECS")")
        n+=("$(run_wrk "http://127.0.0.1:$PORT_NGINX" "$paths" "$SECS")")
      else
        n+=("$(run_wrk "http://127.0.0.1:$PORT_NGINX" "$paths" "$SECS")")
        g+=("$(run_wrk "http://127.0.0.1:$PORT_CACHED" "$paths" "$SECS")")
      fi
      say "$layer round $r: GeoOrs ${g[-1]} req/s, nginx ${n[-1]} req/s, ratio $(awk -v a="${g[-1]}" -v b="${n[-1]}" 'BEGIN {printf "%.2f", a/b}')"
    done
    local gm nm; gm=$(median "${g[@]}"); nm=$(median "${n[@]}")
    awk -v date="$(date -u +%Y-%m-%d)" -v cores="$(nproc)" -v rows="$ROWS" -v tiles="$(wc -l <"$paths")" -v layer="$layer" \
        -v bytes="$(du -sb --apparent-size "$static/tiles/$layer" | cut -f1)" \
        -v conns="$CONNS" -v rounds="$ROUNDS" -v secs="$SECS" -v g="$gm" -v n="$nm" -v gs="${g[*]}" -v ns="${n[*]}" 'BEGIN {
      printf "| %s | %d | %s | %s | %d tiles (%.1f MB) | %d | %d × %d s | %.0f req/s | %.0f req/s | **%.2f** | GeoOrs %s; nginx %s |\n",
        date, cores, rows, layer, tiles, bytes / 1e6, conns, rounds, secs, n, g, g / n, gs, ns }' | tee -a "$WORK/summary-cached.md"
  done
  stop_nginx; stop_server
}

# nginx over DIR on PORT_NGINX, run by the unprivileged geoors user, access log off.
start_nginx() {
  local dir=$1 conf="$WORK/nginx"
  mkdir -p "$conf/tmp"
  cat >"$conf/nginx.conf" <<CONF
worker_processes auto;
pid $conf/nginx.pid;
error_log $conf/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    types { application/vnd.mapbox-vector-tile mvt; }
    default_type application/octet-stream;
    client_body_temp_path $conf/tmp/body;
    proxy_temp_path $conf/tmp/proxy;
    fastcgi_temp_path $conf/tmp/fastcgi;
    uwsgi_temp_path $conf/tmp/uwsgi;
    scgi_temp_path $conf/tmp/scgi;
    server {
        listen 127.0.0.1:$PORT_NGINX;
        root $dir;
    }
}
CONF
  local owner=()
  if [ "$(id -u)" -eq 0 ]; then chown -R geoors "$conf"; chmod -R o+rX "$dir"; owner=(runuser -u geoors --); fi
  "${owner[@]}" nginx -p "$conf" -e "$conf/error.log" -c "$conf/nginx.conf" -g 'daemon off;' &
  NGINX_PID=$!
  for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT_NGINX/" && return 0; sleep 0.1; done
  die "nginx did not start ($conf/error.log)"
}
stop_nginx() { [ -n "${NGINX_PID:-}" ] && { kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; NGINX_PID=; }; }

# 3. Uncached z5 county tiles over BIG_ROWS events: every z5 tile over the lower 48, for windows
# with and without drug= and fatal=, ROUNDS passes after a warm-up pass; median per window and
# overall against the 50 ms limit. Also the same SQL by pgbench on one connection, for the database's share.
WINDOWS=(
  "all time|"
  "last 30 days|from=2025-12-02&to=2025-12-31"
  "last 90 days|from=2025-10-03&to=2025-12-31"
  "calendar year 2025|from=2025-01-01&to=2025-12-31"
  "mid-month to mid-month|from=2024-03-15&to=2025-08-14"
  "all time, fatal|fatal=true"
  "last 90 days, fentanyl|from=2025-10-03&to=2025-12-31&drug=fentanyl"
  "calendar year 2025, heroin, non-fatal|from=2025-01-01&to=2025-12-31&drug=heroin&fatal=false"
  "mid-month to mid-month, fentanyl, fatal|from=2024-03-15&to=2025-08-14&drug=fentanyl&fatal=true"
)
cmd_counties10m() {
  need_tools; start_cluster; build; data_db "$BIG_ROWS"
  local db=$DB tiles="$WORK/tiles-z5-lower48.txt"
  psql_q "$db" -tA -F ' ' >"$tiles" <<'SQL'
SELECT DISTINCT 5, x, y FROM generate_series(0, 31) x, generate_series(0, 31) y
WHERE EXISTS (SELECT 1 FROM tile_shapes s WHERE s.layer = 'counties' AND s.band = 1
              AND left(s.id, 2) NOT IN ('02', '15', '60', '66', '69', '72', '78')
              AND ST_Intersects(s.geom, ST_TileEnvelope(5, x, y)))
ORDER BY 2, 3;
SQL
  say "$(wc -l <"$tiles") z5 tiles over the lower 48"
  start_server "$PORT_BIG" "$db" Tiles__CacheMegabytes=0
  local result="$WORK/counties10m-times.txt"; : >"$result"
  local pass w name qs args z x y
  for pass in 0 $(seq 1 "$ROUNDS"); do
    for w in "${WINDOWS[@]}"; do
      name=${w%%|*}; qs=${w#*|}
      args=()
      while read -r z x y; do args+=(-o /dev/null "http://127.0.0.1:$PORT_BIG/tiles/counties/$z/$x/$y.mvt${qs:+?$qs}"); done <"$tiles"
      # With an analyst's key: the public is refused windows that are not whole calendar months.
      curl -sS -H "X-Api-Key: $KEY" -w '%{http_code} %{time_total}\n' "${args[@]}" >"$WORK/curl.out"
      if grep -qv '^200 ' "$WORK/curl.out"; then die "$name: $(grep -v '^200 ' "$WORK/curl.out" | head -1)"; fi
      [ "$pass" -eq 0 ] || awk -v n="$name" '{print n "|" $2}' "$WORK/curl.out" >>"$result"
    done
  done
  stop_server
  local summary="$WORK/summary-counties-$BIG_ROWS.md"
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, $BIG_ROWS events, $(wc -l <"$tiles") z5 tiles, $ROUNDS passes after a warm-up pass" | tee "$summary"
  local all=() ms pg opts
  for w in "${WINDOWS[@]}"; do
    name=${w%%|*}; qs=${w#*|}
    mapfile -t ms < <(awk -F'|' -v n="$name" '$1 == n {print $2 * 1000}' "$result")
    all+=("${ms[@]}")
    opts=(); local kv
    for kv in ${qs//&/ }; do opts+=("--${kv%%=*}" "${kv#*=}"); done
    # The analyst's SQL, as the keyed curl requests above are served.
    local scripts; scripts=$(TILE_ROLE=analyst CONNS=1 pgbench_script counties "$tiles" "$WORK/pgbench-z5.sql" "${opts[@]}")
    # shellcheck disable=SC2086
    pg=$(CONNS=1 THREADS=1 run_pgbench "$db" 5 $scripts | awk '{printf "%.1f", 1000 / $1}')
    median "${ms[@]}" | awk -v n="$name" -v q="${qs:-(none)}" -v c="${#ms[@]}" -v pg="$pg" \
      '{printf "| %s | `%s` | %d | %.1f ms | %.1f ms | %.2f |\n", n, q, c, $1, pg, 50 / $1}' | tee -a "$summary"
  done
  median "${all[@]}" | awk -v c="${#all[@]}" '{printf "| **all windows** | | %d | **%.1f ms** | | **%.2f** |\n", c, $1, 50 / $1}' | tee -a "$summary"
  say "aggregate tables:"
  psql_q "$db" -c "SELECT relname AS table, n_live_tup AS rows, pg_size_pretty(pg_total_relation_size(relid)) AS size
                   FROM pg_stat_user_tables WHERE relname IN ('overdose_events', 'overdose_daily', 'overdose_monthly') ORDER BY relname" \
    | tee "$WORK/sizes-$BIG_ROWS.txt"
}

case "${1:-}" in
  prepare) cmd_prepare ;;
  uncached) shift; cmd_uncached "$@" ;;
  cached) shift; cmd_cached "$@" ;;
  counties10m) cmd_counties10m ;;
  latency) shift; cmd_latency "$@" ;;
  all) cmd_prepare; cmd_uncached; cmd_cached; cmd_counties10m ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
