/**
 * `spfdk filter` as a command: it starts, logs where it listens, handles mail, stops cleanly on a
 * stop signal (exit 0), and refuses bad usage with one line and exit 2 before listening.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { verifyMessage } from "../../src/dkim/verify-message.js";
import { dotUnstuff } from "../../src/filter/smtp-io.js";
import { fixturePath, fixtureResolver } from "../dkim/fixtures.js";
import { runCli } from "../helpers/cli.js";
import { startDaemon } from "../helpers/daemon.js";
import { REPO_ROOT } from "../helpers/shared.js";
import { sendSmtp, startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";

let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink(0, null);
});
afterAll(async () => {
  await sink.close();
});

/** Runs the filter until `work` is done, then sends it the stop signal; returns the run. */
async function runFilter(args: string[], work: (port: number) => Promise<void>) {
  const d = await startDaemon([
    "filter",
    ...args,
    "--listen",
    "127.0.0.1:0",
    "--next",
    `127.0.0.1:${sink.port}`,
  ]);
  if (d.port) await work(d.port);
  return d.stop();
}

describe("spfdk filter", () => {
  it("--sign signs mail until it is told to stop, then exits 0", async () => {
    const r = await runFilter(
      [
        "--sign",
        "--domain",
        "example.com",
        "--selector",
        "rsa",
        "--key",
        fixturePath("rsa2048.pem"),
        "--hostname",
        "out.test",
      ],
      async (port) => {
        const reply = await sendSmtp(
          port,
          "a@example.com",
          ["b@example.net"],
          "From: a@example.com\r\nSubject: s\r\n\r\nhi\r\n",
        );
        expect(reply).toBe("250 2.0.0 Ok: kept by the sink");
      },
    );
    expect(r.code).toBe(0);
    expect(r.log).toMatch(/^spfdk filter: signing on 127\.0\.0\.1:\d+, passing mail to 127\.0\.0\.1:\d+\n/);
    expect(r.log).toMatch(/signed d=example\.com s=rsa -> 250 2\.0\.0 Ok: kept by the sink\n/);
    expect(r.log).toMatch(/SIGTERM: finishing the messages in progress\nspfdk filter: stopped\n$/);
    const kept = Buffer.from(sink.messages.at(-1)!.data.replace(/^X-Spfdk-Sink: passed\r\n/, ""), "latin1");
    const v = await verifyMessage([dotUnstuff(kept)], {
      resolver: fixtureResolver(),
      legacy: false,
      now: new Date("2026-11-25T12:00:00Z"),
    });
    expect(v.kind === "ok" && v.dkim[0]?.result).toBe("pass");
  });

  it("--verify adds Authentication-Results with the --authserv-id", async () => {
    const r = await runFilter(
      ["--verify", "--authserv-id", "mx.test", "--zone", join(REPO_ROOT, "examples", "example.com.zone")],
      async (port) => {
        await sendSmtp(port, "a@example.com", ["b@example.net"], "From: a@example.com\r\n\r\nhi\r\n");
      },
    );
    expect(r.code).toBe(0);
    expect(sink.messages.at(-1)!.data).toMatch(
      /^X-Spfdk-Sink: passed\r\nAuthentication-Results: mx\.test;\r\n\tdkim=none\r\nFrom:/,
    );
  });

  it("--json logs one JSON object per line, with the results as data", async () => {
    const r = await runFilter(
      ["--verify", "--json", "--zone", join(REPO_ROOT, "examples", "example.com.zone")],
      async (port) => {
        await sendSmtp(port, "a@example.com", ["b@example.net"], "From: a@example.com\r\n\r\nhi\r\n");
      },
    );
    expect(r.code).toBe(0);
    const events = r.log
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e.event)).toEqual(["listening", "message", "stopping", "stopped"]);
    expect(events[0]).toMatchObject({ mode: "verify", next: `127.0.0.1:${sink.port}` });
    expect(events[1]).toMatchObject({
      from: "a@example.com",
      rcpts: 1,
      verified: true,
      spf: [],
      dkim: [],
      removedForged: 0,
      reply: "250 2.0.0 Ok: kept by the sink",
    });
    expect(
      events.every((e) => typeof e.time === "string" && !Number.isNaN(Date.parse(e.time as string))),
    ).toBe(true);
  });

  it.each([
    [["--sign", "--verify"], /give exactly one of --verify and --sign/],
    [[], /give exactly one of --verify and --sign/],
    [["--verify", "--domain", "example.com"], /--domain does not apply with --verify/],
    [
      ["--sign", "--domain", "example.com", "--selector", "s", "--key", "x", "--no-spf"],
      /--no-spf does not apply with --sign/,
    ],
    [["--verify", "--listen", "localhost"], /--listen: "localhost" is not HOST:PORT/],
    [["--verify", "--listen", "127.0.0.1:10025", "--next", "127.0.0.1:10025"], /same address/],
    [
      ["--sign", "--domain", "example.com", "--selector", "s", "--key", "/nonexistent/key.pem"],
      /nonexistent/,
    ],
    [["--verify", "--max-size", "12x"], /--max-size/],
    [["--sign"], /--sign needs --domain with --selector\/--key pairs, or --key-table/],
  ])("%j is bad usage (exit 2, one line)", async (args, message) => {
    const r = await runCli(["filter", ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("says so when the port cannot be opened", async () => {
    const r = await runCli([
      "filter",
      "--verify",
      "--listen",
      `127.0.0.1:${sink.port}`,
      "--next",
      "127.0.0.1:9",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
  });
});
