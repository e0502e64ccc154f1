#!/usr/bin/env bash
# The full disclosure sweep: the attack of DisclosureAttackTests over every state (every county, every
# public window of 24 months, four measures) and the interval audit of every withheld small county
# figure, against demo-sized data. Prints the figures that docs/ACCESS.md quotes.
#
#   bench/disclosure/run.sh            (uses ./geoors test, so the embedded PostGIS starts itself)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
echo "# disclosure sweep, $(date -u +%F), $(nproc) cores"
GEOORS_ATTACK_SCOPE=all GEOORS_TEST_DB_NAME=${GEOORS_TEST_DB_NAME:-geoors_bench_disclosure} \
  ./geoors test \
  --filter "FullyQualifiedName~DisclosureAttackTests.Public_figures_survive" \
  --logger "console;verbosity=detailed" 2>&1 | grep -E "collected|small county|determined:|interval audit|cost over|Passed|Failed" || true
