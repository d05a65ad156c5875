#!/usr/bin/env bash
# The whole Renode set (docs/renode.md, "Running"): the artifacts, every robot suite of renode/suites/ (two
# at a time), then the vitest Renode scenarios (two files at a time), with the wall time of each part.
# Needs RENODE_PATH (the `renode` launcher, or the folder holding it) with Renode's `renode-test` beside it,
# and Robot Framework for the python3 first on PATH. Renode is not installed by this project (docs/renode.md).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${RENODE_PATH:-}" ]; then
  echo "renode-set: set RENODE_PATH to the renode launcher or its folder (docs/renode.md)" >&2
  exit 2
fi
if [ -d "$RENODE_PATH" ]; then dir=$RENODE_PATH; else dir=$(dirname "$(readlink -f "$RENODE_PATH")"); fi
if [ ! -x "$dir/renode" ] || [ ! -x "$dir/renode-test" ]; then
  echo "renode-set: no renode and renode-test in $dir" >&2
  exit 2
fi

start=$SECONDS
node bin/run-ts.mjs renode/build-artifacts.ts
node bin/run-ts.mjs renode/family-artifacts.ts
built=$SECONDS
# renode-test chooses its own ports with -j (it refuses -j with a fixed -P); TERM=dumb keeps its output plain.
TERM=dumb "$dir/renode-test" -j 2 renode/suites/*.robot
robot=$SECONDS
RENODE_PATH="$dir/renode" npx vitest run test/renode --maxWorkers=2
done_at=$SECONDS
echo "renode-set: artifacts $((built - start)) s, robot suites $((robot - built)) s, vitest $((done_at - robot)) s; the set $((done_at - built)) s"
