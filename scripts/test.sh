#!/usr/bin/env bash
# The whole test suite: installs what is missing, then runs vitest once. Renode tests skip with their
# reason when Renode is absent. TSBOOT_DIFF_RUNS=<batches> makes the differential run longer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc --noEmit -p tsconfig.json
npx vitest run
