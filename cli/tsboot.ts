/**
 * The `tsboot` command: one entry point, one module per command family.
 *   compile  TypeScript subset → C                  (compiler/cli.ts)
 *   check    the subset's diagnostics, --watch for editors (compiler/cli.ts)
 *   build    the bootloader for a board → .elf/.bin  (host/build/)
 *   sim      the bootloader as a host program on a TCP port (host/sim/)
 *   image, flash, info, boot, read                   (host tools: host/cli-tools.ts)
 */
import { checkCommand, compileCommand } from "../compiler/cli";
import { buildCommand } from "../host/build/cli";

const USAGE = `usage: tsboot <command> [options]

  compile <entry.ts> -o <dir>          translate a subset program into C (docs/subset.md)
  check <entry.ts>... [--watch]        report the subset's diagnostics (--watch: on every change)
  build [--board <board|file.json>] [--entry <main.ts>] [--c <file.c>]... [--pubkey <key.pub>] [--debug] [-o <dir>]
                                       build the bootloader for a board (default nucleo-f411re); with
                                       --pubkey it accepts only images signed with that key's private half
  sim --board <board> --port <port>    run the bootloader as a host program serving its UART on TCP
      [--entry <main.ts>] [--c <file.c>]... [--pin PB5=0]...
  app-kit --board <board> -o <dir>     what an application links with: linker script, startup, tsboot_app.h
  keygen -o <key.pem>                  an Ed25519 key pair for signed images (key.pem and key.pub)
  image <app.bin|.hex|.elf> --board <board> --version <x.y.z> -o <app.tsb> [--key <key.pem>] [--security-counter N]
  flash <app.tsb> --port <device|tcp://host:port> [--wait <s>] [--reset <dtr/rts sequence>]
  verify <app.tsb> | erase | info | boot | read --port <device|tcp://host:port>
  protect | unprotect | install | confirm | revert --port <device|tcp://host:port>

Run a command with --help for its options.`;

type Command = (args: string[]) => number | Promise<number>;

type HostToolName =
  | "imageCommand" | "flashCommand" | "infoCommand" | "bootCommand" | "readCommand" | "verifyCommand" | "eraseCommand"
  | "protectCommand" | "unprotectCommand" | "installCommand" | "confirmCommand" | "revertCommand" | "keygenCommand";

async function hostTool(name: HostToolName): Promise<Command> {
  const tools = (await import("../host/cli-tools")) as Record<string, Command>;
  return tools[name];
}

const commands: Record<string, () => Promise<Command>> = {
  compile: async () => compileCommand,
  // The subset's diagnostics, and for a bootloader entry the build's product-hook checks (docs/extending.md).
  check: async () => {
    const { productHookDiagnostics } = await import("../host/build/product-hooks");
    return (args) => checkCommand(args, { moreDiagnostics: (entry) => productHookDiagnostics(entry)?.diagnostics ?? [] });
  },
  build: async () => buildCommand,
  sim: async () => ((await import("../host/sim/cli")) as { simCommand: Command }).simCommand,
  "app-kit": async () => ((await import("../host/build/app-kit-cli")) as { appKitCommand: Command }).appKitCommand,
  image: () => hostTool("imageCommand"),
  keygen: () => hostTool("keygenCommand"),
  flash: () => hostTool("flashCommand"),
  info: () => hostTool("infoCommand"),
  boot: () => hostTool("bootCommand"),
  read: () => hostTool("readCommand"),
  verify: () => hostTool("verifyCommand"),
  erase: () => hostTool("eraseCommand"),
  protect: () => hostTool("protectCommand"),
  unprotect: () => hostTool("unprotectCommand"),
  install: () => hostTool("installCommand"),
  confirm: () => hostTool("confirmCommand"),
  revert: () => hostTool("revertCommand"),
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") {
    process.stdout.write(USAGE + "\n");
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`tsboot: unknown command '${name}'\n\n${USAGE}\n`);
    return 2;
  }
  return (await load())(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tsboot: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
