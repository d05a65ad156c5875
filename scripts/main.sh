#!/usr/bin/env bash
# The main job: set up, build the bootloader for the default board (nucleo-f411re) and show an update end
# to end — a demo application packaged as a .tsb and flashed over the native protocol into the bootloader
# running as a host simulation (the same TypeScript, compiled to C).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node bin/run-ts.mjs scripts/demo-update.ts "$@"
