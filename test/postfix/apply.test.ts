/**
 * --apply / --dry-run / --remove on copies of Debian's stock master.cf and an admin's main.cf, with
 * the real Postfix validating each edited copy (skipped loudly without Postfix; a failure in CI).
 */
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { peerAvailable } from "../helpers/peers.js";
import { fixture, isSubsequence } from "./support.js";

const havePostfix = peerAvailable(
  "postfix",
  ["/usr/sbin/postconf", "-d", "mail_version"],
  "apt-get install postfix",
);
const PATH = `${process.env.PATH ?? ""}:/usr/sbin`;

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), "latin1")]),
  );
}

/** Runs a Postfix tool and returns its stderr; fails the test on a non-zero exit. */
function tool(argv: string[]): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", env: { ...process.env, PATH } });
  expect(`${argv.join(" ")} -> ${r.status}`).toBe(`${argv.join(" ")} -> 0`);
  return r.stderr;
}

(havePostfix ? describe : describe.skip)("spfdk postfix-config --apply with Postfix validation", () => {
  let dir: string;
  const args = () => [
    "postfix-config",
    ...["--postfix-dir", dir, "--domain", "my.domain", "--gateway", "gw.my.domain"],
    ...["--debug-peer", "127.0.0.1"],
  ];
  const now = (iso: string) => ({ now: () => new Date(iso) });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "spfdk-pfc-"));
    writeFileSync(join(dir, "main.cf"), fixture("main.cf.unrelated"));
    writeFileSync(join(dir, "master.cf"), fixture("master.cf.debian"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("edits in place, keeps unrelated settings, backs up first, is idempotent, and --remove restores", async () => {
    writeFileSync(join(dir, "transport"), fixture("transport.admin"));
    const r = await runCli([...args(), "--apply"], now("2026-11-25T12:00:00Z"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Validated with Postfix: postconf -c COPY -n; postconf -c COPY -M");
    const main = readFileSync(join(dir, "main.cf"), "utf8");
    const untouched = fixture("main.cf.unrelated")
      .split("\n")
      .filter((l) => !l.startsWith("debug_peer_level"));
    expect(isSubsequence(untouched, main.split("\n"))).toBe(true);
    expect(readFileSync(join(dir, "transport"), "utf8")).toContain("*\tsmtp:[gw.my.domain]");
    expect(readFileSync(join(dir, "main.cf.20261125T120000Z.bak"), "utf8")).toBe(
      fixture("main.cf.unrelated"),
    );
    expect(readFileSync(join(dir, "master.cf.20261125T120000Z.bak"), "utf8")).toBe(
      fixture("master.cf.debian"),
    );
    expect(readFileSync(join(dir, "transport.20261125T120000Z.bak"), "utf8")).toBe(
      fixture("transport.admin"),
    );

    // The real tools, on the real directory: no warning from any of them.
    for (const argv of [
      ["postconf", "-c", dir, "-n"],
      ["postconf", "-c", dir, "-M"],
      ["postfix", "-c", dir, "check"],
      ["postmap", "-c", dir, `hash:${dir}/transport`],
    ]) {
      expect(tool(argv)).not.toMatch(/warning:|fatal:/);
    }
    expect(existsSync(join(dir, "transport.db"))).toBe(true);

    // A second run changes nothing: same inode, no new backup.
    const before = snapshot(dir);
    const ino = statSync(join(dir, "master.cf")).ino;
    const again = await runCli([...args(), "--apply"], now("2026-11-25T13:00:00Z"));
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Nothing to change/);
    expect(snapshot(dir)).toEqual(before);
    expect(statSync(join(dir, "master.cf")).ino).toBe(ino);

    // --remove --dry-run shows what --remove would do, and writes nothing.
    const preview = await runCli(["postfix-config", "--postfix-dir", dir, "--remove", "--dry-run"]);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain("-  -o smtpd_proxy_filter=127.0.0.1:10025");
    expect(snapshot(dir)).toEqual(before);

    // --remove puts back the original services and settings, byte for byte.
    const rm = await runCli(
      ["postfix-config", "--postfix-dir", dir, "--remove"],
      now("2026-11-25T14:00:00Z"),
    );
    expect(rm.code).toBe(0);
    expect(rm.stdout).toContain("restored service smtp/inet");
    expect(readFileSync(join(dir, "main.cf"), "utf8")).toBe(fixture("main.cf.unrelated"));
    expect(readFileSync(join(dir, "master.cf"), "utf8")).toBe(fixture("master.cf.debian"));
    expect(readFileSync(join(dir, "transport"), "utf8")).toBe(fixture("transport.admin"));
  });

  it("--dry-run prints a unified diff and writes nothing", async () => {
    const before = snapshot(dir);
    const r = await runCli([...args(), "--apply", "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`--- ${dir}/master.cf\n+++ ${dir}/master.cf (spfdk)\n@@ `);
    expect(r.stdout).toContain("+  -o smtpd_proxy_filter=127.0.0.1:10025");
    expect(r.stdout).toMatch(/^-debug_peer_level = 3\n(\+#.*\n)+\+debug_peer_level = 2$/m);
    expect(r.stdout).toContain("(dry run: nothing was written)");
    expect(snapshot(dir)).toEqual(before);
  });

  it("a failing validation replaces nothing and shows Postfix's error", async () => {
    writeFileSync(join(dir, "main.cf"), `${fixture("main.cf.unrelated")}smtpd_proxy_fliter = 127.0.0.1:1\n`);
    const before = snapshot(dir);
    const r = await runCli([...args(), "--apply"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Postfix rejected the edited copy");
    expect(r.stdout).toContain("unused parameter: smtpd_proxy_fliter");
    expect(r.stdout).toMatch(
      /Warning: already in the current configuration, fix it first: .*smtpd_proxy_fliter/,
    );
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringContaining("nothing was changed")]);
    expect(snapshot(dir)).toEqual(before);
  });

  it("a validation failure caused by the edit itself (an unsupported map type) replaces nothing", async () => {
    const before = snapshot(dir);
    const r = await runCli([...args(), "--transport", "--map-type", "dbm", "--apply"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^spfdk: .*nothing was changed: Postfix rejected the edited copy: .*dbm/);
    expect(r.stdout).not.toContain("already in the current configuration");
    expect(snapshot(dir)).toEqual(before);
  });

  it("--json reports files, backups and validation", async () => {
    const r = await runCli([...args(), "--outbound", "--apply", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {
      files: { file: string; changed: boolean; backup: string | null }[];
      validation: { ran: boolean; ok: boolean };
    };
    expect(j.validation).toMatchObject({ ran: true, ok: true });
    expect(j.files.find((f) => f.file === "master.cf")).toMatchObject({ changed: true });
    expect(j.files.find((f) => f.file === "master.cf")!.backup).toMatch(/master\.cf\.\d{8}T\d{6}Z\.bak$/);
    expect(j.files.find((f) => f.file === "main.cf")).toMatchObject({ changed: false, backup: null });
  });

  it("refuses a config with a problem it finds itself (port clash), exit 1, nothing written", async () => {
    writeFileSync(join(dir, "master.cf"), `${fixture("master.cf.debian")}10026 inet n - n - - smtpd\n`);
    const before = snapshot(dir);
    const r = await runCli([...args(), "--inbound", "--apply"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/nothing was changed: .*already uses port 10026/),
    ]);
    expect(r.stdout).toMatch(/^Problem: master.cf line \d+: service 10026 already uses port 10026/m);
    expect(snapshot(dir)).toEqual(before);
  });

  it("a missing main.cf is a usage error naming --postfix-dir", async () => {
    rmSync(join(dir, "main.cf"));
    const r = await runCli([...args(), "--apply"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/--postfix-dir: .* has no main\.cf$/);
  });
});
