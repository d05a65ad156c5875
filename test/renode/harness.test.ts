/**
 * The parts of the Renode harness that run without Renode: the XML-RPC client against a stand-in for
 * Renode's keyword server (the replies are shaped like XML-RPC.NET's, indented), and how Renode is found.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRenode } from "./harness";
import { decodeResponse, encodeCall, RenodeKeywordError, XmlRpcClient, XmlRpcFault } from "./xmlrpc";

const pretty = (inner: string) => `<?xml version="1.0"?>\n<methodResponse>\n  <params>\n    <param>\n      ${inner}\n    </param>\n  </params>\n</methodResponse>\n`;

describe("XML-RPC for Renode's keyword server", () => {
  it("encodes a run_keyword call with a keyword name and mixed arguments", () => {
    expect(encodeCall("run_keyword", ["ExecuteCommand", ["sysbus LoadBinary @/tmp/a&b.bin 0x08008000", 165, true]])).toBe(
      '<?xml version="1.0"?><methodCall><methodName>run_keyword</methodName><params>' +
        "<param><value><string>ExecuteCommand</string></value></param>" +
        "<param><value><array><data><value><string>sysbus LoadBinary @/tmp/a&amp;b.bin 0x08008000</string></value>" +
        "<value><int>165</int></value><value><boolean>1</boolean></value></data></array></value></param></params></methodCall>",
    );
  });

  it("decodes indented structs, typed and untyped strings, numbers, arrays and empty values", () => {
    const xml = pretty(`<value>
        <struct>
          <member>
            <name>status</name>
            <value>
              <string>PASS</string>
            </value>
          </member>
          <member><name>return</name><value>  untyped &lt;text&gt;  </value></member>
          <member><name>n</name><value><i4>-7</i4></value></member>
          <member><name>list</name><value><array><data>
            <value><int>1</int></value><value><boolean>0</boolean></value><value/>
          </data></array></value></member>
        </struct>
      </value>`);
    expect(decodeResponse(xml)).toEqual({ status: "PASS", return: "  untyped <text>  ", n: -7, list: [1, false, ""] });
  });

  it("turns a fault into XmlRpcFault", () => {
    const xml = `<?xml version="1.0"?><methodResponse><fault><value><struct>
      <member><name>faultCode</name><value><int>1</int></value></member>
      <member><name>faultString</name><value><string>Keyword "NoSuchKeyword" not found</string></value></member>
      </struct></value></fault></methodResponse>`;
    expect(() => decodeResponse(xml)).toThrow(XmlRpcFault);
    expect(() => decodeResponse(xml)).toThrow(/NoSuchKeyword/);
  });

  describe("against a stand-in server", () => {
    let server: http.Server;
    let client: XmlRpcClient;
    const seen: string[] = [];
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
          seen.push(body);
          res.setHeader("Content-Type", "text/xml");
          if (body.includes("<string>ExecuteCommand</string>") && body.includes("bad command")) {
            res.end(pretty(`<value><struct><member><name>status</name><value><string>FAIL</string></value></member>
              <member><name>error</name><value><string>KeywordException: Could not execute command 'bad command': No such command or device: bad
</string></value></member></struct></value>`));
          } else if (body.includes("<string>ExecuteCommand</string>")) {
            res.end(pretty(`<value><struct><member><name>return</name><value><string>0x20020000\n</string></value></member>
              <member><name>status</name><value><string>PASS</string></value></member></struct></value>`));
          } else {
            res.end(`<?xml version="1.0"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member><member><name>faultString</name><value><string>Keyword "X" not found</string></value></member></struct></value></fault></methodResponse>`);
          }
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      client = new XmlRpcClient("127.0.0.1", (server.address() as { port: number }).port);
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it("returns a passing keyword's value", async () => {
      expect(await client.runKeyword("ExecuteCommand", ["sysbus ReadDoubleWord 0x08000000"])).toBe("0x20020000\n");
      expect(seen.at(-1)).toContain("<methodName>run_keyword</methodName>");
    });

    it("throws RenodeKeywordError with Renode's message for a failing keyword", async () => {
      const e = await client.runKeyword("ExecuteCommand", ["bad command"]).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RenodeKeywordError);
      expect((e as Error).message).toMatch(/ExecuteCommand\("bad command"\) failed: KeywordException: Could not execute command/);
    });

    it("throws XmlRpcFault for an unknown keyword", async () => {
      await expect(client.runKeyword("X")).rejects.toBeInstanceOf(XmlRpcFault);
    });
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
