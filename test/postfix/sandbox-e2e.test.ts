/**
 * End to end with a private Postfix (Debian's package): apply the rendered config with
 * --apply --reload to a running sandbox, then check that every rendered listener answers, that
 * submission → 10027 filter → 10028 → delivery works (and the before-queue path and the gateway
 * route too), and that the maillog has no warning or fatal. Ports: PORT_BASE or random.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import {
  createSandbox,
  destroySandbox,
  filterPorts,
  randomPortBase,
  logProblems,
  delivered,
  sandboxRunnable,
  startSandbox,
  waitFor,
  type Sandbox,
} from "../helpers/postfix-sandbox.js";
import { sendSmtp, startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";

const runnable = sandboxRunnable("Postfix sandbox e2e");

const base = Number(process.env.PORT_BASE) || randomPortBase(20000, 26000);
const port = { ...filterPorts(base), gateway: base + 6 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The first line the server at 127.0.0.1:p sends, or an error text. */
function banner(p: number): Promise<string> {
  return new Promise((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port: p });
    s.setTimeout(3000, () => s.destroy(new Error("timeout")));
    s.once("data", (d) => {
      resolve(d.toString().split("\r\n")[0]!);
      s.end("QUIT\r\n");
    });
    s.once("error", (e) => resolve(`error: ${e.message}`));
  });
}

const message = (subject: string) =>
  `From: a@my.domain\r\nTo: b@my.domain\r\nSubject: ${subject}\r\n\r\nHello.\r\n`;

