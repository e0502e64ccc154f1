#!/usr/bin/env bash
# Emerging-drug signals and the seizure-overdose link (docs/adr/0029-emerging-drug-signals.md), on
# the load benchmark's cluster and data (bench/results/load/state; ROWS generated overdoses, seed 7,
# ending 2025-12-31) plus SEIZURES generated seizures added once:
#   1. the spike job as of 2025-12-31, with the drug signals and without (Analysis:DrugSignals),
#      RUNS runs of each, alternating; each run's duration_ms from analysis_runs; the ratio of medians;
#   2. GET /api/areas/county/{id}/drug-links?drug=fentanyl (104 weeks) beside the area panel
#      GET /api/areas/county/{id} over the same 104 weeks (a keyed caller's: its weekly series too),
#      each asked once, for the COUNTIES counties with the most overdoses: median of each and the ratio.
# Results: bench/results/signals/results.txt.
#
# Environment: ROWS (1000000), SEIZURES (100000), RUNS (5), COUNTIES (30), PORT (18400).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export GEOORS_STATE=${GEOORS_STATE:-$(cd "$HERE/../.." && pwd)/bench/results/load/state}
source "$HERE/../tiles/lib.sh"
ROWS=${ROWS:-1000000}
SEIZURES=${SEIZURES:-100000}
RUNS=${RUNS:-5}
COUNTIES=${COUNTIES:-30}
PORT=${PORT:-18400}
need_tools; start_cluster; build
WORK="$ROOT/bench/results/signals"
mkdir -p "$WORK"
data_db "$ROWS"
RESULTS="$WORK/results.txt"
: >"$RESULTS"
report() { printf '%s\n' "$*" | tee -a "$RESULTS"; }
trap stop_server EXIT

# Seizures, once: the generator's seizures for the same counties and years, ingested into the same database.
if [ "$(psql_q "$DB" -tAc "SELECT count(*) FROM seizure_events")" = 0 ]; then
  dir="$WORK/data-seizures-$SEIZURES"
  if [ ! -f "$dir/seizures.csv" ]; then
    say "generating $SEIZURES seizures"
    (cd src/GeoOrs.Server && dotnet "$DLL" generate --overdoses 0 --seizures "$SEIZURES" --seed "$SEED" --end "$END_DAY" \
       --out "$dir" --shapefiles "$ROOT/shapefiles" >/dev/null)
  fi
  say "ingesting $SEIZURES seizures into $DB"
  (cd src/GeoOrs.Server && GEOORS_DB="$(db_url "$DB");Command Timeout=0" dotnet "$DLL" ingest seizures "$dir/seizures.csv" --agency bench >"$WORK/ingest-seizures.log" 2>&1) \
    || { cat "$WORK/ingest-seizures.log" >&2; die "seizure ingest failed"; }
  psql_q "$DB" -c "VACUUM ANALYZE"
fi
overdoses=$(psql_q "$DB" -tAc "SELECT count(*) FROM overdose_events")
seizures=$(psql_q "$DB" -tAc "SELECT count(*) FROM seizure_events")
report "bench/signals: $(nproc) cores, $(date -u +%Y-%m-%d), $overdoses overdoses and $seizures seizures (generated, seed $SEED, to $END_DAY)"

