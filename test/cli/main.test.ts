import { describe, expect, it } from "@jest/globals";
import { runCli } from "../helpers/cli.js";

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
