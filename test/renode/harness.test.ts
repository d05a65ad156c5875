/**
 * The parts of the Renode harness that run without Renode: the XML-RPC client against a stand-in for
 * Renode's keyword server (replies shaped like XML-RPC.NET's, indented, with Renode's `<string />` for an
 * empty value), the choice of free ports, and how Renode is found.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Deserializer } from "@foxglove/xmlrpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRenode } from "./harness";
import { freeRenodePort, isAddressInUse, PORT_RANGE, releaseRenodePort } from "./ports";
import { RenodeKeywordError, XmlRpcClient, XmlRpcFault } from "./xmlrpc";

const pretty = (inner: string) => `<?xml version="1.0"?>\n<methodResponse>\n  <params>\n    <param>\n      ${inner}\n    </param>\n  </params>\n</methodResponse>\n`;
const result = (members: string) => pretty(`<value>\n        <struct>\n${members}\n        </struct>\n      </value>`);
const member = (name: string, value: string) => `          <member>\n            <name>${name}</name>\n            <value>${value}</value>\n          </member>`;

describe("XML-RPC for Renode's keyword server", () => {
  let server: http.Server;
  let client: XmlRpcClient;
  const calls: { method: string; params: unknown[] }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", async () => {
        const [method, params] = await new Deserializer().deserializeMethodCall(body);
        calls.push({ method, params });
        const [keyword, args] = params as [string, unknown[]];
        res.setHeader("Content-Type", "text/xml");
        if (keyword === "Hang") return; // never answers
        if (keyword === "ExecuteCommand" && args[0] === "bad command") {
          res.end(result([member("status", "<string>FAIL</string>"), member("error", "<string>KeywordException: Could not execute command 'bad command': No such command or device: bad\n</string>")].join("\n")));
        } else if (keyword === "ExecuteCommand" && args[0] === "pause") {
          // What Renode 1.16.1 answers for a command that prints nothing: an empty string written `<string />`.
          res.end(result([member("return", "<string />"), member("status", "<string>PASS</string>")].join("\n")));
        } else if (keyword === "ExecuteCommand") {
          res.end(result([member("return", "<string>0x20020000\n</string>"), member("status", "<string>PASS</string>")].join("\n")));
        } else {
          res.end(`<?xml version="1.0"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member><member><name>faultString</name><value><string>Keyword "${keyword}" not found</string></value></member></struct></value></fault></methodResponse>`);
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    client = new XmlRpcClient("127.0.0.1", (server.address() as net.AddressInfo).port);
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  it("sends run_keyword with the keyword's name and its arguments, and returns a passing keyword's value", async () => {
    expect(await client.runKeyword("ExecuteCommand", ["sysbus LoadBinary @/tmp/a&b.bin 0x08008000", 165, true])).toBe("0x20020000\n");
    expect(calls.at(-1)).toEqual({ method: "run_keyword", params: ["ExecuteCommand", ["sysbus LoadBinary @/tmp/a&b.bin 0x08008000", 165, true]] });
  });

  it("reads Renode's empty return value `<string />` as an empty string", async () => {
    expect(await client.runKeyword("ExecuteCommand", ["pause"])).toBe("");
  });

  it("throws RenodeKeywordError with Renode's message for a failing keyword", async () => {
    const e = await client.runKeyword("ExecuteCommand", ["bad command"]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RenodeKeywordError);
    expect((e as Error).message).toMatch(/ExecuteCommand\("bad command"\) failed: KeywordException: Could not execute command/);
  });

  it("throws XmlRpcFault for an unknown keyword", async () => {
    const e = await client.runKeyword("NoSuchKeyword").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(XmlRpcFault);
    expect((e as Error).message).toMatch(/NoSuchKeyword/);
  });

  it("gives up on a call that gets no answer, saying which and how long", async () => {
    await expect(client.call("run_keyword", ["Hang", []], 300)).rejects.toThrow("XML-RPC run_keyword: no answer within 300 ms");
  });
});

describe("ports for Renode", () => {
  it("draws ports below Linux's ephemeral range, probed free, never the same twice", async () => {
    const a = await freeRenodePort();
    const b = await freeRenodePort();
    for (const p of [a, b]) {
      expect(p).toBeGreaterThanOrEqual(PORT_RANGE.low);
      expect(p).toBeLessThanOrEqual(PORT_RANGE.high);
    }
    expect(a).not.toBe(b);
    releaseRenodePort(a);
    releaseRenodePort(b);
  });

  it("skips a port something already listens on (0.0.0.0, as Renode binds)", async () => {
    const target = await freeRenodePort();
    releaseRenodePort(target);
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen({ port: target, host: "0.0.0.0" }, () => r()));
    const span = PORT_RANGE.high - PORT_RANGE.low + 1;
    const draws = [(target - PORT_RANGE.low + 0.5) / span, (target - PORT_RANGE.low + 0.5) / span];
    let drawn = 0;
    const port = await freeRenodePort(() => (drawn++, draws.shift() ?? Math.random()));
    expect(drawn).toBeGreaterThanOrEqual(3); // the busy port twice, then another
    expect(port).not.toBe(target);
    releaseRenodePort(port);
    await new Promise<void>((r) => busy.close(() => r()));
  });

  it("recognises Renode's address-in-use failure", () => {
    expect(isAddressInUse("Unable to create '0.0.0.0:34564' socket:[AddressAlreadyInUse]")).toBe(true);
    expect(isAddressInUse("No such command or device")).toBe(false);
  });
});

describe("finding Renode", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-find-renode-"));
  const fake = path.join(dir, "renode");
  fs.writeFileSync(fake, "#!/bin/sh\nexit 0\n", { mode: 0o755 });

  it("takes RENODE_PATH as the launcher or the folder holding it", async () => {
    expect(await findRenode({ RENODE_PATH: fake, PATH: "/nonexistent" })).toEqual({ path: fake, reason: null });
    expect(await findRenode({ RENODE_PATH: dir, PATH: "/nonexistent" })).toEqual({ path: fake, reason: null });
  });

  it("says why when RENODE_PATH points at nothing usable", async () => {
    const r = await findRenode({ RENODE_PATH: path.join(dir, "missing"), PATH: "/nonexistent" });
    expect(r.path).toBeNull();
    expect(r.reason).toMatch(/^Renode not found: RENODE_PATH=.*missing/);
  });

  it("falls back to renode on PATH, and otherwise asks for RENODE_PATH", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-no-renode-"));
    expect(await findRenode({ PATH: `${empty}:${dir}` })).toEqual({ path: fake, reason: null });
    expect(await findRenode({ PATH: empty })).toEqual({ path: null, reason: "Renode not found: set RENODE_PATH" });
  });
});
