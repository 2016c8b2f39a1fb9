/**
 * --apply / --dry-run / --remove on copies of Debian's stock master.cf and an admin's main.cf, with
 * the real Postfix validating each edited copy (skipped loudly without Postfix; a failure in CI).
 */
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
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

/**
 * Gives the files in `dir` an old mtime. Postfix re-reads a main.cf or map source until it is 2 s
 * old, so a tool run right after a write would otherwise sleep ~2.5 s; contents are not touched.
 */
function settle(dir: string): void {
  const old = new Date(Date.now() - 60_000);
  for (const f of readdirSync(dir)) utimesSync(join(dir, f), old, old);
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
    settle(dir);
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

  it("--remove gives back files without a final newline and with non-UTF-8 bytes, byte for byte", async () => {
    const main = Buffer.concat([
      Buffer.from(fixture("main.cf.unrelated")),
      Buffer.from("# r\xe9seau local (Latin-1)\nrelay_domains =", "latin1"),
    ]);
    const master = Buffer.from(fixture("master.cf.debian").replace(/\n$/, ""), "latin1");
    writeFileSync(join(dir, "main.cf"), main);
    writeFileSync(join(dir, "master.cf"), master);
    const r = await runCli([...args(), "--apply"]);
    expect(r.stderr).toBe("");
    expect(readFileSync(join(dir, "main.cf")).includes(Buffer.from("r\xe9seau", "latin1"))).toBe(true);
    const rm = await runCli(["postfix-config", "--postfix-dir", dir, "--remove"]);
    expect(rm.code).toBe(0);
    expect(readFileSync(join(dir, "main.cf")).equals(main)).toBe(true);
    expect(readFileSync(join(dir, "master.cf")).equals(master)).toBe(true);
  });

  it("--remove moves a transport table spfdk created, and its .db, to backups", async () => {
    const apply = await runCli([...args(), "--transport", "--apply"], now("2026-11-25T12:00:00Z"));
    expect(apply.code).toBe(0);
    settle(dir);
    tool(["postmap", "-c", dir, `hash:${dir}/transport`]);
    const db = readFileSync(join(dir, "transport.db"));
    const table = readFileSync(join(dir, "transport"), "utf8");
    const rm = await runCli(
      ["postfix-config", "--postfix-dir", dir, "--remove"],
      now("2026-11-25T13:00:00Z"),
    );
    expect(rm.code).toBe(0);
    expect(rm.stdout).toContain(`Removed ${dir}/transport (backup: ${dir}/transport.20261125T130000Z.bak)`);
    expect(rm.stdout).toContain(`moved ${dir}/transport.db (built by postmap) to ${dir}/transport.db.2026`);
    expect(existsSync(join(dir, "transport"))).toBe(false);
    expect(existsSync(join(dir, "transport.db"))).toBe(false);
    expect(readFileSync(join(dir, "transport.20261125T130000Z.bak"), "utf8")).toBe(table);
    expect(readFileSync(join(dir, "transport.db.20261125T130000Z.bak")).equals(db)).toBe(true);
    expect(readFileSync(join(dir, "main.cf"), "utf8")).toBe(fixture("main.cf.unrelated"));
  });

  it("--remove --reload rebuilds the admin's table with the map type spfdk's block was built with", async () => {
    writeFileSync(join(dir, "transport"), fixture("transport.admin"));
    // An instance of its own (never the system's /var/spool/postfix), which is not running.
    writeFileSync(join(dir, "main.cf"), `${fixture("main.cf.unrelated")}queue_directory = ${dir}/queue\n`);
    mkdirSync(join(dir, "queue"));
    const apply = await runCli([...args(), "--transport", "--map-type", "btree", "--apply"]);
    expect(apply.code).toBe(0);
    settle(dir);
    const rm = await runCli(["postfix-config", "--postfix-dir", dir, "--remove", "--reload"]);
    expect(rm.stdout).toContain(`Ran: postmap -c ${dir} btree:${dir}/transport`);
    expect(readFileSync(join(dir, "transport"), "utf8")).toBe(fixture("transport.admin"));
    // Nothing runs this instance, so the reload itself fails, and says why it may have.
    expect(rm.stdout).toContain(
      `Failed: postfix -c ${dir} reload\n    exit status 1, no message (is Postfix running?)`,
    );
    expect(rm.code).toBe(1);
  });

  it("edits a symlinked main.cf where it points, and the link stays a link", async () => {
    const real = join(dir, "managed");
    mkdirSync(real);
    writeFileSync(join(real, "main.cf"), fixture("main.cf.unrelated"));
    rmSync(join(dir, "main.cf"));
    symlinkSync(join(real, "main.cf"), join(dir, "main.cf"));
    const r = await runCli([...args(), "--apply"]);
    expect(r.code).toBe(0);
    expect(lstatSync(join(dir, "main.cf")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(real, "main.cf"), "utf8")).toContain("transport_maps = hash:");
    expect(readdirSync(real).filter((f) => f.endsWith(".bak"))).toHaveLength(1);
    await runCli(["postfix-config", "--postfix-dir", dir, "--remove"]);
    expect(lstatSync(join(dir, "main.cf")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(real, "main.cf"), "utf8")).toBe(fixture("main.cf.unrelated"));
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

  it("says where postfix check's reason went when it fails without a message", async () => {
    writeFileSync(join(dir, "main.cf"), `${fixture("main.cf.unrelated")}queue_directory = ${dir}/none\n`);
    const r = await runCli([...args(), "--outbound", "--apply"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "postfix -c COPY check:\n    exit status 1, no message (postfix reports why only to a terminal",
    );
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
