# Shared by bench/tiles/run.sh: the embedded cluster, the server binary, data sets, tile lists.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK="$ROOT/bench/results/tiles"
DLL="$ROOT/src/GeoOrs.Server/bin/Release/net10.0/GeoOrs.Server.dll"
PGBENCH=/usr/lib/postgresql/15/bin/pgbench
SEED=7
END_DAY=2025-12-31   # the generated data's last day; windows are relative to it
CONNS=${CONNS:-4}    # concurrency of every throughput comparison
THREADS=${THREADS:-2}
mkdir -p "$WORK"
cd "$ROOT"

say() { printf 'bench/tiles: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

need_tools() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v nginx >/dev/null || missing+=(nginx)
  [ -x "$PGBENCH" ] || missing+=(postgresql-contrib-15)
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

start_cluster() {
  "$ROOT/geoors" db start >/dev/null 2>&1 || "$ROOT/geoors" db start
  PGPASSWORD=$(cat "${GEOORS_STATE:-$ROOT/.geoors}/db.password"); export PGPASSWORD
  PGPORT=$("$ROOT/geoors" db url postgres | sed -E 's/.*Port=([0-9]+).*/\1/'); export PGPORT
  export PGHOST=127.0.0.1 PGUSER=geoors
}
db_url() { "$ROOT/geoors" db url "$1"; }
psql_q() { local db=$1; shift; psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }

build() {
  dotnet build src/GeoOrs.Server/GeoOrs.Server.csproj -c Release -nologo -v quiet >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; die "build failed"; }
}

