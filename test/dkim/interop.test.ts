/**
 * Interop with the real peers Debian packages (installed by .ci/run): dkimpy (python3-dkim, for
 * /usr/bin/python3) and Mail::DKIM (libmail-dkim-perl). spfdk-signed messages verify with both
 * (Ed25519: dkimpy only, Mail::DKIM 1.20230212 lacks it); peer-signed messages verify with spfdk;
 * a one-byte change makes all of them fail. A missing peer skips loudly (fails under CI=true).
 */
import { createPrivateKey } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { verifyMessage } from "../../src/dkim/verify-message.js";
import { REPO_ROOT } from "../helpers/shared.js";
import { peerAvailable } from "../helpers/peers.js";
import { runCli } from "../helpers/cli.js";
import { fixture, fixturePath, fixtureResolver, pOf } from "./fixtures.js";

const PEERS = join(REPO_ROOT, "test", "dkim", "peers");
const PY = "/usr/bin/python3";
const HAVE_DKIMPY = peerAvailable(
  "dkimpy",
  [PY, "-c", "import dkim, nacl"],
  "apt-get install python3-dkim python3-nacl",
);
const HAVE_MAIL_DKIM = peerAvailable(
  "Mail::DKIM",
  ["perl", "-MMail::DKIM::Verifier", "-MNet::DNS", "-MJSON::PP", "-e", "1"],
  "apt-get install libmail-dkim-perl",
);

const DNS: Record<string, string> = {
  "rsa._domainkey.example.com": `v=DKIM1; k=rsa; p=${pOf("rsa2048.pem")}`,
  "ed._domainkey.example.com": `v=DKIM1; k=ed25519; p=${pOf("ed25519.pem")}`,
};
const resolver = fixtureResolver();
const dir = mkdtempSync(join(tmpdir(), "spfdk-interop-"));
let n = 0;
function tmpFile(data: Buffer | string): string {
  const p = join(dir, `f${n++}`);
  writeFileSync(p, data, { mode: 0o600 });
  return p;
}

function peer(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "latin1", timeout: 30000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
}
const dkimpyVerify = (msg: Buffer): string[] =>
  JSON.parse(peer(PY, [join(PEERS, "dkimpy-verify.py"), tmpFile(msg), JSON.stringify(DNS)]));
const mailDkimVerify = (msg: Buffer): { kind: string; result: string; detail: string }[] =>
  JSON.parse(peer("perl", [join(PEERS, "mail-dkim-verify.pl"), tmpFile(msg), JSON.stringify(DNS)]));

async function spfdkSign(args: string[]): Promise<Buffer> {
  const r = await runCli(["sign", "--domain", "example.com", ...args], { input: fixture("message.eml") });
  if (r.code !== 0) throw new Error(r.stderr);
  return r.out;
}
const RSA = ["--selector", "rsa", "--key", fixturePath("rsa2048.pem")];
const ED = ["--selector", "ed", "--key", fixturePath("ed25519.pem")];
/** One byte changed in the body ("noon" → "nooN") or in a signed header ("Lunch" → "Lunci"). */
const tamper = (m: Buffer, where: "body" | "header") =>
  Buffer.from(
    m.toString("latin1").replace(where === "body" ? "noon" : "Lunch", where === "body" ? "nooN" : "Lunci"),
    "latin1",
  );

async function spfdkResults(msg: Buffer) {
  const r = await verifyMessage([msg], { resolver, legacy: true, now: new Date() });
  if (r.kind !== "ok") throw new Error("not a message");
  return { dkim: r.dkim.map((o) => o.result), domainKeys: r.domainKeys.map((o) => o.result) };
}

const SPFDK_CASES: [string, string[]][] = [
  ["rsa-sha256 simple/simple", [...RSA, "--canon", "simple/simple"]],
  ["rsa-sha256 simple/relaxed", [...RSA, "--canon", "simple/relaxed"]],
  ["rsa-sha256 relaxed/simple", [...RSA, "--canon", "relaxed/simple"]],
  ["rsa-sha256 relaxed/relaxed", [...RSA, "--canon", "relaxed/relaxed"]],
  ["rsa-sha256 without over-signing", [...RSA, "--no-oversign"]],
  ["rsa-sha256 with l=", [...RSA, "--body-length"]],
];

