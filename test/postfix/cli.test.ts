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
    [["--in-filter-port", "1e3"], "--in-filter-port"],
    [["--out-filter-port", "0x10"], "--out-filter-port"],
    [["--in-return-port", "10026.0"], "--in-return-port"],
    [["--connection-limit", "1.5"], "--connection-limit"],
    [["--debug-peer", "10.0.0.0/33", "--debug"], "--debug-peer"],
    [["--debug-peer", "::1/129", "--debug"], "--debug-peer"],
    [["--smtp-service", "127.0.0.1:99999"], "--smtp-service"],
    [["--submission-service", "70000"], "--submission-service"],
    [["--sign-transport", "smtp"], "--sign-transport"],
    [["--sign-transport", "pickup"], "--sign-transport"],
    [["--submission-service", "smtp"], "--submission-service"],
    [["--submission-service", "127.0.0.1:10028"], "--submission-service"],
    [["--smtp-service", "10025"], "--smtp-service"],
    [
      ["--transport", "--domain", "a.example", "--gateway", "gw.example", "--postfix-dir", "/srv/a b"],
      "--postfix-dir",
    ],
    [
      ["--transport", "--domain", "a.example", "--gateway", "gw.example", "--postfix-dir", "/srv/$x"],
      "--postfix-dir",
    ],
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

  it("covers every line of the original how-to's setup, with the documented deviations", async () => {
    const r = await runCli([
      ...base,
      ...["--domain", "my.domain", "--gateway", "gateway.my.domain"],
      ...["--debug-peer", "127.0.0.1", "--debug-peer", "10.50.30.1", "--debug-level", "10"],
    ]);
    expect(r.code).toBe(0);
    const out = r.stdout.split("\n").map((l) => l.trim());
    // The how-to's lines (section 2.2.1, 2.2.2, 2.3, 3.1), whitespace aside.
    const howto = [
      "smtp inet n - n - - smtpd",
      "-o smtpd_proxy_filter=127.0.0.1:10025",
      "-o smtpd_client_connection_count_limit=10",
      "127.0.0.1:10026 inet n - n - - smtpd",
      "-o smtpd_authorized_xforward_hosts=127.0.0.0/8",
      "-o smtpd_client_restrictions=",
      "-o smtpd_helo_restrictions=",
      "-o smtpd_sender_restrictions=",
      "-o smtpd_recipient_restrictions=permit_mynetworks,reject",
      "-o smtpd_data_restrictions=",
      "-o mynetworks=127.0.0.0/8",
      "-o receive_override_options=no_unknown_recipient_checks",
      "submission inet n - n - - smtpd",
      "-o smtpd_etrn_restrictions=reject",
      "-o smtpd_sasl_auth_enable=yes",
      "-o content_filter=dksign:[127.0.0.1]:10027",
      "-o smtpd_recipient_restrictions=permit_mynetworks,permit_sasl_authenticated,reject",
      "dksign unix - - n - 10 smtp",
      "-o smtp_send_xforward_command=yes",
      "-o smtp_discard_ehlo_keywords=8bitmime",
      "127.0.0.1:10028 inet n - n - 10 smtpd",
      "-o content_filter=",
      "transport_maps = hash:/etc/postfix/transport",
      "my.domain\t:",
      ".my.domain\t:",
      "*\tsmtp:[gateway.my.domain]",
      "debug_peer_level = 10",
      "debug_peer_list = 127.0.0.1 10.50.30.1",
      "postmap hash:/etc/postfix/transport",
      "postfix reload",
    ];
    expect(howto.filter((l) => !out.includes(l))).toEqual([]);
    // Deviations (docs/postfix-config.md): mappings run before the signer, never after it; pickup
    // gets the option on its existing entry (no duplicate `pickup fifo`), bracketed.
    expect(out).toContain(
      "-o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters,no_address_mappings",
    );
    expect(out).not.toContain("-o receive_override_options=no_address_mappings");
    expect(out.filter((l) => l.startsWith("pickup "))).toEqual(["pickup unix n - n 60 1 pickup"]);
    expect(out).not.toContain("-o content_filter=dksign:127.0.0.1:10027");
    // Every snippet starts with a comment that says what it does.
    const snippets = r.stdout.split(/^### .*\n/m).slice(1);
    expect(snippets).toHaveLength(6);
    for (const sn of snippets) expect(sn).toMatch(/^# spfdk postfix-config: \S/);
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
    const pickup = await runCli([...base, "--pickup", "--postfix-dir", "/srv/pf"]);
    expect(pickup.stdout).toContain(
      "  postconf -c /srv/pf -P 'pickup/unix/content_filter=dksign:[127.0.0.1]:10027'",
    );
  });
});

describe("spfdk postfix-config: the filter commands", () => {
  it("prints the spfdk filter commands for the rendered parts and ports, and they parse", async () => {
    const r = await runCli([
      ...base,
      "--filter-host",
      "::1",
      "--in-filter-port",
      "12025",
      "--domain",
      "example.org",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("spfdk filter --verify --listen [::1]:12025 --next [::1]:10026\n");
    expect(r.stdout).toContain(
      "spfdk filter --sign --listen [::1]:10027 --next [::1]:10028 --domain example.org --selector <selector> --key <private key file>\n",
    );
    const json = await runCli([...base, "--inbound", "--json"]);
    expect(JSON.parse(json.stdout).filters).toEqual([
      "spfdk filter --verify --listen 127.0.0.1:10025 --next 127.0.0.1:10026",
    ]);
    // The printed addresses are what `spfdk filter` accepts (a bad one would be refused before anything else).
    const { parseHostPort } = await import("../../src/cli/filter.js");
    expect(parseHostPort("--listen", "[::1]:12025")).toEqual({ host: "::1", port: 12025 });
    const none = await runCli([...base, "--debug", "--debug-peer", "192.0.2.1", "--json"]);
    expect(JSON.parse(none.stdout).filters).toEqual([]);
  });
});
