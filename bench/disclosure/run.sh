#!/usr/bin/env bash
# The full disclosure sweep: the attack of DisclosureAttackTests over every state (every county, every
# public window of 18 months, four measures) and the interval audit of withheld small county figures,
# against demo-sized data; then the interval audit of the suite's states over many draws of record keys
# (IntervalAuditDrawsTests, GEOORS_AUDIT_DRAWS draws, 120 unless set). Prints the figures that
# docs/ACCESS.md quotes.
#
#   bench/disclosure/run.sh            (uses ./geoors test, so the embedded PostGIS starts itself)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
echo "# disclosure sweep, $(date -u +%F), $(nproc) cores"
export GEOORS_TEST_DB_NAME=${GEOORS_TEST_DB_NAME:-geoors_bench_disclosure}
GEOORS_ATTACK_SCOPE=all ./geoors test \
  --filter "FullyQualifiedName~DisclosureAttackTests.Public_figures_survive" \
  --logger "console;verbosity=detailed" 2>&1 | grep -E "collected|small county|determined:|interval audit|narrow:|cost over|Passed|Failed" || true
echo "# interval audit over draws of record keys"
GEOORS_AUDIT_DRAWS=${GEOORS_AUDIT_DRAWS:-120} ./geoors test \
  --filter "FullyQualifiedName~IntervalAuditDrawsTests" \
  --logger "console;verbosity=detailed" 2>&1 | grep -E "draws,|spans|narrow:|Passed|Failed" || true
