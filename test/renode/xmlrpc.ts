/**
 * A minimal XML-RPC client for Renode's Robot Framework remote server (`renode --robot-server-port N`), the
 * interface `renode-test` itself drives: `run_keyword(name, args)` answers a struct { status: "PASS" | "FAIL",
 * return?, error?, traceback? } (Renode's src/Renode/RobotFrameworkEngine/XmlRpcServer.cs); an unknown
 * keyword or arguments that match no overload come back as an XML-RPC fault. Keyword names are the C#
 * method names ("ExecuteCommand", "WaitForLineOnUart"); named arguments are "name=value" strings, as Robot
 * sends them.
 */
import * as http from "node:http";

export type XmlRpcValue = string | number | boolean | null | XmlRpcValue[] | { [name: string]: XmlRpcValue };

export class XmlRpcFault extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "XmlRpcFault";
  }
}

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

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function encodeValue(v: XmlRpcValue): string {
  if (v === null) return "<value><nil/></value>";
  if (typeof v === "string") return `<value><string>${escapeXml(v)}</string></value>`;
  if (typeof v === "boolean") return `<value><boolean>${v ? 1 : 0}</boolean></value>`;
  if (typeof v === "number") return Number.isInteger(v) ? `<value><int>${v}</int></value>` : `<value><double>${v}</double></value>`;
  if (Array.isArray(v)) return `<value><array><data>${v.map(encodeValue).join("")}</data></array></value>`;
  const members = Object.entries(v).map(([k, m]) => `<member><name>${escapeXml(k)}</name>${encodeValue(m)}</member>`);
  return `<value><struct>${members.join("")}</struct></value>`;
}

export function encodeCall(method: string, params: XmlRpcValue[]): string {
  return `<?xml version="1.0"?><methodCall><methodName>${escapeXml(method)}</methodName><params>${params
    .map((p) => `<param>${encodeValue(p)}</param>`)
    .join("")}</params></methodCall>`;
}

const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (_, e: string) => {
    if (e === "lt") return "<";
    if (e === "gt") return ">";
    if (e === "amp") return "&";
    if (e === "quot") return '"';
    if (e === "apos") return "'";
    return String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });

/** Parses the XML of a methodResponse: its one value, or throws XmlRpcFault. */
export function decodeResponse(xml: string): XmlRpcValue {
  const p = new Parser(xml);
  p.skipProlog();
  p.open("methodResponse");
  if (p.peekOpen("fault")) {
    p.open("fault");
    const fault = p.value() as { faultCode?: number; faultString?: string };
    throw new XmlRpcFault(Number(fault.faultCode ?? -1), String(fault.faultString ?? "XML-RPC fault"));
  }
  p.open("params");
  p.open("param");
  return p.value();
}

class Parser {
  private at = 0;
  constructor(private readonly s: string) {}

  skipProlog(): void {
    this.ws();
    if (this.s.startsWith("<?xml", this.at)) this.at = this.s.indexOf("?>", this.at) + 2;
  }

  private ws(): void {
    while (this.at < this.s.length && /\s/.test(this.s[this.at])) this.at++;
  }

  peekOpen(tag: string): boolean {
    this.ws();
    return this.s.startsWith(`<${tag}>`, this.at);
  }

  /** `<tag>` (or `<tag/>`, returning false: empty). */
  open(tag: string): boolean {
    this.ws();
    if (this.s.startsWith(`<${tag}/>`, this.at)) {
      this.at += tag.length + 3;
      return false;
    }
    if (!this.s.startsWith(`<${tag}>`, this.at)) throw new Error(`XML-RPC: expected <${tag}> at ${this.at}: ${this.s.slice(this.at, this.at + 60)}`);
    this.at += tag.length + 2;
    return true;
  }

  close(tag: string): void {
    this.ws();
    if (!this.s.startsWith(`</${tag}>`, this.at)) throw new Error(`XML-RPC: expected </${tag}> at ${this.at}: ${this.s.slice(this.at, this.at + 60)}`);
    this.at += tag.length + 3;
  }

  private text(until: string): string {
    const end = this.s.indexOf(until, this.at);
    if (end < 0) throw new Error(`XML-RPC: unterminated element before ${until}`);
    const t = this.s.slice(this.at, end);
    this.at = end;
    return unescapeXml(t);
  }

  value(): XmlRpcValue {
    if (!this.open("value")) return "";
    // An untyped value is a string, whitespace included; before a type tag, whitespace is layout.
    const start = this.at;
    this.ws();
    if (this.s[this.at] !== "<" || this.s.startsWith("</value>", this.at)) {
      this.at = start;
      const t = this.text("</value>");
      this.close("value");
      return t;
    }
    const m = /^<([a-zA-Z0-9.]+)(\/?)>/.exec(this.s.slice(this.at));
    if (!m) throw new Error(`XML-RPC: bad value at ${this.at}`);
    const type = m[1];
    let result: XmlRpcValue;
    if (m[2] === "/") {
      this.at += m[0].length;
      result = type === "nil" ? null : type === "array" ? [] : type === "struct" ? {} : "";
    } else if (type === "array") {
      this.open("array");
      const items: XmlRpcValue[] = [];
      if (this.open("data")) {
        while (this.peekOpen("value") || this.s.startsWith("<value/>", this.at)) items.push(this.value());
        this.close("data");
      }
      this.close("array");
      result = items;
    } else if (type === "struct") {
      this.open("struct");
      const obj: { [k: string]: XmlRpcValue } = {};
      while (this.peekOpen("member")) {
        this.open("member");
        this.open("name");
        const name = this.text("</name>");
        this.close("name");
        obj[name] = this.value();
        this.close("member");
      }
      this.close("struct");
      result = obj;
    } else {
      this.at += m[0].length;
      const raw = this.text(`</${type}>`);
      this.close(type);
      if (type === "int" || type === "i4" || type === "i8") result = parseInt(raw.trim(), 10);
      else if (type === "double") result = Number(raw.trim());
      else if (type === "boolean") result = raw.trim() === "1" || raw.trim() === "true";
      else if (type === "base64") result = Buffer.from(raw.trim(), "base64").toString("latin1");
      else result = raw; // string, dateTime.iso8601
    }
    this.close("value");
    return result;
  }
}

export class XmlRpcClient {
  constructor(
    readonly host: string,
    readonly port: number,
  ) {}

  call(method: string, params: XmlRpcValue[], timeoutMs = 600_000): Promise<XmlRpcValue> {
    const body = encodeCall(method, params);
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: this.host, port: this.port, path: "/", method: "POST", headers: { "Content-Type": "text/xml", "Content-Length": Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            if ((res.statusCode ?? 500) >= 400) return reject(new Error(`XML-RPC ${method}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
            try {
              resolve(decodeResponse(text));
            } catch (e) {
              reject(e);
            }
          });
          res.on("error", reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`XML-RPC ${method}: no answer within ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end(body);
    });
  }

  /** Runs one Renode keyword; returns its return value, throws RenodeKeywordError on FAIL. */
  async runKeyword(name: string, args: XmlRpcValue[] = [], timeoutMs?: number): Promise<XmlRpcValue> {
    const result = (await this.call("run_keyword", [name, args], timeoutMs)) as { status?: string; return?: XmlRpcValue; error?: string };
    if (result.status !== "PASS") throw new RenodeKeywordError(name, args, String(result.error ?? `status ${result.status}`));
    return result.return ?? null;
  }
}