(HAVE_DKIMPY ? describe : describe.skip)("dkimpy verifies spfdk signatures", () => {
  it.each([
    ...SPFDK_CASES,
    ["ed25519-sha256", ED] as [string, string[]],
    ["dual RSA + Ed25519", [...RSA, ...ED]] as [string, string[]],
  ])("%s", async (_name, args) => {
    const signed = await spfdkSign(args);
    const count = args.filter((a) => a === "--key").length;
    expect(dkimpyVerify(signed)).toEqual(Array(count).fill("pass"));
    expect(dkimpyVerify(tamper(signed, "body"))).toEqual(Array(count).fill("fail"));
    expect(dkimpyVerify(tamper(signed, "header"))).toEqual(Array(count).fill("fail"));
  });
});

(HAVE_MAIL_DKIM ? describe : describe.skip)("Mail::DKIM verifies spfdk signatures", () => {
  it.each(SPFDK_CASES)("%s", async (_name, args) => {
    const signed = await spfdkSign(args);
    expect(mailDkimVerify(signed).map((s) => s.result)).toEqual(["pass"]);
    expect(mailDkimVerify(tamper(signed, "body")).map((s) => s.result)).toEqual(["fail"]);
    expect(mailDkimVerify(tamper(signed, "header")).map((s) => s.result)).toEqual(["fail"]);
  });
  it.each(["nofws", "simple"])("DomainKeys --method %s", async (method) => {
    const signed = await spfdkSign([...RSA, "--domainkeys", "--method", method]);
    const results = (m: Buffer) => mailDkimVerify(m).map((s) => `${s.kind}:${s.result}`);
    expect(results(signed)).toEqual(["dkim:pass", "domainkeys:pass"]);
    expect(results(tamper(signed, "body"))).toEqual(["dkim:fail", "domainkeys:fail"]);
    expect(results(tamper(signed, "header"))).toEqual(["dkim:fail", "domainkeys:fail"]);
  });
});

const PKCS1 = () =>
  tmpFile(createPrivateKey(fixture("rsa2048.pem")).export({ type: "pkcs1", format: "pem" }));
const ED_RAW = () => {
  const jwk = createPrivateKey(fixture("ed25519.pem")).export({ format: "jwk" });
  return tmpFile(Buffer.from(jwk.d!, "base64url").toString("base64"));
};
const HEADERS = ["from", "to", "subject", "date", "message-id"];

(HAVE_DKIMPY ? describe : describe.skip)("spfdk verifies dkimpy signatures", () => {
  it.each([
    ["rsa-sha256", "relaxed/relaxed", "rsa", PKCS1],
    ["rsa-sha256", "simple/simple", "rsa", PKCS1],
    ["ed25519-sha256", "relaxed/simple", "ed", ED_RAW],
  ] as const)("%s %s", async (a, c, s, key) => {
    const params = { d: "example.com", s, key: key(), a, c, h: HEADERS };
    const signed = Buffer.from(
      peer(PY, [join(PEERS, "dkimpy-sign.py"), fixturePath("message.eml"), JSON.stringify(params)]),
      "latin1",
    );
    expect((await spfdkResults(signed)).dkim).toEqual(["pass"]);
    expect((await spfdkResults(tamper(signed, "body"))).dkim).toEqual(["fail"]);
    expect((await spfdkResults(tamper(signed, "header"))).dkim).toEqual(["fail"]);
  });
});

(HAVE_MAIL_DKIM ? describe : describe.skip)("spfdk verifies Mail::DKIM signatures", () => {
  it.each([
    ["dkim", "relaxed", "dkim"],
    ["dkim", "simple", "dkim"],
    ["domainkeys", "nofws", "domainKeys"],
    ["domainkeys", "simple", "domainKeys"],
  ] as const)("%s %s", async (kind, method, field) => {
    const params = { kind, d: "example.com", s: "rsa", key: PKCS1(), method, h: HEADERS.join(":") };
    const signed = Buffer.from(
      peer("perl", [join(PEERS, "mail-dkim-sign.pl"), fixturePath("message.eml"), JSON.stringify(params)]),
      "latin1",
    );
    expect((await spfdkResults(signed))[field]).toEqual(["pass"]);
    expect((await spfdkResults(tamper(signed, "body")))[field]).toEqual(["fail"]);
    expect((await spfdkResults(tamper(signed, "header")))[field]).toEqual(["fail"]);
  });
});
