#!/usr/bin/env bash
# bench/planning/run.sh [RUNS]: the naloxone planner's maximal covering solver against its 3 s limit
# (see Program.cs): 5,000 candidates × 50,000 clustered demand points, r = 1 km, k = 100 with the whole
# coverage curve; median of RUNS timed runs after a warm-up, limit / median, and the gap to the bound.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK="$ROOT/bench/results/planning"; mkdir -p "$WORK"
RUNS=${1:-5}
cd "$ROOT"
echo "bench/planning: $(nproc) cores, $(date -u +%Y-%m-%d), $RUNS timed runs after a warm-up"
echo "| measurement | limit | GeoOrs median | limit / median | runs | result |"
echo "|---|---|---|---|---|---|"
dotnet run -c Release --project bench/planning -- "$RUNS" "$WORK/curve.csv" 2>"$WORK/dotnet.err"
