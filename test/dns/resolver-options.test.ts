import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Command } from "commander";
import type { CommandContext } from "../../src/cli/deps.js";
import { CliError, ExitCode } from "../../src/cli/exit-codes.js";
import {
  addResolverOptions,
  resolverFromOptions,
  type ResolverFlags,
} from "../../src/cli/resolver-options.js";
import { staticResolver } from "../../src/dns/static-resolver.js";
import { startDnsServer } from "../helpers/dns-server.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "spfdk-dns-"));
  writeFileSync(
    join(dir, "good.db"),
    '$ORIGIN example.com.\n@ 300 IN TXT "v=spf1 " "-all"\nmail A 192.0.2.25\n',
  );
  writeFileSync(join(dir, "bad.db"), "$ORIGIN example.com.\n\nmail A 192.0.2\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeCtx(over: Partial<CommandContext> = {}): CommandContext & { traced: string[] } {
  const traced: string[] = [];
  return {
    stdout: () => undefined,
    stderr: () => undefined,
    stdin: () => Readable.from([]),
    env: {},
    cwd: dir,
    isTTY: { stdin: false, stdout: false },
    now: () => new Date("2026-11-25T12:00:00Z"),
    setExitCode: () => undefined,
    color: () => false,
    trace: (l) => traced.push(l),
    traced,
    ...over,
  };
}

/** Parses argv with a command that has only the resolver options; returns commander's option object. */
function parse(argv: string[]): ResolverFlags {
  const cmd = addResolverOptions(new Command("probe")).exitOverride();
  cmd.parse(argv, { from: "user" });
  return cmd.opts<ResolverFlags>();
}

/** The CliError thrown by `f`, or a failure. */
async function usageError(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(ExitCode.Usage);
    expect((err as Error).message).not.toContain("\n");
    return (err as Error).message;
  }
  throw new Error("expected a CliError");
}

describe("addResolverOptions", () => {
  it("adds --dns, --zone, --timeout and --tries with help text", () => {
    const help = addResolverOptions(new Command("probe")).helpInformation();
    for (const flag of ["--dns <host[:port]>", "--zone <file>", "--timeout <ms>", "--tries <n>"]) {
      expect(help).toContain(flag);
    }
    expect(parse(["--dns", "127.0.0.1:5353", "--timeout", "300", "--tries", "1"])).toEqual({
      dns: "127.0.0.1:5353",
      timeout: "300",
      tries: "1",
    });
  });
});

describe("resolverFromOptions", () => {
  it("returns the injected resolver (tests) when there is one", async () => {
    const injected = staticResolver({});
    expect(await resolverFromOptions(fakeCtx({ resolver: injected }), parse([]))).toBe(injected);
  });

  it("answers from --zone (relative to cwd), tracing queries", async () => {
    const ctx = fakeCtx();
    const r = await resolverFromOptions(ctx, parse(["--zone", "good.db"]));
    expect(await r.txt("example.com")).toEqual({ kind: "ok", records: ["v=spf1 -all"], ttl: 300 });
    expect(await r.a("mail.example.com")).toEqual({ kind: "ok", records: ["192.0.2.25"] });
    expect(await r.a("nope.example.com")).toEqual({ kind: "nxdomain" });
    expect(ctx.traced).toContain("dns: A nope.example.com -> nxdomain");
  });

  it("uses --dns, with --timeout and --tries, against a loopback server", async () => {
    const server = await startDnsServer({
      "example.com": { TXT: ["v=spf1 -all"] },
      "slow.example.com": "TIMEOUT",
    });
    try {
      const r = await resolverFromOptions(
        fakeCtx(),
        parse(["--dns", server.spec, "--timeout", "200", "--tries", "1"]),
      );
      expect(await r.txt("example.com")).toEqual({ kind: "ok", records: ["v=spf1 -all"] });
      expect(await r.txt("slow.example.com")).toMatchObject({ kind: "error", temporary: true });
      expect(server.queries.filter((q) => q.name === "slow.example.com")).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it.each<[string, string[], RegExp]>([
    [
      "--dns with --zone",
      ["--dns", "127.0.0.1", "--zone", "good.db"],
      /^--dns and --zone cannot be used together/,
    ],
    ["a host name for --dns", ["--dns", "dns.example.com"], /^--dns: "dns.example.com" is not an IP address/],
    ["a bad --dns port", ["--dns", "127.0.0.1:99999"], /^--dns: "127.0.0.1:99999": port must be a number/],
    [
      "a non-numeric --timeout",
      ["--timeout", "5s"],
      /^--timeout: "5s" must be a whole number from 1 to 60000$/,
    ],
    ["a zero --timeout", ["--timeout", "0"], /^--timeout: "0" must be a whole number/],
    ["a huge --tries", ["--tries", "11"], /^--tries: "11" must be a whole number from 1 to 10$/],
    [
      "a missing zone file",
      ["--zone", "missing.db"],
      /^cannot read zone file .*missing\.db: no such file or directory$/,
    ],
    ["a zone directory", ["--zone", "."], /^cannot read zone file .*: is a directory$/],
    ["a malformed zone file", ["--zone", "bad.db"], /^--zone: bad\.db:3: bad IPv4 address "192\.0\.2"$/],
  ])("refuses %s with one usage line", async (_name, argv, message) => {
    expect(await usageError(() => resolverFromOptions(fakeCtx(), parse(argv)))).toMatch(message);
  });

  it("checks the flags even when a resolver is injected", async () => {
    const ctx = fakeCtx({ resolver: staticResolver({}) });
    expect(await usageError(() => resolverFromOptions(ctx, parse(["--timeout", "x"])))).toMatch(
      /^--timeout:/,
    );
  });
});
