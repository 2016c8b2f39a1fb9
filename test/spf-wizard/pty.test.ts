/**
 * The interactive wizard on a real pseudo-terminal: `node bin/spfdk spf-wizard` runs in a detached
 * tmux session (on a private tmux socket), answers are typed with send-keys and the screen is read
 * with capture-pane. Runs the compiled CLI in dist/, rebuilding it first when it is stale.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { peerAvailable } from "../helpers/peers.js";
import { REPO_ROOT } from "../helpers/shared.js";

const SOCKET = `spfdk-wizard-test-${process.pid}`;
const BIN = join(REPO_ROOT, "bin", "spfdk");
const RSA_KEY = join(import.meta.dirname, "fixtures", "rsa-2048.pem");
const tmp = mkdtempSync(join(tmpdir(), "spfdk-wizard-pty-"));
const haveTmux = peerAvailable("tmux", ["tmux", "-V"], "apt-get install tmux");

const tmux = (...args: string[]) => spawnSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8" });

/** Newest modification time among the sources the wizard is built from. */
function newestSource(): number {
  const dirs = [
    ["src/cli", /^(spf-wizard.*|main|commands|resolver-options)\.ts$/],
    ["src/spf", /^record-builder.*\.ts$/],
    ["src/dmarc", /\.ts$/],
  ] as const;
  let newest = 0;
  for (const [dir, re] of dirs) {
    for (const f of readdirSync(join(REPO_ROOT, dir))) {
      if (re.test(f)) newest = Math.max(newest, statSync(join(REPO_ROOT, dir, f)).mtimeMs);
    }
  }
  return newest;
}

beforeAll(() => {
  if (!haveTmux) return;
  const built = join(REPO_ROOT, "dist", "cli", "spf-wizard.js");
  if (!existsSync(built) || statSync(built).mtimeMs < newestSource()) {
    // Other areas' half-written files may give type errors; tsc still emits, so the status is not checked.
    spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], {
      cwd: REPO_ROOT,
      stdio: "ignore",
      timeout: 120_000,
    });
  }
  expect(existsSync(built)).toBe(true);
  writeFileSync(
    join(tmp, "current.zone"),
    [
      'example.com.\tIN\tTXT\t"v=spf1 mx -all"',
      '_spf.example.net.\tIN\tTXT\t"v=spf1 ip4:198.51.100.0/24 -all"',
      'nospf.example.net.\tIN\tTXT\t"just text"',
      // 8 lookups inside: with its include: term a record starts at 9 of 10.
      `big.example.net.\tIN\tTXT\t"v=spf1 ${Array.from({ length: 8 }, (_, i) => `a:h${i}.example.net`).join(" ")} -all"`,
      "",
    ].join("\n"),
  );
}, 150_000);

afterAll(() => {
  if (haveTmux) tmux("kill-server");
  rmSync(tmp, { recursive: true, force: true });
});

/** Starts the wizard in a new detached session; the shell prints EXIT=<code> when it ends. */
function start(session: string, args: string[]): void {
  const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const cmd = `node '${BIN}' spf-wizard ${quoted}; echo EXIT=$?; sleep 60`;
  const r = tmux("new-session", "-d", "-s", session, "-x", "220", "-y", "80", "-c", tmp, cmd);
  expect(r.status).toBe(0);
}

const screen = (session: string) => tmux("capture-pane", "-p", "-J", "-S", "-", "-t", session).stdout;

