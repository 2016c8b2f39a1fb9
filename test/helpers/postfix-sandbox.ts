/**
 * A private, throw-away Postfix instance for tests (the recipe of ../shared/notes/postfix-sandbox.md):
 * everything lives under one mktemp directory (config, queue, data, log, delivered mail), every
 * listener is 127.0.0.1:PORT, chroot is off, and mail for my.domain is delivered by virtual(8) into
 * DIR/vmail/inbox/ as nobody. Needs root and Debian's postfix package.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  readdirSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { userInfo } from "node:os";
import { peerAvailable } from "./peers.js";
import { IN_CI } from "./shared.js";

/** A sandbox directory and its config directory. */
export interface Sandbox {
  dir: string;
  etc: string;
  log: string;
  inbox: string;
}

const PATH = `${process.env.PATH ?? ""}:/usr/sbin:/sbin`;

/** Runs a command; throws with its output when it fails. */
export function sh(argv: string[]): string {
  const r = spawnSync(argv[0]!, argv.slice(1), {
    encoding: "utf8",
    env: { ...process.env, PATH },
    timeout: 30000,
  });
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return `${r.stdout}${r.stderr}`;
}

function uidOf(user: string): [number, number] {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`no user ${user}`);
  const f = line.split(":");
  return [Number(f[2]), Number(f[3])];
}

/** Whether this process can run a sandbox (root, postfix installed). */
export function sandboxPossible(): boolean {
  return userInfo().uid === 0 && existsSync("/usr/share/postfix/master.cf.dist");
}

/**
 * Gives a config file an old mtime. Postfix re-reads main.cf until it is 2 s old (it might still be
 * being written), so every tool run right after a write would sleep ~2.5 s.
 */
export function settle(path: string): void {
  const old = new Date(Date.now() - 60_000);
  utimesSync(path, old, old);
}

