#!/usr/bin/env bash
# Ingest benchmark: a canonical overdose CSV of N rows (default 1,000,000) ingested end to end by
# GeoOrs over HTTP (parse, validate, county and HIDTA assignment, staging, merge into the indexed
# table, batch bookkeeping), side by side with psql's raw \copy of the same rows into the same
# indexed table. Each is run R times (default 3), alternating, into an emptied table; the report
# gives medians, the ratio GeoOrs/psql in rows per second, and the server's peak resident memory.
#
#   bench/ingest/run.sh [ROWS] [RUNS]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ROWS=${1:-1000000}
RUNS=${2:-3}
WORK="$ROOT/bench/results/ingest"
mkdir -p "$WORK"
cd "$ROOT"

./geoors db start >/dev/null
DB_URL=$(./geoors db url geoors_bench)
export PGPASSWORD
PGPASSWORD=$(cat "${GEOORS_STATE:-$ROOT/.geoors}/db.password")
PGPORT=$(echo "$DB_URL" | sed -E 's/.*Port=([0-9]+).*/\1/')
psql_bench() { psql -h 127.0.0.1 -p "$PGPORT" -U geoors -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_bench -d postgres -c "DROP DATABASE IF EXISTS geoors_bench WITH (FORCE)" -c "CREATE DATABASE geoors_bench"

# SERVER_DLL: a server built elsewhere (another commit, for a before/after run); else this checkout's.
if [ -n "${SERVER_DLL:-}" ]; then
  DLL=$SERVER_DLL
else
  dotnet build src/GeoOrs.Server/GeoOrs.Server.csproj -c Release -nologo -v quiet >/dev/null
  DLL="$ROOT/src/GeoOrs.Server/bin/Release/net10.0/GeoOrs.Server.dll"
fi

# The data: synthetic, canonical CSV; and the same rows shaped as the table's columns for psql. The
# table keeps a second point per event (masked_geom, GiST-indexed) and its local day (local_day,
# indexed): psql copies the point into the one and the UTC date into the other, so both sides fill
# the same columns and indexes (computing the mask and the county's day is GeoOrs's own work).
if [ ! -f "$WORK/$ROWS/overdoses.csv" ]; then
  (cd src/GeoOrs.Server && dotnet "$DLL" generate --overdoses "$ROWS" --seizures 0 --seed 7 --end 2025-12-31 --out "$WORK/$ROWS" \
    --shapefiles "$ROOT/shapefiles" >/dev/null)
fi
CSV="$WORK/$ROWS/overdoses.csv"
RAW="$WORK/$ROWS/overdoses_table_masked_day.csv"
if [ ! -f "$RAW" ]; then
  python3 - "$CSV" "$RAW" <<'PY'
import csv, sys
from datetime import datetime, timezone
src, dst = sys.argv[1], sys.argv[2]
with open(src, newline='') as f, open(dst, 'w', newline='') as o:
    r = csv.DictReader(f)
    w = csv.writer(o)
    for row in r:
        drugs = '{' + ','.join(d for d in row['suspected_drugs'].split(';') if d) + '}'
        w.writerow([row['source_agency'], row['external_id'], row['occurred_at'],
                    f"SRID=4326;POINT({row['lon']} {row['lat']})", f"SRID=4326;POINT({row['lon']} {row['lat']})",
                    row['location_precision'] or 'exact',
                    row['fatal'], row['naloxone_administered'], row['naloxone_doses'], drugs,
                    row['age_band'], row['sex'],
                    datetime.fromisoformat(row['occurred_at'].replace('Z', '+00:00')).astimezone(timezone.utc).date().isoformat()])
PY
fi
ROWS_IN_FILE=$(($(wc -l < "$CSV") - 1))
BYTES=$(stat -c %s "$CSV")

PORT=18199
start_server() { # start_server [DLL]
  (cd src/GeoOrs.Server && GEOORS_DB="$DB_URL" Scheduling__Enabled=false Logging__LogLevel__Default=Warning \
     exec dotnet "${1:-$DLL}" serve --urls "http://127.0.0.1:$PORT") >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "server did not start" >&2; cat "$WORK/server.log" >&2; exit 1
}
stop_server() { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
# Emptied: the events and the aggregates ingest keeps beside them, so every run starts alike.
empty_table() {
  psql_bench -d geoors_bench -c "TRUNCATE overdose_events, ingest_batches, overdose_daily, overdose_monthly, overdose_cells CASCADE" \
    -c "VACUUM ANALYZE overdose_events, overdose_daily, overdose_monthly, overdose_cells"
}

# Prepare the schema and boundaries once, and an admin key to send the batch with.
start_server; stop_server
KEY=$( (cd src/GeoOrs.Server && GEOORS_DB="$DB_URL" dotnet "$DLL" keys create --role admin --agency bench --note benchmark) | grep -o 'gok_[A-Za-z0-9_-]*' | head -1)
[ -n "$KEY" ] || { echo "could not make an API key" >&2; exit 1; }

# One GeoOrs ingest into the emptied table: ingest_geoors DLL → "seconds peak-kB".
ingest_geoors() {
  empty_table
  start_server "$1"
  local start answer seconds peak accepted
  start=$(date +%s.%N)
  answer=$(curl -fsS -X POST -H "X-Api-Key: $KEY" -H 'Content-Type: text/csv' -T "$CSV" "http://127.0.0.1:$PORT/api/ingest/overdoses?agency=bench")
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  peak=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
  stop_server
  accepted=$(echo "$answer" | sed -E 's/.*"accepted":([0-9]+).*/\1/')
  [ "$accepted" = "$ROWS_IN_FILE" ] || { echo "GeoOrs accepted $accepted of $ROWS_IN_FILE rows: $answer" >&2; exit 1; }
  echo "$seconds $peak"
}

# COMPARE_DLL: a second server build (e.g. the commit before a change), ingested in every run too,
# in alternating order with this one, for a before/after figure from the same run.
geoors_times=(); psql_times=(); peaks=(); compare_times=(); compare_peaks=()
for run in $(seq 1 "$RUNS"); do
  empty_table
  start=$(date +%s.%N)
  psql_bench -d geoors_bench -c "\copy overdose_events (source_agency, external_id, occurred_at, geom, masked_geom, location_precision, fatal, naloxone_administered, naloxone_doses, suspected_drugs, age_band, sex, local_day) FROM '$RAW' WITH (FORMAT csv, NULL '')"
  psql_times+=("$(echo "$(date +%s.%N) - $start" | bc)")

  if [ -n "${COMPARE_DLL:-}" ] && [ $((run % 2)) -eq 0 ]; then
    read -r t pk < <(ingest_geoors "$COMPARE_DLL"); [ -n "$t" ] || exit 1; compare_times+=("$t"); compare_peaks+=("$pk")
  fi
  read -r t pk < <(ingest_geoors "$DLL"); [ -n "$t" ] || exit 1; geoors_times+=("$t"); peaks+=("$pk")
  if [ -n "${COMPARE_DLL:-}" ] && [ $((run % 2)) -eq 1 ]; then
    read -r t pk < <(ingest_geoors "$COMPARE_DLL"); [ -n "$t" ] || exit 1; compare_times+=("$t"); compare_peaks+=("$pk")
  fi
  echo "run $run: psql ${psql_times[-1]} s, GeoOrs ${geoors_times[-1]} s, peak RSS ${peaks[-1]} kB${COMPARE_DLL:+, compared build ${compare_times[-1]} s, peak RSS ${compare_peaks[-1]} kB}" >&2
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
g=$(median "${geoors_times[@]}"); p=$(median "${psql_times[@]}"); m=$(median "${peaks[@]}")
awk -v rows="$ROWS_IN_FILE" -v g="$g" -v p="$p" -v m="$m" -v bytes="$BYTES" -v runs="$RUNS" -v cores="$(nproc)" -v date="$(date -u +%Y-%m-%d)" 'BEGIN {
  printf "| %s | %d cores | %d rows (%.0f MB CSV) | %d runs | psql \\copy %.1f s (%.0f rows/s) | GeoOrs %.1f s (%.0f rows/s) | **ratio %.2f** | peak server RSS %.0f MB |\n",
    date, cores, rows, bytes/1e6, runs, p, rows/p, g, rows/g, (rows/g)/(rows/p), m/1024 }'
if [ -n "${COMPARE_DLL:-}" ]; then
  c=$(median "${compare_times[@]}"); cm=$(median "${compare_peaks[@]}")
  awk -v c="$c" -v g="$g" -v p="$p" -v cm="$cm" 'BEGIN {
    printf "compared build (%s): %.1f s, ratio to psql %.2f, peak RSS %.0f MB; this build / compared build time %.2f\n", ENVIRON["COMPARE_DLL"], c, p/c, cm/1024, g/c }'
fi
