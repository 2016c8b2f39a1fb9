import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { runCli } from "../helpers/cli.js";
import { REPO_ROOT } from "../helpers/shared.js";

describe("spfdk main", () => {
  it("prints the package version and exits 0", async () => {
    const r = await runCli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
  it("lists every subcommand in --help", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("keygen");
  });
  it("exits 2 with one line for an unknown option", async () => {
    const r = await runCli(["keygen", "--nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
  it("exits 2 for an unknown command", async () => {
    const r = await runCli(["frobnicate"]);
    expect(r.code).toBe(2);
  });
});

describe("colour, verbosity and internal errors", () => {
  const tmp = () => mkdtempSync(join(tmpdir(), "spfdk-main-"));
  const args = (dir: string) => [
    "keygen",
    "--domain",
    "example.com",
    "--selector",
    "s",
    "--type",
    "ed25519",
    "--out",
    dir,
  ];

  it("colours output on a terminal", async () => {
    const r = await runCli(args(tmp()), { isTTY: { stdin: true, stdout: true } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\x1b\[/);
  });
  it.each([
    ["NO_COLOR", [], { NO_COLOR: "1" }],
    ["--no-color", ["--no-color"], {}],
  ])("%s turns colour off on a terminal", async (_label, extra, env) => {
    const r = await runCli([...args(tmp()), ...extra], { isTTY: { stdin: true, stdout: true }, env });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });
  it("an internal error is one line and exit 70; --verbose adds the stack", async () => {
    const boom = () => {
      throw new Error("clock exploded");
    };
    const quiet = await runCli(args(tmp()), { now: boom });
    expect(quiet.code).toBe(70);
    expect(quiet.stderr).toMatch(/^spfdk: internal error: clock exploded \(please report this/);
    expect(quiet.stderr.trim().split("\n")).toHaveLength(1);
    const loud = await runCli(["--verbose", ...args(tmp())], { now: boom });
    expect(loud.code).toBe(70);
    expect(loud.stderr).toMatch(/\n\s+at /);
  });
});

describe("the real binary", () => {
  it("says in one line when standard output cannot be written (a full disk)", () => {
    const bin = join(REPO_ROOT, "bin/spfdk");
    const r = spawnSync("sh", ["-c", `"${process.execPath}" "${bin}" --help > /dev/full`], {
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("spfdk: cannot write to standard output: no space left on device\n");
  });
  it("stops quietly when its output pipe closes early", () => {
    const bin = join(REPO_ROOT, "bin/spfdk");
    const r = spawnSync("sh", ["-c", `"${process.execPath}" "${bin}" postfix-config | true`], {
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
  });
});

describe("commander's usage errors", () => {
  it.each([
    [
      ["keygen", "--domain", "example.com", "--selector", "s", "--type", "dsa"],
      /^spfdk: option '--type <type>' argument 'dsa' is invalid/,
    ],
    [["keygen", "--selector", "s"], /^spfdk: required option '--domain <domain>' not specified/],
    [
      ["check-spf", "--ip", "192.0.2.1", "--sender", "a@example.com", "--scope", "all"],
      /^spfdk: option '--scope <scope>' argument 'all' is invalid/,
    ],
  ])("%j gets the spfdk: prefix and exit 2", async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