# data_db ROWS: generated data (seed 7, ending 2025-12-31) ingested into its own database
# geoors_bench_tiles_ROWS; reused when the database already holds every row of the file.
data_db() {
  local rows=$1 db="geoors_bench_tiles_$1" dir="$WORK/data-$1"
  DB=$db
  if [ ! -f "$dir/overdoses.csv" ]; then
    say "generating $rows overdoses"
    (cd src/GeoOrs.Server && dotnet "$DLL" generate --overdoses "$rows" --seizures 0 --seed "$SEED" --end "$END_DAY" \
       --out "$dir" --shapefiles "$ROOT/shapefiles" >/dev/null)
  fi
  local have
  have=$(psql_q postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")
  if [ -n "$have" ] && [ "$(psql_q "$db" -tAc "SELECT count(*) FROM overdose_events" 2>/dev/null || true)" = "$rows" ]; then
    return 0
  fi
  say "loading $rows overdoses into $db (boundaries, then ingest)"
  psql_q postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
  (cd src/GeoOrs.Server && GEOORS_DB=$(db_url "$db") dotnet "$DLL" boundaries load "$ROOT/shapefiles" >"$WORK/load-$rows.log" 2>&1) \
    || { cat "$WORK/load-$rows.log" >&2; die "boundary load failed"; }
  local start; start=$(date +%s)
  # Command Timeout=0: no statement of a long ingest should meet Npgsql's default 30 s limit on a
  # busy machine (the aggregate merges themselves run without one).
  (cd src/GeoOrs.Server && GEOORS_DB="$(db_url "$db");Command Timeout=0" dotnet "$DLL" ingest overdoses "$dir/overdoses.csv" --agency bench 2>"$WORK/ingest-$rows.err" | tee -a "$WORK/load-$rows.log") \
    || die "ingest failed (log: $WORK/load-$rows.log)"
  say "ingested in $(( $(date +%s) - start )) s"
  psql_q "$db" -c "VACUUM ANALYZE"
  [ "$(psql_q "$db" -tAc "SELECT count(*) FROM overdose_events")" = "$rows" ] || die "$db does not hold $rows events"
}

# bench_key DB [ROLE]: an API key of ROLE (analyst by default) in DB (made once per database and
# role, kept in $WORK), in $KEY. Every benchmark request carries it: the point layers are not served
# without one, and the per-request key lookup (and the audit row of each point tile) is part of what
# is measured.
bench_key() {
  local db=$1 role=${2:-analyst} file
  file="$WORK/key-$1.txt"
  [ "$role" = analyst ] || file="$WORK/key-$1-$role.txt"
  if [ ! -s "$file" ] || [ -z "$(psql_q "$db" -tAc "SELECT 1 FROM api_keys WHERE prefix = '$(cut -c5-12 "$file")' AND revoked_at IS NULL" 2>/dev/null || true)" ]; then
    (cd src/GeoOrs.Server && GEOORS_DB=$(db_url "$db") dotnet "$DLL" keys create --role "$role" --agency bench --note benchmark) \
      | grep -o 'gok_[A-Za-z0-9_-]*' | head -1 >"$file"
  fi
  KEY=$(cat "$file")
  [ -n "$KEY" ] || die "no API key for $db"
}

# The server on PORT over database DB; extra environment as arguments (e.g. Tiles__CacheMegabytes=0).
# Rate limits are lifted: the benchmark measures serving tiles, not the limiter's refusals.
# SERVER_DLL runs another build (default DLL); SERVER_LOGS is where its log goes (default WORK).
start_server() { # start_server PORT DB [VAR=VALUE ...]
  local port=$1 db=$2; shift 2
  (cd src/GeoOrs.Server && exec env GEOORS_DB="$(db_url "$db")" GEOORS_ROOT="$ROOT" ASPNETCORE_ENVIRONMENT=Production \
     Scheduling__Enabled=false Boundaries__LoadOnStart=false Logging__LogLevel__Default=Warning \
     Http__KeyPermitsPerMinute=1000000000 Http__PublicPermitsPerMinute=1000000000 "$@" \
     dotnet "${SERVER_DLL:-$DLL}" serve --urls "http://127.0.0.1:$port") >"${SERVER_LOGS:-$WORK}/server-$port.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && bench_key "$db" && return 0; sleep 0.2; done
  cat "${SERVER_LOGS:-$WORK}/server-$port.log" >&2; die "server did not start"
}
stop_server() {
  [ -n "${SERVER_PID:-}" ] || return 0
  kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
}

# tile_list DB FILE: >= 1,000 distinct z/x/y at z 3..12 holding sampled events (every 97th event by id),
# at most 150 per zoom, in a fixed shuffled order (so any prefix of the list has every zoom).
tile_list() {
  local db=$1 out=$2
  [ -s "$out" ] && return 0
  psql_q "$db" -tA -F ' ' >"$out" <<'SQL'
WITH pts AS (
  SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM overdose_events WHERE id % 97 = 0
), t AS (
  SELECT DISTINCT z,
         floor((lon + 180) / 360 * 2 ^ z)::int AS x,
         floor((1 - ln(tan(radians(lat)) + 1 / cos(radians(lat))) / pi()) / 2 * 2 ^ z)::int AS y
  FROM pts, generate_series(3, 12) z
  WHERE lat BETWEEN -85 AND 85
), ranked AS (
  SELECT z, x, y, row_number() OVER (PARTITION BY z ORDER BY md5(z || '/' || x || '/' || y)) AS r FROM t
)
SELECT z, x, y FROM ranked WHERE r <= 150 ORDER BY md5('order' || z || '/' || x || '/' || y);
SQL
  local n; n=$(wc -l <"$out")
  [ "$n" -ge 1000 ] || die "only $n tiles in $out"
}

# wrk's Lua: one connection per thread (-t = -c = CONNS), each cycling through the paths file from
# its own offset (thread t of CONNS starts at t * N / CONNS), as the pgbench clients do.
write_wrk_lua() {
  cat >"$WORK/paths.lua" <<'LUA'
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  nthreads = tonumber(args[2]) or 1
  idx = math.floor((tid or 0) * #paths / nthreads)
  headers = {}
  if args[3] then headers["X-Api-Key"] = args[3] end
end
function request()
  idx = idx % #paths + 1
  return wrk.format("GET", paths[idx], headers)
end
LUA
}

# run_wrk URL PATHS SECONDS: prints requests/s; fails when any response is not 2xx/3xx. With
# WRK_LATENCY=1 it prints "requests/s p50_ms p99_ms" from wrk's latency distribution instead.
run_wrk() {
  local url=$1 paths=$2 secs=$3 out
  out=$(wrk -t"$CONNS" -c"$CONNS" -d"${secs}s" --timeout 30s ${WRK_LATENCY:+--latency} -s "$WORK/paths.lua" "$url" -- "$paths" "$CONNS" "$KEY")
  echo "$out" >>"$WORK/wrk.log"
  if echo "$out" | grep -q 'Non-2xx'; then echo "$out" >&2; die "non-2xx responses from $url"; fi
  if echo "$out" | grep -q 'Socket errors'; then echo "$out" >&2; die "socket errors (timeouts) from $url"; fi
  if [ -n "${WRK_LATENCY:-}" ]; then
    echo "$out" | awk 'function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; return v * 1000 }
      /Requests\/sec/ {r = $2} $1 == "50%" {p50 = ms($2)} $1 == "99%" {p99 = ms($2)} END {printf "%s %.1f %.1f\n", r, p50, p99}'
  else
    echo "$out" | awk '/Requests\/sec/ {print $2}'
  fi
}

# tile_sql LAYER Z [query options]: the server's tile SQL for pgbench (./geoors tiles sql) as an
# analyst's key reads it (or TILE_ROLE, e.g. public for keyless requests), the query's values
# written in and z/x/y left as pgbench's :z :x :y.
tile_sql() {
  (cd src/GeoOrs.Server && dotnet "$DLL" tiles sql "$@" --role "${TILE_ROLE:-analyst}")
  echo ';'
}

# pgbench_script LAYER TILES FILE [query options]: one pgbench script over the tile list. Like wrk's
# Lua, each client cycles through the list from its own offset (client c of CONNS starts at
# c * N / CONNS; pgbench keeps variables across a client's transactions, k starts at 0 by -D), picks
# the tile's z/x/y on the client side (no extra query) and runs the tile SQL of its zoom.
# Prints the pgbench arguments.
pgbench_script() {
  local layer=$1 tiles=$2 file=$3; shift 3
  local n z first=1; n=$(wc -l <"$tiles")
  {
    echo "\\set k (:k + 1) % $n"
    echo "\\set i (:k + :client_id * $n / $CONNS) % $n"
    printf '\\set t CASE'
    awk '{printf " WHEN :i = %d THEN %.0f", NR - 1, $1 * 4294967296 + $2 * 65536 + $3}' "$tiles"
    echo ' END'
    echo '\set z :t / 4294967296'
    echo '\set x (:t / 65536) % 65536'
    echo '\set y :t % 65536'
    for z in $(cut -d' ' -f1 "$tiles" | sort -n | uniq); do
      if [ $first -eq 1 ]; then echo "\\if :z = $z"; first=0; else echo "\\elif :z = $z"; fi
      tile_sql "$layer" "$z" "$@"
    done
    echo '\endif'
  } >"$file"
  echo "-D k=-1 -f $file"
}

# run_pgbench DB SECS SCRIPT_ARGS...: prints transactions (tiles) per second; fails on any error.
# With PGBENCH_LATENCY=1 it prints "tiles/s p50_ms p99_ms" from a log of every transaction's latency.
run_pgbench() {
  local db=$1 secs=$2; shift 2
  local out logs=()
  [ -z "${PGBENCH_LATENCY:-}" ] || { rm -f "$WORK"/pgblat.*; logs=(-l --log-prefix="$WORK/pgblat"); }
  # Prepared and planned for each tile's values, as the server runs its statements (Npgsql
  # auto-prepare with plan_cache_mode=force_custom_plan): a generic plan is far slower for windows.
  out=$(PGOPTIONS="-c plan_cache_mode=force_custom_plan" "$PGBENCH" -n -M prepared -c "$CONNS" -j "$THREADS" -T "$secs" "${logs[@]}" "$@" "$db" 2>&1) \
    || { echo "$out" | tail -20 >&2; die "pgbench failed"; }
  echo "$out" >>"$WORK/pgbench.log"
  if echo "$out" | grep -Eq 'number of failed transactions: [1-9]|aborted'; then echo "$out" | tail -20 >&2; die "pgbench had failures"; fi
  local tps; tps=$(echo "$out" | awk '/^tps = / {print $3}')
  if [ -n "${PGBENCH_LATENCY:-}" ]; then
    # Each log line: client, transaction, latency in microseconds, ...
    cat "$WORK"/pgblat.* | awk '{print $3 / 1000}' | sort -g | awk -v tps="$tps" '{a[NR] = $1}
      END {i50 = int(NR * 0.5); i99 = int(NR * 0.99); if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1; printf "%s %.1f %.1f\n", tps, a[i50], a[i99]}'
  else
    echo "$tps"
  fi
}
