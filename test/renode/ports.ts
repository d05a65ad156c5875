/**
 * TCP ports for Renode's servers (the keyword server, the UART socket terminals), chosen at run time.
 *
 * Renode binds 0.0.0.0 without SO_REUSEADDR, so a port must be really free when it binds. Two things keep
 * the race short: the port is probed the way Renode binds it (0.0.0.0, exclusive), and it is drawn from
 * below Linux's ephemeral range (net.ipv4.ip_local_port_range, 32768-60999 by default), where the kernel
 * never hands out ports to other programs' outgoing connections, as it did with the fixed 34560-34587.
 * Callers that hand a port to Renode still retry on "address already in use" (another test may take the
 * same port between the probe and Renode's bind).
 */
import * as net from "node:net";

/** Ports handed out by this process and not yet released: two boards never get the same one. */
const handedOut = new Set<number>();

export const PORT_RANGE = { low: 20000, high: 32767 } as const;

function bindsHere(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "0.0.0.0", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port in PORT_RANGE that nothing listens on now; `random` is for tests. */
export async function freeRenodePort(random: () => number = Math.random): Promise<number> {
  const span = PORT_RANGE.high - PORT_RANGE.low + 1;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PORT_RANGE.low + Math.floor(random() * span);
    if (handedOut.has(port)) continue;
    if (await bindsHere(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free TCP port found in ${PORT_RANGE.low}-${PORT_RANGE.high} after 200 tries`);
}

/** The port is no longer in use by this process (its Renode exited). */
export function releaseRenodePort(port: number): void {
  handedOut.delete(port);
}

/** Renode's message when a socket terminal or the keyword server could not bind its port. */
export function isAddressInUse(message: string): boolean {
  return /AddressAlreadyInUse|address already in use|EADDRINUSE/i.test(message);
}
