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
once <- function() {
  nb <- dnearneigh(xy, 0, 1010)
  localG(d$value, nb2listw(include.self(nb), style = "B", zero.policy = TRUE), zero.policy = TRUE)
}
invisible(once())
t <- sapply(seq_len(runs), function(i) system.time(once())[["elapsed"]])
cat(sprintf("| R spdep %s localG (dnearneigh + include.self + nb2listw, style B), same 100,000 hexagons | | %.1f ms | | %s ms | |\n",
            as.character(packageVersion("spdep")), median(t) * 1000, paste(round(t * 1000), collapse = " / ")))
R
else
  echo "R with spdep is not installed (apt-get install r-cran-spdep): no R timing"
fi
