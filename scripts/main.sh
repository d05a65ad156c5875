#!/usr/bin/env bash
# The main job: set up, compile the example subset programs to C, build them for Cortex-M4 with
# arm-none-eabi-gcc and show their sizes. (Later: build the bootloader and show an update end to end.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

OUT=build/examples
rm -rf "$OUT" && mkdir -p "$OUT"
EXAMPLES=(bootloader-ts/lib/crc32.ts bootloader-ts/lib/sha256.ts)
for entry in "${EXAMPLES[@]}"; do
  node bin/tsboot.mjs compile "$entry" -o "$OUT"
done
ARM_GCC="${ARM_GCC_PATH:-arm-none-eabi-gcc}"
for c in "$OUT"/*.c; do
  "$ARM_GCC" -std=c11 -Os -mcpu=cortex-m4 -mthumb -ffunction-sections -Wall -Wextra -Wconversion -Werror \
    -I "$OUT" -c "$c" -o "${c%.c}.o"
done
echo
echo "Cortex-M4 (-Os) sizes of the compiled examples:"
arm-none-eabi-size "$OUT"/*.o