/** Polls the screen until `re` matches; fails with the screen content after `ms`. */
async function waitFor(session: string, re: RegExp, ms = 10_000): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const text = screen(session);
    if (re.test(text)) return text;
    if (Date.now() > until) throw new Error(`timed out waiting for ${re} on the screen:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Waits for the question `prompt` to be active, then types `text` (literally) and the `keys`. */
async function answer(session: string, prompt: string, text: string, ...keys: string[]): Promise<void> {
  await waitFor(session, new RegExp(`^\\? ${escape(prompt)}`, "m"));
  if (text !== "") tmux("send-keys", "-t", session, "-l", text);
  tmux("send-keys", "-t", session, ...keys, "Enter");
}

(haveTmux ? describe : describe.skip)("spf-wizard in a real terminal (tmux)", () => {
  it("answers every question, re-asks bad answers with the reason, prints and writes the records", async () => {
    const s = `full-${process.pid}`;
    start(s, ["--zone", "current.zone", "--out", "example.zone"]);
    await answer(s, "Domain to set up:", "example..com");
    await waitFor(s, /has an empty label/);
    tmux("send-keys", "-t", s, "C-u");
    await answer(s, "Domain to set up:", "example.com");
    await answer(s, "Do example.com's own address hosts", "n");
    await answer(s, "Other hosts that send mail", "mail.example.com");
    await answer(s, "Do example.com's MX hosts", "");
    await answer(s, "Domains whose MX hosts", "");
    await answer(s, "IPv4 addresses", "192.0.2.0/33");
    await waitFor(s, /"\/33" is not a prefix length from 0 to 32/);
    tmux("send-keys", "-t", s, "C-u");
    await answer(s, "IPv4 addresses", "192.0.2.0/24");
    await answer(s, "IPv6 addresses", "");
    await answer(s, "Third-party senders", "nospf.example.net");
    await waitFor(s, /"nospf\.example\.net" publishes no SPF record/);
    tmux("send-keys", "-t", s, "C-u");
    await answer(s, "Third-party senders", "_spf.example.net");
    await answer(s, "Add exists: or ptr terms?", "");
    await answer(s, "Do these describe every host", "");
    await answer(s, "What should receivers do", "", "Down"); // -all
    await answer(s, "DKIM signing key:", "", "Down"); // existing key
    await answer(s, "Private key file (PEM):", RSA_KEY);
    await answer(s, "Selector:", "");
    await answer(s, "Publish the key in testing mode", "");
    await answer(s, "Use the legacy DomainKeys record form", "");
    await answer(s, "Add a DMARC record", "");
    await answer(s, "DMARC policy (p=):", "");
    await answer(s, "Address for aggregate reports", "");
    const text = await waitFor(s, /^EXIT=\d+$/m);
    expect(text).toMatch(/^EXIT=0$/m);
    const spf = "v=spf1 a:mail.example.com mx ip4:192.0.2.0/24 include:_spf.example.net -all";
    expect(text).toContain(`value: ${spf}`);
    expect(text).toContain("DNS lookups: 3/10");
    expect(text).toContain('change: replaces "v=spf1 mx -all"');
    expect(text).toMatch(/DKIM key: mail\._domainkey\.example\.com\. TXT\n {2}value: v=DKIM1; k=rsa; p=MIIB/);
    expect(text).toContain("value: v=DMARC1; p=none; rua=mailto:postmaster@example.com");
    const zone = readFileSync(join(tmp, "example.zone"), "utf8");
    expect(zone).toContain(`example.com.\tIN\tTXT\t"${spf}"`);
    expect(zone).toContain('mail._domainkey.example.com.\tIN\tTXT\t( "v=DKIM1; k=rsa; p=MIIB');
    expect(zone).toContain(
      '_dmarc.example.com.\tIN\tTXT\t"v=DMARC1; p=none; rua=mailto:postmaster@example.com"',
    );
  }, 40_000);

  it("re-asks a yes that would take the include tree over 10 lookups, with the reason", async () => {
    const s = `tree-${process.pid}`;
    start(s, ["--zone", "current.zone", "--include", "big.example.net", "--no-dkim", "--no-dmarc"]);
    await answer(s, "Domain to set up:", "example.com");
    await answer(s, "Do example.com's own address hosts", "y"); // 10 of 10: accepted
    await answer(s, "Other hosts that send mail", "");
    await answer(s, "Do example.com's MX hosts", "y"); // would be 11
    const reasked = await waitFor(
      s,
      /needs 11 DNS lookups; receivers give permerror above 10 \(RFC 7208 §4\.6\.4\)\n\? Do example\.com's MX hosts/,
    );
    expect(reasked).toContain("✔ Do example.com's MX hosts also send its mail? (mx) Yes");
    await answer(s, "Do example.com's MX hosts", "n");
    for (const q of ["Domains whose MX hosts", "IPv4 addresses", "IPv6 addresses", "Add exists: or ptr"]) {
      await answer(s, q, "");
    }
    await answer(s, "Do these describe every host", "");
    await answer(s, "What should receivers do", "", "Down"); // -all
    const text = await waitFor(s, /^EXIT=\d+$/m);
    expect(text).toMatch(/^EXIT=0$/m);
    expect(text).toContain("value: v=spf1 a include:big.example.net -all");
    expect(text).toContain("DNS lookups: 2/10 (10/10 with the included records)");
  }, 30_000);

  it("Ctrl-C exits 130 and writes nothing", async () => {
    const s = `ctrl-c-${process.pid}`;
    start(s, ["--offline", "--new-key", "--key-dir", "keys", "--out", "ctrl-c.zone"]);
    await answer(s, "Domain to set up:", "example.com");
    await answer(s, "Do example.com's own address hosts", "y");
    await waitFor(s, /^\? Other hosts that send mail/m);
    tmux("send-keys", "-t", s, "C-c");
    const text = await waitFor(s, /^EXIT=\d+$/m);
    expect(text).toMatch(/^EXIT=130$/m);
    expect(text).toContain("spfdk: interrupted; nothing was written");
    expect(existsSync(join(tmp, "keys"))).toBe(false);
    expect(existsSync(join(tmp, "ctrl-c.zone"))).toBe(false);
  }, 30_000);
});
