#!/usr/bin/env bash
# bench/analysis/run.sh [RUNS]: the hot spot and spike statistics against their limits (see Program.cs),
# then R spdep's localG on the same 100,000 hexagons and distance band, when R and spdep are installed
# (Debian: r-cran-spdep), for the ratio of the two.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK="$ROOT/bench/results/analysis"; mkdir -p "$WORK"
RUNS=${1:-5}
cd "$ROOT"
echo "bench/analysis: $(nproc) cores, $(date -u +%Y-%m-%d), $RUNS timed runs after a warm-up"
echo "| measurement | limit | GeoOrs median | limit / median | runs | result |"
echo "|---|---|---|---|---|---|"
dotnet run -c Release --project bench/analysis -- "$RUNS" "$WORK/hexagons.csv" 2>"$WORK/dotnet.err"
if command -v Rscript >/dev/null && Rscript -e 'library(spdep)' >/dev/null 2>&1; then
  Rscript - "$WORK/hexagons.csv" "$RUNS" <<'R'
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(spdep))
d <- read.csv(args[1]); runs <- as.integer(args[2])
xy <- cbind(d$x, d$y)
# Each step timed apart: spdep's dnearneigh (no k-d tree package installed) dominates, localG
# itself is what compares with GeoOrs's "Gi* alone".
t_nb <- system.time(nb <- dnearneigh(xy, 0, 1010))[["elapsed"]]
t_lw <- system.time(lw <- nb2listw(include.self(nb), style = "B", zero.policy = TRUE))[["elapsed"]]
invisible(localG(d$value, lw, zero.policy = TRUE))
t <- sapply(seq_len(runs), function(i) system.time(localG(d$value, lw, zero.policy = TRUE))[["elapsed"]])
cat(sprintf("| R spdep %s localG (style B, self included), same 100,000 hexagons and band, weights given | | %.1f ms | | %s ms | dnearneigh %.1f s, nb2listw %.1f s |\n",
            as.character(packageVersion("spdep")), median(t) * 1000, paste(round(t * 1000), collapse = " / "), t_nb, t_lw))
R
else
  echo "R with spdep is not installed (apt-get install r-cran-spdep): no R timing"
fi