/** Lays out a fresh sandbox whose plain smtpd listens on 127.0.0.1:smtpPort (~0.5 s). */
export function createSandbox(smtpPort: number, domain = "my.domain"): Sandbox {
  const dir = mkdtempSync("/tmp/spfdk-pf.");
  const sb: Sandbox = {
    dir,
    etc: join(dir, "etc"),
    log: join(dir, "log"),
    inbox: join(dir, "vmail", "inbox", "new"),
  };
  for (const d of ["etc", "queue", "data", "vmail", "log"]) mkdirSync(join(dir, d));
  for (const d of [dir, sb.etc, sb.log, join(dir, "queue")]) chmodSync(d, 0o755);
  const [pu, pg] = uidOf("postfix");
  const [nu, ng] = uidOf("nobody");
  chownSync(join(dir, "data"), pu, pg);
  chmodSync(join(dir, "data"), 0o700);
  chownSync(join(dir, "vmail"), nu, ng);
  chmodSync(join(dir, "vmail"), 0o700);
  const mainCf = join(sb.etc, "main.cf");
  writeFileSync(mainCf, "");
  settle(mainCf);
  const settings = {
    compatibility_level: "3.6",
    queue_directory: join(dir, "queue"),
    data_directory: join(dir, "data"),
    mail_owner: "postfix",
    setgid_group: "postdrop",
    myhostname: "sandbox.test",
    mydomain: "sandbox.test",
    mydestination: "",
    alias_maps: "",
    alias_database: "",
    inet_interfaces: "127.0.0.1",
    inet_protocols: "ipv4",
    mynetworks: "127.0.0.0/8",
    relayhost: "",
    maillog_file_prefixes: sb.log,
    maillog_file: join(sb.log, "maillog"),
    virtual_mailbox_domains: domain,
    virtual_mailbox_base: join(dir, "vmail"),
    virtual_mailbox_maps: "static:inbox/",
    virtual_uid_maps: `static:${nu}`,
    virtual_gid_maps: `static:${ng}`,
    virtual_minimum_uid: "1",
    smtputf8_enable: "no",
    biff: "no",
  };
  sh(["postconf", "-c", sb.etc, "-e", ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`)]);
  settle(mainCf);
  copyFileSync("/usr/share/postfix/master.cf.dist", join(sb.etc, "master.cf"));
  sh(["postconf", "-c", sb.etc, "-F", "*/*/chroot = n"]);
  sh(["postconf", "-c", sb.etc, "-MX", "smtp/inet"]);
  sh([
    "postconf",
    "-c",
    sb.etc,
    "-M",
    `127.0.0.1:${smtpPort}/inet = 127.0.0.1:${smtpPort} inet n - n - - smtpd`,
  ]);
  sh(["postfix", "-c", sb.etc, "check"]);
  return sb;
}

function masterPid(sb: Sandbox): number | null {
  const f = join(sb.dir, "queue", "pid", "master.pid");
  if (!existsSync(f)) return null;
  const pid = Number(readFileSync(f, "utf8").trim());
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the instance and waits for its master process. */
export async function startSandbox(sb: Sandbox): Promise<void> {
  sh(["postfix", "-c", sb.etc, "start"]);
  for (let i = 0; i < 50 && masterPid(sb) === null; i++) await sleep(100);
  if (masterPid(sb) === null) throw new Error(`postfix did not start; see ${sb.log}/maillog`);
}

/**
 * Stops the instance (if running), waits for the master to exit, and removes the directory. It
 * sends the master SIGTERM itself, which is what `postfix stop` does (postfix-script), minus the
 * script's one-second polling; a master still alive after 5 s gets `postfix abort`.
 */
export async function destroySandbox(sb: Sandbox): Promise<void> {
  const pid = masterPid(sb);
  if (pid !== null) {
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 100 && masterPid(sb) !== null; i++) await sleep(50);
    if (masterPid(sb) !== null)
      spawnSync("postfix", ["-c", sb.etc, "abort"], { env: { ...process.env, PATH } });
  }
  rmSync(sb.dir, { recursive: true, force: true });
}

/** The maillog lines that report a problem (warning, fatal, panic). */
export function logProblems(sb: Sandbox): string[] {
  const f = join(sb.log, "maillog");
  if (!existsSync(f)) return [];
  return readFileSync(f, "utf8")
    .split("\n")
    .filter((l) => /\b(warning|fatal|panic):/.test(l));
}

/**
 * Whether a sandbox test can run here: Debian's postfix installed (else a loud skip, a failure
 * under CI=true, as for every peer) and root (the same). `what` names the tests in the message.
 */
export function sandboxRunnable(what: string): boolean {
  const havePostfix = peerAvailable(
    "postfix",
    ["/usr/sbin/postconf", "-d", "mail_version"],
    "apt-get install postfix",
  );
  const runnable = havePostfix && sandboxPossible();
  if (havePostfix && !runnable) {
    if (IN_CI) throw new Error("the Postfix sandbox needs root; CI=true requires it");
    process.stderr.write(`\n*** SKIPPING ${what}: needs root ***\n\n`);
  }
  return runnable;
}

/** Probes until `ok` (every 100 ms, at most `ms`); returns the last value. */
export async function waitFor<T>(probe: () => T | Promise<T>, ok: (v: T) => boolean, ms = 10000): Promise<T> {
  let v = await probe();
  for (let t = 0; t < ms && !ok(v); t += 100) {
    await new Promise((r) => setTimeout(r, 100));
    v = await probe();
  }
  return v;
}

/** The delivered message (latin1) that contains `marker`, if one is in the sandbox's inbox. */
export function delivered(sb: Sandbox, marker: string): string | undefined {
  if (!existsSync(sb.inbox)) return undefined;
  return readdirSync(sb.inbox)
    .map((f) => readFileSync(join(sb.inbox, f), "latin1"))
    .find((m) => m.includes(marker));
}

/** The listeners a postfix-config test renders, numbered from `base` (the test adds its own after them). */
export function filterPorts(base: number) {
  return {
    inFilter: base,
    inReturn: base + 1,
    outFilter: base + 2,
    outReturn: base + 3,
    smtp: base + 4,
    submission: base + 5,
  };
}

/**
 * A random base for a sandbox test's listeners, a multiple of 10 in [from, to). Keep ranges below
 * 32768: Linux hands out ports from 32768 up as the local ports of outgoing connections
 * (ip_local_port_range), so a fixed port there can be taken by any other test's client socket.
 */
export function randomPortBase(from: number, to: number): number {
  return from + Math.floor((Math.random() * (to - from)) / 10) * 10;
}
