/**
 * The wizard's records, used for real: the SPF record (through its zone snippet) is evaluated by
 * `spfdk check-spf --zone`, and the DKIM record verifies a message signed with the key, checked by
 * dkimpy (Debian python3-dkim) and by `spfdk verify` when that command exists.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { runCli } from "../helpers/cli.js";
import { peerAvailable } from "../helpers/peers.js";
import { REPO_ROOT } from "../helpers/shared.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const RSA_KEY = join(FIXTURES, "rsa-2048.pem");
const tmp = mkdtempSync(join(tmpdir(), "spfdk-wizard-e2e-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const HAVE_CHECK_SPF = existsSync(join(REPO_ROOT, "src", "cli", "check-spf.ts"));
const HAVE_VERIFY = existsSync(join(REPO_ROOT, "src", "cli", "verify.ts"));
if (!HAVE_CHECK_SPF)
  process.stderr.write("\n*** SKIPPING wizard→check-spf: src/cli/check-spf.ts is missing ***\n\n");

/** Runs the wizard with --out and returns the zone snippet it wrote. */
async function wizardZone(name: string, argv: string[]): Promise<string> {
  const out = join(tmp, name);
  const r = await runCli(["spf-wizard", "--yes", "--offline", "--out", out, ...argv]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return out;
}

async function spfResult(zoneFile: string, ip: string): Promise<string> {
  const r = await runCli([
    "check-spf",
    "--ip",
    ip,
    "--sender",
    "alice@example.com",
    "--zone",
    zoneFile,
    "--json",
  ]);
  const out = JSON.parse(r.stdout) as { results: { result: string }[] };
  return out.results[0]!.result;
}

(HAVE_CHECK_SPF ? describe : describe.skip)("wizard SPF record → spfdk check-spf --zone", () => {
  it.each([
    ["softfail", "softfail"],
    ["fail", "fail"],
    ["neutral", "neutral"],
  ])("--all %s: listed addresses pass, others get %s", async (all, expected) => {
    const zoneFile = await wizardZone(`spf-${all}.zone`, [
      ...["--domain", "example.com", "--no-mx", "--ip4", "192.0.2.0/24", "--ip6", "2001:db8::/32"],
      ...["--include", "_spf.example.net", "--all", all],
    ]);
    appendFileSync(zoneFile, '_spf.example.net.\tIN\tTXT\t"v=spf1 ip4:198.51.100.0/24 -all"\n');
    expect(await spfResult(zoneFile, "192.0.2.10")).toBe("pass");
    expect(await spfResult(zoneFile, "2001:db8::25")).toBe("pass");
    expect(await spfResult(zoneFile, "198.51.100.7")).toBe("pass"); // through include:
    expect(await spfResult(zoneFile, "203.0.113.9")).toBe(expected);
  });

  it("a and mx terms resolve through the same zone", async () => {
    const zoneFile = await wizardZone("spf-a-mx.zone", [
      "--domain",
      "example.com",
      "--a",
      "--mx",
      "--all",
      "fail",
    ]);
    appendFileSync(
      zoneFile,
      "example.com.\tIN\tA\t192.0.2.80\nexample.com.\tIN\tMX\t10 mx.example.com.\nmx.example.com.\tIN\tA\t192.0.2.25\n",
    );
    expect(await spfResult(zoneFile, "192.0.2.80")).toBe("pass");
    expect(await spfResult(zoneFile, "192.0.2.25")).toBe("pass");
    expect(await spfResult(zoneFile, "192.0.2.26")).toBe("fail");
  });
});

/** The TXT value of `name` in a zone snippet (strings joined), as a resolver would return it. */
function txtValue(zoneText: string, name: string): string {
  const start = zoneText.indexOf(`${name}\t`);
  expect(start).toBeGreaterThanOrEqual(0);
  const rest = zoneText.slice(start);
  const end = rest.includes("( ") ? rest.indexOf(" )") : rest.indexOf("\n");
  return [...rest.slice(0, end).matchAll(/"((?:[^"\\]|\\.)*)"/g)]
    .map((m) => m[1]!.replace(/\\(.)/g, "$1"))
    .join("");
}

const DKIMPY = `
import os, sys, dkim
msg = b"From: alice@example.com\\r\\nTo: bob@example.org\\r\\nSubject: wizard\\r\\nDate: Wed, 25 Nov 2026 12:00:00 +0000\\r\\nMessage-ID: <w1@example.com>\\r\\n\\r\\nHello from the wizard.\\r\\n"
key = open(os.environ["KEY"], "rb").read()
sig = dkim.sign(msg, os.environ["SELECTOR"].encode(), b"example.com", key, include_headers=[b"from", b"to", b"subject", b"date"])
record = os.environ["RECORD"].encode()
def dns(name, timeout=5):
    return record if name == (os.environ["SELECTOR"] + "._domainkey.example.com.").encode() else None
ok = dkim.verify(sig + msg, dnsfunc=dns)
sys.stdout.write((sig + msg).decode())
sys.exit(0 if ok else 1)
`;

describe("wizard DKIM record verifies a message signed with the key", () => {
  const havePython = peerAvailable(
    "python3-dkim",
    ["/usr/bin/python3", "-c", "import dkim"],
    "apt-get install python3-dkim",
  );
  it.each([
    ["dkim", []],
    ["domainkeys", ["--domainkeys"]],
    ["testing", ["--testing"]],
  ])("%s form (dkimpy)", async (form, extra) => {
    if (!havePython) return;
    const zoneFile = await wizardZone(`dkim-${form}.zone`, [
      ...["--domain", "example.com", "--key", RSA_KEY, "--selector", `s${form}`],
      ...extra,
    ]);
    const record = txtValue(readFileSync(zoneFile, "utf8"), `s${form}._domainkey.example.com.`);
    expect(record).toMatch(form === "domainkeys" ? /^k=rsa; p=/ : /^v=DKIM1; k=rsa; /);
    const r = spawnSync("/usr/bin/python3", ["-c", DKIMPY], {
      env: { ...process.env, KEY: RSA_KEY, SELECTOR: `s${form}`, RECORD: record },
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^DKIM-Signature: /);
    if (HAVE_VERIFY) {
      const v = await runCli(["verify", "--zone", zoneFile], { input: r.stdout });
      expect(v.stdout).toMatch(/dkim=pass/);
      expect(v.code).toBe(0);
    }
  });

  it("a record for another key does not verify (the check can fail)", async () => {
    if (!havePython) return;
    const zoneFile = await wizardZone("dkim-wrong.zone", [
      ...["--domain", "example.com", "--key", join(FIXTURES, "rsa-1024-other.pem"), "--selector", "swrong"],
    ]);
    const record = txtValue(readFileSync(zoneFile, "utf8"), "swrong._domainkey.example.com.");
    const r = spawnSync("/usr/bin/python3", ["-c", DKIMPY], {
      env: { ...process.env, KEY: RSA_KEY, SELECTOR: "swrong", RECORD: record },
      encoding: "utf8",
    });
    expect(r.stderr).toBe(""); // a clean "does not verify", not a crash
    expect(r.status).toBe(1);
  });
});
