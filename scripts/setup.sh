#!/usr/bin/env bash
# Installs what tsboot needs on a Debian/Ubuntu machine, skipping whatever is already there:
# the ARM and host toolchains, gdb (gdb-multiarch for ARM), QEMU, stm32flash, socat and faketime (stm32flash at an emulator's pace) from apt, and the npm
# packages.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(gcc make gdb gcc-arm-none-eabi libnewlib-arm-none-eabi gdb-multiarch qemu-system-arm stm32flash socat faketime)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing apt packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null 2>&1; then
  echo "setup: Node.js 20 or newer is required (apt-get install nodejs npm, or your usual Node install)" >&2
  exit 1
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The example product repository depends on this clone through a file: link (examples/acme-sensor/package.json).
for example in examples/*/; do
  if [ -f "$example/package.json" ] && [ ! -e "$example/node_modules/tsboot" ]; then
    echo "setup: linking tsboot into $example"
    (cd "$example" && npm install --offline --no-audit --no-fund --loglevel=error)
  fi
done
