/**
 * The designated output functions: the only place a string may appear in a program is as the literal
 * argument of print(). In C they call the platform's tsb_print / tsb_print_int (a UART on a board,
 * stdout on the host); in Node they write to the sink that tests can replace.
 */

type Sink = (text: string) => void;
// Reached through globalThis so the runtime type-checks without Node's types (the compiler checks with ES2022 only).
const nodeStdout = (globalThis as unknown as { process: { stdout: { write(text: string): unknown } } }).process.stdout;
let sink: Sink = (text) => {
  nodeStdout.write(text);
};

/** Redirects print output in Node (tests capture it). Not callable from compiled code. */
export function setOutputSink(next: Sink): Sink {
  const previous = sink;
  sink = next;
  return previous;
}

/** Writes a string literal. @intrinsic */
export function print(text: string): void {
  sink(text);
}

/** Writes an integer in decimal. @intrinsic */
export function printInt(value: number): void {
  sink(String(value));
}

/** Stops the program: in C the platform's tsb_panic() (it never returns); in Node an exception. @intrinsic */
export function panic(reason: string): never {
  throw new PanicError(reason);
}

/** What panic() throws in Node. */
export class PanicError extends Error {
  constructor(reason: string) {
    super(`panic: ${reason}`);
    this.name = "PanicError";
  }
}
