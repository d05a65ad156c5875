/** Finding arm-none-eabi-gcc and its companions: ARM_GCC_PATH (the gcc binary or its bin folder), then PATH. */
import * as fs from "node:fs";
import * as path from "node:path";
import { execaSync } from "execa";

export class ToolchainError extends Error {}

export interface Toolchain {
  gcc: string;
  objcopy: string;
  size: string;
  /** For the size-by-module report (host/build/size-report.ts). */
  objdump: string;
  nm: string;
  addr2line: string;
}

export function findToolchain(env: NodeJS.ProcessEnv = process.env): Toolchain {
  const configured = env.ARM_GCC_PATH;
  let gcc: string | undefined;
  if (configured) {
    const candidate = fs.existsSync(configured) && fs.statSync(configured).isDirectory() ? path.join(configured, "arm-none-eabi-gcc") : configured;
    if (!fs.existsSync(candidate)) throw new ToolchainError(`ARM_GCC_PATH is set to ${configured}, but ${candidate} does not exist`);
    gcc = candidate;
  } else {
    const which = execaSync("sh", ["-c", "command -v arm-none-eabi-gcc"], { reject: false });
    if (which.exitCode === 0) gcc = which.stdout.trim();
  }
  if (!gcc) {
    throw new ToolchainError(
      "arm-none-eabi-gcc not found: install it (Debian/Ubuntu: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi, or run bash scripts/setup.sh) or set ARM_GCC_PATH to the gcc binary or its bin folder",
    );
  }
  const sibling = (tool: string) => path.join(path.dirname(gcc!), path.basename(gcc!).replace(/gcc$/, tool));
  return { gcc, objcopy: sibling("objcopy"), size: sibling("size"), objdump: sibling("objdump"), nm: sibling("nm"), addr2line: sibling("addr2line") };
}
