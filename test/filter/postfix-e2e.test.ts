/**
 * `spfdk filter` with a real Postfix (a private sandbox instance of Debian's package): the config
 * `spfdk postfix-config` renders is applied to the running instance, the two filters run as real
 * processes (bin/spfdk), and mail goes through them into the mailbox: submitted mail arrives
 * signed (the signature verifies with spfdk, dkimpy and Mail::DKIM when installed), incoming mail
 * arrives with Authentication-Results for the client Postfix forwarded (SPF) and the DKIM
 * signature it carried. The filters stop cleanly on SIGTERM, and the maillog has no warning.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signMessage } from "../../src/dkim/sign-message.js";
import { verifyMessage } from "../../src/dkim/verify-message.js";
import { staticResolver } from "../../src/dns/static-resolver.js";
import { fixturePath, pOf, rsaSignRequest } from "../dkim/fixtures.js";
import { runCli } from "../helpers/cli.js";
import {
  createSandbox,
  destroySandbox,
  filterPorts,
  randomPortBase,
  logProblems,
  delivered,
  sandboxRunnable,
  settle,
  sh,
  startSandbox,
  waitFor,
  type Sandbox,
} from "../helpers/postfix-sandbox.js";
import { IN_CI, REPO_ROOT } from "../helpers/shared.js";
import { sendSmtp } from "../helpers/smtp-sink.js";

const runnable = sandboxRunnable("spfdk filter + Postfix e2e");
const haveMailDkim = spawnSync("perl", ["-MMail::DKIM::Verifier", "-e", "1"]).status === 0;
if (!haveMailDkim) {
  if (IN_CI) throw new Error("libmail-dkim-perl is missing; CI=true requires it");
  process.stderr.write(
    "\n*** SKIPPING the Mail::DKIM check of filter-signed mail: apt-get install libmail-dkim-perl ***\n\n",
  );
}
const haveDkimpy = spawnSync("/usr/bin/python3", ["-c", "import dkim"]).status === 0;
if (!haveDkimpy) {
  if (IN_CI) throw new Error("python3-dkim is missing; CI=true requires it");
  process.stderr.write(
    "\n*** SKIPPING the dkimpy check of filter-signed mail: apt-get install python3-dkim ***\n\n",
  );
}

// Apart from sandbox-e2e.test.ts (20000-25999), and below the ephemeral ports (randomPortBase).
const base = Number(process.env.PORT_BASE_FILTER) || randomPortBase(26000, 32000);
const port = { ...filterPorts(base), policy: base + 6 };

// The zone both the filter and the checks here use: the key of my.domain, SPF of the sender's domain.
const ZONE = {
  "rsa._domainkey.my.domain": { TXT: [`v=DKIM1; k=rsa; p=${pOf("rsa2048.pem")}`] },
  "elsewhere.test": { TXT: ["v=spf1 ip4:127.0.0.1 -all"] },
};
const ZONE_FILE =
  "$TTL 300\n" +
  `rsa._domainkey.my.domain. IN TXT "v=DKIM1; k=rsa; p=${pOf("rsa2048.pem")}"\n` +
  'elsewhere.test. IN TXT "v=spf1 ip4:127.0.0.1 -all"\n' +
  'spf-fail.test. IN TXT "v=spf1 -all"\n';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A filter (or policy) process; resolves once it says where it listens. */
async function startFilter(args: string[], log: string[], command = "filter"): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, "bin", "spfdk"), command, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr!.on("data", (d: Buffer) => log.push(...d.toString().split("\n").filter(Boolean)));
  const ready = await waitFor(
    () => log.some((l) => / on 127\.0\.0\.1:\d+/.test(l)) || child.exitCode !== null,
    (v) => v,
  );
  if (!ready || child.exitCode !== null) throw new Error(`filter did not start: ${log.join(" | ")}`);
  return child;
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

