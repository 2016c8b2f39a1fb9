/**
 * Several signing domains (`spfdk filter --sign --key-table`): the table's syntax and its errors,
 * the choice of the most specific domain for a From: address, and the filter command signing each
 * domain's mail with that domain's keys.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { verifyMessage } from "../../src/dkim/verify-message.js";
import { staticResolver } from "../../src/dns/static-resolver.js";
import { parseKeyTable } from "../../src/filter/key-table.js";
import { signingDomainFor, type SigningDomain } from "../../src/filter/sign-handler.js";
import { dotUnstuff } from "../../src/filter/smtp-io.js";
import { fixturePath, pOf } from "../dkim/fixtures.js";
import { runCli } from "../helpers/cli.js";
import { startDaemon } from "../helpers/daemon.js";
import { sendSmtp, startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";

describe("parseKeyTable", () => {
  it("reads domain, selector and key file per line, with comments and blank lines", () => {
    const t = parseKeyTable(
      "# keys\nexample.com rsa keys/rsa.pem\n\nexample.com ed /k/ed.pem # dual\nexample.org. s1 o.pem\n",
    );
    expect(t).toEqual({
      entries: [
        { domain: "example.com", selector: "rsa", keyFile: "keys/rsa.pem", line: 2 },
        { domain: "example.com", selector: "ed", keyFile: "/k/ed.pem", line: 4 },
        { domain: "example.org", selector: "s1", keyFile: "o.pem", line: 5 },
      ],
    });
  });
  it.each([
    ["example.com rsa", 1, /want "domain selector key-file", got 2 fields/],
    ["example.com rsa a.pem extra", 1, /got 4 fields/],
    ["\nbad_domain rsa a.pem", 2, /domain "bad_domain"/],
    ["example.com s@l a.pem", 1, /selector "s@l"/],
    ["example.com a x.pem\nEXAMPLE.com A y.pem", 2, /listed twice/],
    ["# nothing\n", 2, /no keys/],
  ])("%j is refused at line %i", (text, line, why) => {
    const t = parseKeyTable(text);
    expect(t).toMatchObject({ line });
    expect("problem" in t && t.problem).toMatch(why);
  });
});

describe("signingDomainFor", () => {
  const d = (domain: string): SigningDomain => ({ domain, requests: [] });
  const domains = [d("example.com"), d("mail.example.com"), d("example.org.")];
  it.each([
    ["example.com", "example.com"],
    ["a.example.com", "example.com"],
    ["mail.example.com", "mail.example.com"],
    ["x.mail.example.com", "mail.example.com"],
    ["example.org", "example.org."],
    ["badexample.com", null],
    ["example.net", null],
  ])("From: ...@%s signs as %s", (author, want) => {
    expect(signingDomainFor(author, domains)?.domain ?? null).toBe(want);
  });
});

describe("spfdk filter --sign --key-table", () => {
  let sink: SmtpSink;
  let dir: string;
  beforeAll(async () => {
    sink = await startSmtpSink(0, null);
    dir = mkdtempSync(join(tmpdir(), "spfdk-keytable-"));
    writeFileSync(
      join(dir, "table"),
      `example.com rsa ${fixturePath("rsa2048.pem")}\nexample.com ed ${fixturePath("ed25519.pem")}\n` +
        `example.org r1024 ${fixturePath("rsa1024.pem")}\n`,
    );
  });
  afterAll(async () => {
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("signs each domain's mail with its own keys, and other mail not at all", async () => {
    const d = await startDaemon([
      ...["filter", "--sign", "--key-table", join(dir, "table")],
      ...["--listen", "127.0.0.1:0", "--next", `127.0.0.1:${sink.port}`],
    ]);
    const port = d.port;
    const kept: Buffer[] = [];
    for (const from of ["a@example.com", "b@sub.example.org", "c@example.net"]) {
      expect(
        await sendSmtp(port, from, ["x@example.net"], `From: ${from}\r\nSubject: t\r\n\r\nhi\r\n`),
      ).toMatch(/^250/);
      kept.push(
        dotUnstuff(
          Buffer.from(sink.messages.at(-1)!.data.replace(/^X-Spfdk-Sink: passed\r\n/, ""), "latin1"),
        ),
      );
    }
    const { code, log } = await d.stop();
    expect(code).toBe(0);
    const resolver = staticResolver({
      "rsa._domainkey.example.com": { TXT: [`v=DKIM1; k=rsa; p=${pOf("rsa2048.pem")}`] },
      "ed._domainkey.example.com": { TXT: [`v=DKIM1; k=ed25519; p=${pOf("ed25519.pem")}`] },
      "r1024._domainkey.example.org": { TXT: [`v=DKIM1; k=rsa; p=${pOf("rsa1024.pem")}`] },
    });
    const results = [];
    for (const m of kept) {
      const v = await verifyMessage([m], { resolver, legacy: false, now: new Date("2026-11-25T12:00:00Z") });
      results.push(v.kind === "ok" ? v.dkim.map((o) => `${o.result} ${o.domain} ${o.selector}`) : []);
    }
    expect(results).toEqual([
      ["pass example.com rsa", "pass example.com ed"],
      ["pass example.org r1024"],
      [],
    ]);
    expect(log).toMatch(/not signed: From: domain example\.net is not one of example\.com, example\.org/);
  });

  it.each([
    [["--domain", "example.com"], /--domain and --key-table exclude each other/],
    [["--selector", "x"], /--selector and --key-table exclude each other/],
  ])("refuses %j with --key-table", async (extra, why) => {
    const r = await runCli(["filter", "--sign", "--key-table", join(dir, "table"), ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(why);
  });

  it("names the table line of a problem, and a missing table", async () => {
    writeFileSync(join(dir, "bad"), "example.com rsa\n");
    const r = await runCli(["filter", "--sign", "--key-table", join(dir, "bad")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad:1: want "domain selector key-file"/);
    const m = await runCli(["filter", "--sign", "--key-table", join(dir, "missing")]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/cannot read key table .*missing/);
  });
});
