import { beforeAll, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { join } from "node:path";
import { createDomainKeysSigner, type DomainKeysSignerOptions } from "../../src/domainkeys/index.js";
import type { DkMethod } from "../../src/domainkeys/index.js";
import { peerAvailable } from "../helpers/peers.js";
import { REPO_ROOT } from "../helpers/shared.js";
import { FIXTURE_KEY_PATH, fixtureKey, mapResolver, splitMessage, verifyAllDk } from "./support.js";

const PERL = "/usr/bin/perl";
const DRIVER = join(REPO_ROOT, "test/domainkeys/mail-dkim.pl");
const have = peerAvailable(
  "Mail::DKIM",
  [PERL, "-MMail::DKIM::Verifier", "-MNet::DNS", "-e", "1"],
  "apt-get install libmail-dkim-perl",
);
const d = have ? describe : describe.skip;

const DOMAIN = "example.org";
const SELECTOR = "dk2026";
const KEY_NAME = `${SELECTOR}._domainkey.${DOMAIN}`;

/** A message that exercises both methods: folding, tabs, runs of spaces, trailing WSP, empty lines. */
const MESSAGE = Buffer.from(
  [
    "Received: from mx.example.net (mx.example.net [192.0.2.1])",
    "\tby mail.example.org with ESMTP; Wed, 25 Nov 2026 19:00:00 +0000",
    "From: Alice Example <alice@example.org>",
    "To: Bob <bob@example.net>,",
    "   Carol <carol@example.net>",
    "Subject:   DomainKeys   interop\t test",
    "Date: Wed, 25 Nov 2026 19:00:00 +0000",
    "Message-ID: <dk-interop-1@example.org>",
    "",
    "Hello Bob,  ",
    "",
    "\tthis line starts with a tab and has  two spaces.",
    "",
    "",
    "-- ",
    "Alice",
    "",
    "",
    "",
  ].join("\r\n"),
  "latin1",
);

function mailDkim(
  mode: "verify" | "sign" | "verify-batch" | "sign-batch",
  input: Buffer,
  env: Record<string, string>,
): string {
  const r = spawnSync(PERL, [DRIVER, mode], {
    input,
    env: { PATH: "/usr/bin:/bin", ...env },
    timeout: 30000,
  });
  if (r.status !== 0) throw new Error(`mail-dkim.pl ${mode} failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** Mail::DKIM's result words for the DomainKey signatures of `msg`. */
function mailDkimVerify(msg: Buffer, p: string): string[] {
  const out = mailDkim("verify", msg, { DK_NAME: KEY_NAME, DK_TXT: `k=rsa; p=${p}` });
  return out
    .split("\n")
    .filter((l) => l.startsWith("Mail::DKIM::DkSignature "))
    .map((l) => l.split(" ")[1]!);
}

/** `msg` with the first occurrence of `from` replaced by `to` (same length), after `offset`. */
function tamper(msg: Buffer, from: string, to: string, offset = 0): Buffer {
  const i = msg.indexOf(from, offset, "latin1");
  if (i < 0) throw new Error(`"${from}" not found`);
  const copy = Buffer.from(msg);
  copy.write(to, i, "latin1");
  return copy;
}

const bodyOffset = (msg: Buffer) => msg.indexOf("\r\n\r\n") + 4;

const cases: [DkMethod, string[] | undefined][] = [
  ["nofws", undefined],
  ["simple", undefined],
  ["nofws", ["from", "to", "subject", "date", "message-id"]],
  ["simple", ["from", "to", "subject", "date", "message-id"]],
];

d("interop with Mail::DKIM", () => {
  const { privateKey, p } = fixtureKey();
  const resolver = mapResolver({ [KEY_NAME]: `k=rsa; p=${p}` });

  describe.each(cases)("spfdk signs c=%s h=%j, Mail::DKIM verifies", (method, headers) => {
    let signed = Buffer.alloc(0);
    beforeAll(() => {
      const { fields, body } = splitMessage(MESSAGE);
      const signer = createDomainKeysSigner(
        { domain: DOMAIN, selector: SELECTOR, privateKey, method, ...(headers ? { headers } : {}) },
        fields,
      );
      for (let i = 0; i < body.length; i += 7) signer.update(body.subarray(i, i + 7));
      signed = Buffer.concat([Buffer.from(`${signer.finish()}\r\n`), MESSAGE]);
    });

    it("passes", () => {
      expect(mailDkimVerify(signed, p)).toEqual(["pass"]);
    });
    it("fails after a one-byte body change", () => {
      const changed = tamper(signed, "Alice", "Alica", bodyOffset(signed));
      expect(mailDkimVerify(changed, p)).toEqual(["fail"]);
    });
    it("fails after a one-byte change to a signed header", () => {
      expect(mailDkimVerify(tamper(signed, "interop", "interup"), p)).toEqual(["fail"]);
    });
  });

  describe.each(cases)("Mail::DKIM signs c=%s h=%j, spfdk verifies", (method, headers) => {
    // Made in beforeAll, not at collection time, so that a skipped suite never runs perl.
    let field = "";
    let signed = Buffer.alloc(0);
    beforeAll(() => {
      field = mailDkim("sign", MESSAGE, {
        DK_KEY: FIXTURE_KEY_PATH,
        DK_METHOD: method,
        DK_DOMAIN: DOMAIN,
        DK_SELECTOR: SELECTOR,
        ...(headers ? { DK_HEADERS: headers.join(":") } : {}),
      }).replace(/\r?\n$/, "");
      signed = Buffer.concat([Buffer.from(`${field}\r\n`), MESSAGE]);
    });
    const results = async (msg: Buffer) => (await verifyAllDk(msg, resolver, false, 5)).map((o) => o.result);

    it("Mail::DKIM wrote a DomainKey-Signature", () => {
      expect(field).toMatch(/^DomainKey-Signature: a=rsa-sha1; c=/);
    });
    it("passes (also in default mode: the key has 1024 bits)", async () => {
      expect(await results(signed)).toEqual(["pass"]);
    });
    it("fails after a one-byte body change", async () => {
      expect(await results(tamper(signed, "Alice", "Alica", bodyOffset(signed)))).toEqual(["fail"]);
    });
    it("fails after a one-byte change to a signed header", async () => {
      expect(await results(tamper(signed, "interop", "interup"))).toEqual(["fail"]);
    });
  });

  describe("random messages (fixed seed): both directions agree", () => {
    // CRLF-normalised input, as the contract says; a lone CR may remain. White space, empty lines
    // and folding vary, which is where simple and nofws differ.
    const unit = fc.constantFrom(" ", "\t", "\r\n", "\r\n", "a", "b", "\r", "  \r\n", "\r\n\r\n");
    const messageArb = fc
      .tuple(fc.string({ unit, maxLength: 30 }), fc.constantFrom("", " ", " \t "), fc.boolean())
      .map(([body, ws, fold]) =>
        Buffer.from(
          `From: Alice <alice@example.org>\r\nSubject: t${ws}x${fold ? "\r\n\tfolded  y" : ""}\r\n` +
            `To: bob@example.net\r\n\r\n${body}`,
          "latin1",
        ),
      );
    const messages = fc.sample(messageArb, { seed: 4870, numRuns: 40 });
    const mailDkimEnv = (method: DkMethod) => ({
      DK_NAME: KEY_NAME,
      DK_TXT: `k=rsa; p=${p}`,
      DK_KEY: FIXTURE_KEY_PATH,
      DK_METHOD: method,
      DK_DOMAIN: DOMAIN,
      DK_SELECTOR: SELECTOR,
    });
    const batch = (mode: "verify-batch" | "sign-batch", list: Buffer[], method: DkMethod) =>
      JSON.parse(
        mailDkim(
          mode,
          Buffer.from(JSON.stringify(list.map((m) => m.toString("base64")))),
          mailDkimEnv(method),
        ),
      ) as string[];

    it.each(["nofws", "simple"] as const)("%s: spfdk signs, Mail::DKIM verifies every one", (method) => {
      const opts: DomainKeysSignerOptions = { domain: DOMAIN, selector: SELECTOR, privateKey, method };
      const signed = messages.map((m) => {
        const { fields, body } = splitMessage(m);
        const s = createDomainKeysSigner(opts, fields);
        for (let i = 0; i < body.length; i += 3) s.update(body.subarray(i, i + 3));
        return Buffer.concat([Buffer.from(`${s.finish()}\r\n`), m]);
      });
      expect(batch("verify-batch", signed, method)).toEqual(messages.map(() => "pass"));
    });
    it.each(["nofws", "simple"] as const)(
      "%s: Mail::DKIM signs, spfdk verifies every one",
      async (method) => {
        const fieldsOut = batch("sign-batch", messages, method);
        const results: string[] = [];
        for (const [i, m] of messages.entries()) {
          const signed = Buffer.concat([Buffer.from(`${fieldsOut[i]!.replace(/\r?\n$/, "")}\r\n`), m]);
          for (const chunk of [1, 7])
            results.push((await verifyAllDk(signed, resolver, false, chunk))[0]!.result);
        }
        expect(results).toEqual(results.map(() => "pass"));
      },
    );
  });
});