# 1. The spike job with and without the drug signals: one server per setting, the job enqueued over the API.
spike_run() { # spike_run true|false -> duration_ms of one succeeded run
  local signals=$1 since id ms
  start_server "$PORT" "$DB" Scheduling__Enabled=true Scheduling__Workers=1 Scheduling__PollInterval=00:00:01 \
    Scheduling__HotspotsCron="0 0 31 2 *" Scheduling__EmergingCron="0 0 31 2 *" Scheduling__SpikesCron="0 0 31 2 *" \
    Analysis__AsOf="$END_DAY" Analysis__LargeIngestEvents=0 Analysis__DrugSignals="$signals"
  bench_key "$DB" admin
  since=$(psql_q "$DB" -tAc "SELECT coalesce(max(id), 0) FROM analysis_runs")
  curl -fs -o /dev/null -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' -d '{"kind":"spikes"}' "http://127.0.0.1:$PORT/api/hotspots/runs"
  for _ in $(seq 1 1200); do
    id=$(psql_q "$DB" -tAc "SELECT id FROM analysis_runs WHERE id > $since AND kind = 'spikes' AND status <> 'running' ORDER BY id LIMIT 1")
    [ -n "$id" ] && break
    sleep 0.5
  done
  [ -n "$id" ] || die "no spike run finished"
  [ "$(psql_q "$DB" -tAc "SELECT status FROM analysis_runs WHERE id = $id")" = succeeded ] || die "spike run $id failed"
  ms=$(psql_q "$DB" -tAc "SELECT duration_ms FROM analysis_runs WHERE id = $id")
  stop_server
  echo "$ms"
}
with=(); without=()
spike_run true >/dev/null # warm-up: the first start applies any migration and fills the caches of the database
for i in $(seq 1 "$RUNS"); do
  with+=("$(spike_run true)")
  without+=("$(spike_run false)")
done
alerts=$(psql_q "$DB" -tAc "SELECT method || ' ' || count(*) FROM alerts WHERE method IN ('novel_substance', 'drug_share_rise') GROUP BY method ORDER BY method" | paste -sd, -)
mw=$(median "${with[@]}"); mo=$(median "${without[@]}")
report "| measurement | without | with | with / without | runs (ms) |"
report "|---|---|---|---|---|"
report "| spike run as of $END_DAY (3 days, every county, HIDTA and county with neighbours) | $mo ms | $mw ms | $(awk -v a="$mw" -v b="$mo" 'BEGIN { printf "%.2f", a / b }') | without ${without[*]}; with ${with[*]} |"
report "signal alerts stored: ${alerts:-none}"

# 2. drug-links beside the area panel, uncached, for the counties with the most overdoses.
start_server "$PORT" "$DB"
bench_key "$DB" analyst
from=$(date -u -d "$END_DAY - 727 days" +%Y-%m-%d)
mapfile -t ids < <(psql_q "$DB" -tAc "SELECT county_fips FROM overdose_events WHERE county_fips IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT $COUNTIES")
time_of() { curl -fs -o /dev/null -w '%{time_total}\n' -H "X-Api-Key: $KEY" "http://127.0.0.1:$PORT$1"; }
links=(); panels=()
# The warm-up asks each county over a window one day longer than the timed requests: the panels the
# server keeps (its derived store is not the tile cache) are never the ones timed.
for id in "${ids[@]}"; do
  time_of "/api/areas/county/$id?from=$(date -u -d "$from - 1 day" +%Y-%m-%d)&to=$END_DAY" >/dev/null
  time_of "/api/areas/county/$id/drug-links?drug=heroin&from=$from&to=$END_DAY" >/dev/null
done
for id in "${ids[@]}"; do
  panels+=("$(time_of "/api/areas/county/$id?from=$from&to=$END_DAY")")
  links+=("$(time_of "/api/areas/county/$id/drug-links?drug=fentanyl&from=$from&to=$END_DAY")")
done
stop_server
ml=$(median "${links[@]}"); mp=$(median "${panels[@]}")
report ""
report "| measurement | area panel | drug-links | drug-links / panel | requests |"
report "|---|---|---|---|---|"
report "| GET one county, 104 weeks, uncached, the $COUNTIES busiest counties | $(awk -v a="$mp" 'BEGIN { printf "%.1f", a * 1000 }') ms | $(awk -v a="$ml" 'BEGIN { printf "%.1f", a * 1000 }') ms | $(awk -v a="$ml" -v b="$mp" 'BEGIN { printf "%.2f", a / b }') | ${#ids[@]} each |"
