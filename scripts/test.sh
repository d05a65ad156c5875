#!/usr/bin/env bash
# The whole test suite: installs what is missing, type-checks, then runs vitest once and ends with one
# summary line ("N passed, N failed, N skipped"). Renode tests skip with their reason when Renode is absent.
# Longer runs: TSBOOT_DIFF_RUNS=<batches>, TSBOOT_FUZZ_RUNS=<n>, TSBOOT_POWERCUT_ALL=1 (README, "Tests").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc --noEmit -p tsconfig.json
report="$(mktemp -t tsboot-vitest-XXXXXX.json)"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report" || true
rm -f "$report"
exit "$status"