(runnable ? describe : describe.skip)("postfix-config on a private Postfix instance", () => {
  let sb: Sandbox;
  const sinks: SmtpSink[] = [];
  let applyRun: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    sb = createSandbox(port.smtp);
    await startSandbox(sb);
    sinks.push(
      await startSmtpSink(port.inFilter, port.inReturn),
      await startSmtpSink(port.outFilter, port.outReturn),
      await startSmtpSink(port.gateway, null),
    );
    applyRun = await runCli([
      "postfix-config",
      ...["--postfix-dir", sb.etc, "--smtp-service", `127.0.0.1:${port.smtp}`],
      ...["--submission-service", `127.0.0.1:${port.submission}`, "--no-sasl"],
      ...["--in-filter-port", `${port.inFilter}`, "--in-return-port", `${port.inReturn}`],
      ...["--out-filter-port", `${port.outFilter}`, "--out-return-port", `${port.outReturn}`],
      ...["--domain", "my.domain", "--gateway", `127.0.0.1:${port.gateway}`],
      ...["--apply", "--reload"],
    ]);
  }, 60000);

  afterAll(async () => {
    for (const s of sinks) await s.close();
    if (sb) await destroySandbox(sb);
  }, 30000);

  it("applies and reloads without errors", () => {
    expect(applyRun.stderr).toBe("");
    expect(applyRun.code).toBe(0);
    expect(applyRun.stdout).toContain("Ran: postfix -c");
    // The map was built before main.cf started pointing at it (no window with a missing .db).
    const mtime = (f: string) => statSync(join(sb.etc, f)).mtimeMs;
    expect(mtime("transport.db")).toBeLessThanOrEqual(mtime("main.cf"));
  });

  it("accepts connections on every rendered listener", async () => {
    for (const p of [port.smtp, port.submission, port.inReturn, port.outReturn]) {
      const b = await waitFor(
        () => banner(p),
        (x) => x.startsWith("220"),
      );
      expect(`${p}: ${b}`).toMatch(new RegExp(`^${p}: 220 `));
    }
  });

  it("signs submitted mail: submission → filter on 10027 → 10028 → mailbox", async () => {
    const reply = await sendSmtp(port.submission, "a@my.domain", ["b@my.domain"], message("outbound-1"));
    expect(reply).toMatch(/^250/);
    const got = await waitFor(
      () => delivered(sb, "outbound-1"),
      (m) => m !== undefined,
    );
    expect(got).toContain("X-Spfdk-Sink: passed");
    expect(sinks[1]!.messages.some((m) => m.data.includes("outbound-1") && m.reply.startsWith("250"))).toBe(
      true,
    );
  });

  it("verifies incoming mail: smtp → proxy filter → after-filter smtpd → mailbox", async () => {
    const reply = await sendSmtp(port.smtp, "x@elsewhere.test", ["b@my.domain"], message("inbound-1"));
    expect(reply).toMatch(/^250/);
    expect(sinks[0]!.messages.some((m) => m.data.includes("inbound-1"))).toBe(true);
    const got = await waitFor(
      () => delivered(sb, "inbound-1"),
      (m) => m !== undefined,
    );
    expect(got).toContain("X-Spfdk-Sink: passed");
  });

  it("routes other domains to the gateway through the transport table", async () => {
    const reply = await sendSmtp(port.submission, "a@my.domain", ["c@elsewhere.test"], message("relay-1"));
    expect(reply).toMatch(/^250/);
    const gw = await waitFor(
      () => sinks[2]!.messages.find((m) => m.data.includes("relay-1")),
      (m) => m !== undefined,
    );
    expect(gw?.to).toEqual(["c@elsewhere.test"]);
    expect(gw?.data).toContain("X-Spfdk-Sink: passed"); // signed on the way out
  });

  it("signs locally submitted mail: sendmail → pickup content_filter → filter → mailbox", async () => {
    const r = spawnSync("/usr/sbin/sendmail", ["-C", sb.etc, "-f", "a@my.domain", "b@my.domain"], {
      input: message("pickup-1").replace(/\r\n/g, "\n"),
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    const got = await waitFor(
      () => delivered(sb, "pickup-1"),
      (m) => m !== undefined,
    );
    expect(got).toContain("X-Spfdk-Sink: passed");
  });

  it("--remove --reload takes the wiring out of the running instance", async () => {
    const r = await runCli(["postfix-config", "--postfix-dir", sb.etc, "--remove", "--reload"]);
    expect(`exit ${r.code} ${r.stderr}`).toBe("exit 0 "); // on failure, shows why
    // The transport table was spfdk's alone: it goes (to a backup), so there is nothing to postmap.
    expect(r.stdout).toContain(`Removed ${sb.etc}/transport (backup: `);
    expect(r.stdout).not.toContain("Ran: postmap");
    expect(existsSync(join(sb.etc, "transport"))).toBe(false);
    expect(existsSync(join(sb.etc, "transport.db"))).toBe(false);
    expect(r.stdout).toContain(`Ran: postfix -c ${sb.etc} reload`);
    // A connection caught in the listener's backlog while master closes it is reset, not
    // refused: wait until the port is really closed.
    const gone = await waitFor(
      () => banner(port.submission),
      (b) => /ECONNREFUSED/.test(b),
    );
    expect(gone).toMatch(/ECONNREFUSED/);
    // An smtpd started before the reload may serve one more session with the old settings
    // (master(8): such processes "terminate as soon as is convenient"), so each try has its own
    // subject, and the first message delivered without the filter must never have reached it.
    let got: string | undefined;
    let subject = "";
    for (let n = 0; n < 5 && (got === undefined || got.includes("X-Spfdk-Sink")); n++) {
      subject = `inbound-2-${n}`;
      const reply = await sendSmtp(port.smtp, "x@elsewhere.test", ["b@my.domain"], message(subject));
      if (!reply.startsWith("250")) continue;
      const s = subject;
      got = await waitFor(
        () => delivered(sb, s),
        (m) => m !== undefined,
      );
    }
    expect(got).toBeDefined();
    expect(got).not.toContain("X-Spfdk-Sink");
    expect(sinks[0]!.messages.some((m) => m.data.includes(subject))).toBe(false);
  });

  it("leaves no warning or fatal in the maillog", async () => {
    await sleep(300);
    const log = readFileSync(join(sb.log, "maillog"), "utf8");
    expect(log).toMatch(/status=sent/); // the log is the instance's, not empty
    expect(logProblems(sb)).toEqual([]);
  });
});
