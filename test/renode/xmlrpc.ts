/**
 * Renode's Robot Framework remote server (`renode --robot-server-port N`), the interface `renode-test`
 * itself drives, through the @foxglove/xmlrpc client: this file only adds what is Renode's.
 *
 * `run_keyword(name, args)` answers a struct { status: "PASS" | "FAIL", return?, error?, traceback? }
 * (Renode's src/Renode/RobotFrameworkEngine/XmlRpcServer.cs); an unknown keyword or arguments that match no
 * overload come back as an XML-RPC fault. Keyword names are the C# method names ("ExecuteCommand",
 * "WaitForLineOnUart"); named arguments are "name=value" strings, as Robot sends them. Renode writes an
 * empty return value as `<string />`, which the library reads as "".
 */
import { XmlRpcClient as LibraryClient, XmlRpcFault, type XmlRpcValue } from "@foxglove/xmlrpc";

export { XmlRpcFault, type XmlRpcValue };

/** A keyword that ran and failed (status FAIL): Renode's exception messages, innermost last. */
export class RenodeKeywordError extends Error {
  constructor(
    readonly keyword: string,
    readonly args: XmlRpcValue[],
    readonly error: string,
  ) {
    super(`Renode keyword ${keyword}(${args.map((a) => JSON.stringify(a)).join(", ")}) failed: ${error.trim()}`);
    this.name = "RenodeKeywordError";
  }
}

export class XmlRpcClient {
  private readonly client: LibraryClient;

  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    this.client = new LibraryClient(`http://${host}:${port}/`);
  }

  /**
   * One call, failing after `timeoutMs`. The library has no timeout of its own; a call still pending then is
   * abandoned (its answer, if one comes, is dropped).
   */
  async call(method: string, params: XmlRpcValue[], timeoutMs = 600_000): Promise<XmlRpcValue> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`XML-RPC ${method}: no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.client.methodCall(method, params), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs one Renode keyword; returns its return value, throws RenodeKeywordError on FAIL. */
  async runKeyword(name: string, args: XmlRpcValue[] = [], timeoutMs?: number): Promise<XmlRpcValue> {
    const result = (await this.call("run_keyword", [name, args], timeoutMs)) as { status?: string; return?: XmlRpcValue; error?: string };
    if (result.status !== "PASS") throw new RenodeKeywordError(name, args, String(result.error ?? `status ${result.status}`));
    return result.return;
  }
}
