import { describe, expect, it } from "@jest/globals";
import { runCli } from "../helpers/cli.js";

const base = ["postfix-config"];

describe("spfdk postfix-config: options", () => {
  it.each([
    [["--in-filter-port", "0"], "--in-filter-port"],
    [["--out-return-port", "http"], "--out-return-port"],
    [["--filter-host", "localhost"], "--filter-host"],
    [["--gateway", "bad host"], "--gateway"],
    [["--domain", "no_tld"], "--domain"],
    [["--mime", "7bit"], "--mime"],
    [["--connection-limit", "ten"], "--connection-limit"],
    [["--filter-processes", "0"], "--filter-processes"],
    [["--debug-level", "11"], "--debug-level"],
    [["--debug-peer", "10.0.0.0/x"], "--debug-peer"],
    [["--map-type", "mysql"], "--map-type"],
    [["--smtp-service", "a b"], "--smtp-service"],
    [["--sign-transport", "1x"], "--sign-transport"],
    [["--in-return-port", "10025"], "--in-filter-port"],
    [["--apply"], "--postfix-dir"],
    [["--remove"], "--postfix-dir"],
    [["--reload"], "--reload"],
    [["--transport", "--domain", "my.domain"], "--gateway"],
    [["--transport", "--gateway", "gw.example"], "--domain"],
    [["--debug"], "--debug-peer"],
  ])("%j exits 2 with one line naming %s", async (args, flag) => {
    const r = await runCli([...base, ...args]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(flag);
    expect(r.stdout).toBe("");
  });
});

describe("spfdk postfix-config: print mode", () => {
  it("prints every ready part with comments and the follow-up commands", async () => {
    const r = await runCli([...base, "--domain", "my.domain", "--gateway", "gw.my.domain"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("smtp inet n - n - - smtpd\n  -o smtpd_proxy_filter=127.0.0.1:10025");
    expect(r.stdout).toContain("dksign unix - - n - 10 smtp");
    expect(r.stdout).toContain("postconf -P 'pickup/unix/content_filter=dksign:[127.0.0.1]:10027'");
    expect(r.stdout).toContain("transport_maps = hash:/etc/postfix/transport");
    expect(r.stdout).toContain("Note: debug part skipped");
    expect(r.stdout).toMatch(
      /Then run:\n {2}postmap hash:\/etc\/postfix\/transport\n {2}postfix check\n {2}postfix reload/,
    );
    // every master.cf entry line in the output comes after a comment saying what it does
    expect(r.stdout.match(/^# /gm)!.length).toBeGreaterThan(10);
  });

  it("--json gives the structured edits without colour", async () => {
    const r = await runCli([...base, "--outbound", "--json"], { isTTY: { stdin: true, stdout: true } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("\u001b[");
    const j = JSON.parse(r.stdout) as {
      parts: string[];
      masterCf: { service: string; type: string; options: { name: string; value: string }[] }[];
      commands: string[];
    };
    expect(j.parts).toEqual(["outbound"]);
    expect(j.masterCf.map((s) => `${s.service}/${s.type}`)).toEqual([
      "submission/inet",
      "dksign/unix",
      "127.0.0.1:10028/inet",
    ]);
    expect(j.commands).toEqual(["postfix check", "postfix reload"]);
  });

  it("uses --postfix-dir in the rendered paths and commands", async () => {
    const r = await runCli([
      ...base,
      "--transport",
      "--domain",
      "a.example",
      "--gateway",
      "[10.0.0.1]:25",
      "--postfix-dir",
      "/srv/pf",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("transport_maps = hash:/srv/pf/transport");
    expect(r.stdout).toContain("*\tsmtp:[10.0.0.1]:25");
    expect(r.stdout).toContain("postmap -c /srv/pf hash:/srv/pf/transport");
  });
});
