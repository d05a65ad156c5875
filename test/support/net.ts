/** A free TCP port on 127.0.0.1 (the OS picks it; it is free again when this resolves). */
import * as net from "node:net";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
    server.on("error", reject);
  });
}