(runnable ? describe : describe.skip)("spfdk filter between Postfix's filter ports", () => {
  let sb: Sandbox;
  let dir: string;
  const signLog: string[] = [];
  const verifyLog: string[] = [];
  let signer: ChildProcess;
  let policy: ChildProcess | undefined;
  const policyLog: string[] = [];
  let verifier: ChildProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "spfdk-filter-e2e-"));
    writeFileSync(join(dir, "test.zone"), ZONE_FILE);
    sb = createSandbox(port.smtp);
    await startSandbox(sb);
    const applied = await runCli([
      "postfix-config",
      ...["--postfix-dir", sb.etc, "--smtp-service", `127.0.0.1:${port.smtp}`],
      ...["--submission-service", `127.0.0.1:${port.submission}`, "--no-sasl"],
      ...["--in-filter-port", `${port.inFilter}`, "--in-return-port", `${port.inReturn}`],
      ...["--out-filter-port", `${port.outFilter}`, "--out-return-port", `${port.outReturn}`],
      ...["--domain", "my.domain", "--apply", "--reload"],
    ]);
    if (applied.code !== 0) throw new Error(`postfix-config failed: ${applied.stderr}`);
    signer = await startFilter(
      [
        "--sign",
        ...["--listen", `127.0.0.1:${port.outFilter}`, "--next", `127.0.0.1:${port.outReturn}`],
        ...["--domain", "my.domain", "--selector", "rsa", "--key", fixturePath("rsa2048.pem")],
      ],
      signLog,
    );
    verifier = await startFilter(
      [
        "--verify",
        ...["--listen", `127.0.0.1:${port.inFilter}`, "--next", `127.0.0.1:${port.inReturn}`],
        ...["--authserv-id", "mx.my.domain", "--zone", join(dir, "test.zone")],
      ],
      verifyLog,
    );
  }, 60000);

  afterAll(async () => {
    if (signer) await stop(signer);
    if (verifier) await stop(verifier);
    if (policy) await stop(policy);
    if (sb) await destroySandbox(sb);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30000);

  it("signs submitted mail: submission → spfdk filter --sign → return smtpd → mailbox", async () => {
    const msg =
      "From: Alice <a@my.domain>\r\nTo: b@my.domain\r\nSubject: filter-out-1\r\n\r\nHello  there.\r\n.dot line\r\n";
    expect(
      await sendSmtp(port.submission, "a@my.domain", ["b@my.domain"], msg.replace(/\r\n\./g, "\r\n..")),
    ).toMatch(/^250/);
    const got = await waitFor(
      () => delivered(sb, "filter-out-1"),
      (m) => m !== undefined,
    );
    expect(got).toBeDefined();
    const mail = Buffer.from(got!.replace(/\r?\n/g, "\r\n"), "latin1");
    expect(mail.toString("latin1")).toMatch(
      /\r\nDKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=my\.domain; s=rsa;/,
    );
    expect(mail.toString("latin1")).toContain("\r\n.dot line\r\n");
    const v = await verifyMessage([mail], { resolver: staticResolver(ZONE), legacy: false, now: new Date() });
    expect(v.kind === "ok" && v.dkim.map((d) => d.result)).toEqual(["pass"]);
    if (haveDkimpy) {
      const py = spawnSync(
        "/usr/bin/python3",
        [
          "-c",
          `import sys, dkim\nrec = sys.argv[1].encode()\nok = dkim.verify(sys.stdin.buffer.read(), dnsfunc=lambda name, timeout=5: rec)\nprint("pass" if ok else "fail")`,
          ZONE["rsa._domainkey.my.domain"].TXT[0]!,
        ],
        { input: mail, encoding: "utf8" },
      );
      expect(py.stdout.trim()).toBe("pass");
    }
    if (haveMailDkim) {
      writeFileSync(join(dir, "signed.eml"), mail);
      const pl = spawnSync(
        "perl",
        [
          join(REPO_ROOT, "test", "dkim", "peers", "mail-dkim-verify.pl"),
          join(dir, "signed.eml"),
          JSON.stringify({ "rsa._domainkey.my.domain": ZONE["rsa._domainkey.my.domain"].TXT[0] }),
        ],
        { encoding: "utf8" },
      );
      expect(JSON.parse(pl.stdout)).toMatchObject([{ kind: "dkim", result: "pass" }]);
    }
    expect(
      signLog.some((l) =>
        /from=<a@my\.domain> rcpts=1 .*signed d=my\.domain s=rsa -> 250 2\.0\.0 Ok: queued as/.test(l),
      ),
    ).toBe(true);
  });

  it("verifies incoming mail: smtp → spfdk filter --verify → after-filter smtpd → mailbox", async () => {
    const body =
      "From: Carol <c@my.domain>\r\nTo: b@my.domain\r\nSubject: filter-in-1\r\n" +
      "Authentication-Results: mx.my.domain; dkim=pass (forged by the sender)\r\n\r\nSigned  text.\r\n";
    const req = rsaSignRequest("my.domain", { timestamp: Math.floor(Date.now() / 1000) });
    const signed = await signMessage([Buffer.from(body, "latin1")], [req]);
    if (signed.kind !== "ok") throw new Error("sign failed");
    const reply = await sendSmtp(
      port.smtp,
      "x@elsewhere.test",
      ["b@my.domain"],
      `${signed.fields[0]}\r\n${body}`,
    );
    expect(reply).toMatch(/^250/);
    const got = await waitFor(
      () => delivered(sb, "filter-in-1"),
      (m) => m !== undefined,
    );
    expect(got).toBeDefined();
    const text = got!.replace(/\r?\n/g, "\r\n");
    expect(text).toMatch(
      /\r\nAuthentication-Results: mx\.my\.domain;\r\n\tspf=pass smtp\.mailfrom=x@elsewhere\.test;\r\n\tdkim=pass header\.d=my\.domain header\.i=@my\.domain header\.s=rsa header\.a=rsa-sha256 header\.b=\S+\r\n/,
    );
    expect(text).not.toContain("forged by the sender");
    expect(
      verifyLog.some((l) =>
        /client=127\.0\.0\.1 spf=pass dkim=pass d=my\.domain removed 1 forged .* -> 250 2\.0\.0 Ok: queued as/.test(
          l,
        ),
      ),
    ).toBe(true);
  });

  it("spfdk policy in smtpd_recipient_restrictions: SPF fail refused at RCPT, Received-SPF on the rest", async () => {
    policy = await startFilter(
      [
        ...["--listen", `127.0.0.1:${port.policy}`, "--zone", join(dir, "test.zone")],
        ...["--skip", "192.0.2.0/24", "--receiver", "mx.my.domain"], // loopback is the client here
      ],
      policyLog,
      "policy",
    );
    sh([
      "/usr/sbin/postconf",
      ...["-c", sb.etc, "-e"],
      `smtpd_recipient_restrictions = reject_unauth_destination, check_policy_service inet:127.0.0.1:${port.policy}`,
    ]);
    settle(join(sb.etc, "main.cf"));
    sh(["/usr/sbin/postfix", "-c", sb.etc, "reload"]);
    // An smtpd started before the reload may serve one more session with the old settings.
    let refused = "";
    for (let n = 0; n < 8 && !/^error: .* -> 5/.test(refused); n++) {
      await sleep(200);
      refused = await sendSmtp(
        port.smtp,
        "x@spf-fail.test",
        ["b@my.domain"],
        `Subject: policy-fail-${n}\r\n\r\nx\r\n`,
      );
    }
    expect(refused).toMatch(
      /-> 550 5\.7\.23 <b@my\.domain>: Recipient address rejected: SPF fail: spf-fail\.test does not designate 127\.0\.0\.1 as a permitted sender$/,
    );
    const ok = await sendSmtp(
      port.smtp,
      "x@elsewhere.test",
      ["b@my.domain"],
      "From: x@elsewhere.test\r\nSubject: policy-pass-1\r\n\r\nhi\r\n",
    );
    expect(ok).toMatch(/^250/);
    const got = await waitFor(
      () => delivered(sb, "policy-pass-1"),
      (m) => m !== undefined,
    );
    const text = got!.replace(/\r?\n/g, "\r\n");
    expect(text).toMatch(
      /\r\nReceived-SPF: pass \(mx\.my\.domain: domain of x@elsewhere\.test designates 127\.0\.0\.1 as permitted sender\) client-ip=127\.0\.0\.1;/,
    );
    // The verifying filter saw the prepended header and added its own results above it.
    expect(text).toMatch(
      /\r\nAuthentication-Results: mx\.my\.domain;\r\n\tspf=pass smtp\.mailfrom=x@elsewhere\.test;/,
    );
    expect(policyLog.some((l) => /from=<x@spf-fail\.test> .* mfrom=fail -> 550 5\.7\.23/.test(l))).toBe(true);
    expect(await stop(policy)).toBe(0);
  });

  it("stops cleanly on SIGTERM and leaves no warning or fatal in the maillog", async () => {
    expect(await stop(signer)).toBe(0);
    expect(await stop(verifier)).toBe(0);
    expect(signLog.at(-1)).toBe("spfdk filter: stopped");
    await sleep(300);
    expect(logProblems(sb)).toEqual([]);
  });
});
