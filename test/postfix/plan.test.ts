import { describe, expect, it } from "@jest/globals";
import { resolveParts } from "../../src/postfix/options.js";
import { options, plan } from "./support.js";

describe("buildPlan", () => {
  it("renders the tutorial's inbound entries with the issue's options", () => {
    const p = plan(["inbound"]);
    const smtp = p.services.find((s) => s.name === "smtp")!;
    expect(smtp.options).toEqual([
      { name: "smtpd_proxy_filter", value: "127.0.0.1:10025" },
      { name: "smtpd_client_connection_count_limit", value: "10" },
    ]);
    const after = p.services.find((s) => s.name === "127.0.0.1:10026")!;
    expect(after.options).toContainEqual({
      name: "smtpd_recipient_restrictions",
      value: "permit_mynetworks,reject",
    });
    expect(after.options).toContainEqual({
      name: "receive_override_options",
      value: "no_unknown_recipient_checks",
    });
    expect(after.description.join(" ")).toMatch(/After-filter/);
  });

  it("renders outbound signing with FILTER_README's return smtpd", () => {
    const p = plan(["outbound"], { outFilterPort: 11027, filterProcesses: 4 });
    const names = p.services.map((s) => `${s.name}/${s.type}`);
    expect(names).toEqual(["submission/inet", "dksign/unix", "127.0.0.1:10028/inet"]);
    const sub = p.services[0]!;
    expect(sub.options).toContainEqual({ name: "content_filter", value: "dksign:[127.0.0.1]:11027" });
    expect(sub.options).toContainEqual({ name: "smtpd_sasl_auth_enable", value: "yes" });
    expect(p.services[1]!.lines[0]).toBe("dksign unix - - n - 4 smtp");
    const ret = p.services[2]!;
    expect(ret.lines[0]).toBe("127.0.0.1:10028 inet n - n - 4 smtpd");
    expect(ret.options).toContainEqual({ name: "content_filter", value: "" });
    expect(ret.options.find((o) => o.name === "receive_override_options")?.value.split(",")).toEqual(
      expect.arrayContaining([
        "no_unknown_recipient_checks",
        "no_header_body_checks",
        "no_milters",
        "no_address_mappings",
      ]),
    );
  });

  it("drops SASL with --no-sasl and switches the 8-bit workaround", () => {
    const p = plan(["outbound"], { sasl: false, mime: "no-conversion" });
    const sub = p.services[0]!;
    expect(sub.options.map((o) => o.name)).not.toContain("smtpd_sasl_auth_enable");
    expect(sub.options).toContainEqual({
      name: "smtpd_recipient_restrictions",
      value: "permit_mynetworks,reject",
    });
    const dk = p.services[1]!.options.map((o) => o.name);
    expect(dk).toContain("disable_mime_output_conversion");
    expect(dk).not.toContain("smtp_discard_ehlo_keywords");
  });

  it("sets content_filter on pickup/unix (never a second pickup entry)", () => {
    const p = plan(["pickup"]);
    expect(p.services).toHaveLength(1);
    expect(p.services[0]).toMatchObject({ name: "pickup", type: "unix" });
  });

  it("renders the transport table, transport_maps and the postmap command", () => {
    const p = plan(["transport"], {
      domain: ["My.Domain", "other.example."],
      gateway: "relay.isp.example:2525",
    });
    expect(p.transport?.lines.filter((l) => !l.startsWith("#"))).toEqual([
      "my.domain\t:",
      ".my.domain\t:",
      "other.example\t:",
      ".other.example\t:",
      "*\tsmtp:[relay.isp.example]:2525",
    ]);
    expect(p.params).toEqual([
      expect.objectContaining({ name: "transport_maps", value: "hash:/etc/postfix/transport" }),
    ]);
    expect(p.commands).toEqual(["postmap hash:/etc/postfix/transport", "postfix check", "postfix reload"]);
  });

  it("uses brackets and /128 for an IPv6 filter host", () => {
    const p = plan(["inbound", "outbound"], { filterHost: "::1" });
    expect(p.services.map((s) => s.name)).toContain("[::1]:10026");
    expect(p.services[0]!.options[0]!.value).toBe("[::1]:10025");
    expect(p.services.find((s) => s.name === "submission")!.options).toContainEqual({
      name: "content_filter",
      value: "dksign:[::1]:10027",
    });
    expect(p.services.find((s) => s.name === "[::1]:10028")!.options).toContainEqual({
      name: "mynetworks",
      value: "[::1]/128",
    });
  });

  it("renders debug_peer_level and debug_peer_list", () => {
    const p = plan(["debug"], { debugPeer: ["127.0.0.1", "10.50.30.0/24"], debugLevel: 10 });
    expect(p.params.map((x) => `${x.name} = ${x.value}`)).toEqual([
      "debug_peer_level = 10",
      "debug_peer_list = 127.0.0.1 10.50.30.0/24",
    ]);
  });
});

describe("resolveParts", () => {
  it("renders everything ready by default and notes what it skipped", () => {
    const r = resolveParts([], options({ domain: [], gateway: undefined, debugPeer: [] }));
    expect(r).toEqual({
      parts: ["inbound", "outbound", "pickup"],
      notes: [expect.stringMatching(/^transport part skipped/), expect.stringMatching(/^debug part skipped/)],
    });
  });
  it("renders exactly the named parts", () => {
    expect(resolveParts(["debug", "inbound"], options())).toEqual({ parts: ["inbound", "debug"], notes: [] });
  });
  it.each([
    [{ gateway: undefined }, "transport", "--gateway"],
    [{ domain: [] }, "transport", "--domain"],
    [{ debugPeer: [] }, "debug", "--debug-peer"],
  ] as const)("names the missing flag (%j with --%s)", (raw, part, flag) => {
    expect(resolveParts([part], options(raw))).toMatchObject({ flag });
  });
});
