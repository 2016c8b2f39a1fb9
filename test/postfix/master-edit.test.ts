import { describe, expect, it } from "@jest/globals";
import { duplicateServices, parseMasterCf, splitLines } from "../../src/postfix/master-cf.js";
import { applyMasterEdits, removeMasterEdits } from "../../src/postfix/master-edit.js";
import { fixture, isSubsequence, plan } from "./support.js";

const stock = fixture("master.cf.debian");
const all = plan().services;

describe("applyMasterEdits on Debian's stock master.cf", () => {
  const r = applyMasterEdits(stock, all);

  it("applies without problems", () => {
    expect(r.problems).toEqual([]);
    expect(r.text).not.toBe(stock);
  });
  it("keeps every original line, in order and byte-identical", () => {
    expect(isSubsequence(splitLines(stock), splitLines(r.text))).toBe(true);
  });
  it("keeps the columns of the existing smtp and pickup entries and adds only -o lines", () => {
    const lines = splitLines(r.text);
    const entries = parseMasterCf(lines);
    const smtp = entries.find((e) => e.name === "smtp" && e.type === "inet")!;
    expect(lines[smtp.first]).toBe(splitLines(stock).find((l) => l.startsWith("smtp      inet")));
    expect(lines.slice(smtp.first + 1, smtp.last + 1)).toEqual([
      "  -o smtpd_proxy_filter=127.0.0.1:10025",
      "  -o smtpd_client_connection_count_limit=10",
    ]);
    const pickup = entries.filter((e) => e.name === "pickup");
    expect(pickup).toHaveLength(1);
    expect(lines[pickup[0]!.last]).toBe("  -o content_filter=dksign:[127.0.0.1]:10027");
  });
  it("adds the new services once each and creates no duplicate", () => {
    const entries = parseMasterCf(splitLines(r.text));
    for (const name of ["submission", "dksign", "127.0.0.1:10026", "127.0.0.1:10028"]) {
      expect(entries.filter((e) => e.name === name)).toHaveLength(1);
    }
    expect(duplicateServices(entries)).toEqual([]);
  });
  it("changes nothing when applied twice", () => {
    expect(applyMasterEdits(r.text, all).text).toBe(r.text);
  });
  it("--remove restores the original byte for byte", () => {
    const removed = removeMasterEdits(r.text);
    expect(removed.text).toBe(stock);
    expect(removed.warnings).toEqual([]);
  });
  it("applying fewer parts takes the others out", () => {
    const onlyInbound = applyMasterEdits(r.text, plan(["inbound"]).services).text;
    expect(onlyInbound).toBe(applyMasterEdits(stock, plan(["inbound"]).services).text);
    expect(onlyInbound).not.toContain("dksign");
  });
});

describe("applyMasterEdits on an admin's own entries", () => {
  const admin = [
    "# my pickup",
    "pickup    fifo  n       -       y       60      1       pickup",
    "  -o content_filter=old:[10.0.0.1]:99",
    "  -o receive_override_options=no_address_mappings",
    "smtp      inet  n       -       y       -       20      smtpd",
    "  -o smtpd_client_connection_count_limit=50",
    "# a comment inside the entry",
    "  -o smtpd_tls_security_level=may",
    "dksign    unix  -       -       n       -       10      smtp",
    "",
  ].join("\n");
  const specs = plan(["inbound", "outbound", "pickup"]).services;
  const r = applyMasterEdits(admin, specs);

  it("changes existing options in place, keeping the admin's pickup fifo and process limits", () => {
    expect(r.problems).toEqual([]);
    const lines = splitLines(r.text);
    expect(lines).toContain("pickup    fifo  n       -       y       60      1       pickup");
    expect(lines).toContain("  -o content_filter=dksign:[127.0.0.1]:10027");
    expect(lines).not.toContain("  -o content_filter=old:[10.0.0.1]:99");
    expect(lines).toContain("smtp      inet  n       -       y       -       20      smtpd");
    expect(lines).toContain("  -o smtpd_client_connection_count_limit=10");
    expect(lines).toContain("  -o smtpd_tls_security_level=may");
    expect(parseMasterCf(lines).filter((e) => e.name === "pickup")).toHaveLength(1);
  });
  it("merges into an existing dksign entry instead of adding a second one", () => {
    expect(parseMasterCf(splitLines(r.text)).filter((e) => e.name === "dksign")).toHaveLength(1);
  });
  it("is idempotent and --remove puts the replaced lines back", () => {
    expect(applyMasterEdits(r.text, specs).text).toBe(r.text);
    expect(removeMasterEdits(r.text).text).toBe(admin);
  });
});

describe("--remove keeps what the admin edited after spfdk wrote it", () => {
  const applied = applyMasterEdits(stock, all).text;
  const edit = (from: string, to: string) => {
    expect(applied).toContain(from);
    return applied.replace(from, to);
  };

  it("keeps an added service whose lines were changed, and removes the others", () => {
    const text = edit("dksign unix - - n - 10 smtp", "dksign unix - - n - 4 smtp");
    const r = removeMasterEdits(text);
    expect(r.warnings).toEqual([
      "master.cf: service dksign/unix was edited after spfdk added it; kept as it is",
    ]);
    expect(r.text).toContain("dksign unix - - n - 4 smtp\n  -o smtp_send_xforward_command=yes");
    expect(r.text).not.toContain("127.0.0.1:10028");
    expect(r.text).not.toContain("spfdk");
  });
  it("keeps an -o line spfdk added to the admin's entry once its value was changed", () => {
    const text = edit(
      "  -o content_filter=dksign:[127.0.0.1]:10027\ncleanup",
      "  -o content_filter=other:[127.0.0.1]:1\ncleanup",
    );
    const r = removeMasterEdits(text);
    expect(r.warnings).toEqual([expect.stringMatching(/pickup\/unix -o content_filter was edited/)]);
    expect(r.text).toContain("pickup\n  -o content_filter=other:[127.0.0.1]:1\ncleanup");
    expect(removeMasterEdits(applied).text).toBe(stock);
  });
});

describe("applyMasterEdits refuses what it cannot do safely", () => {
  it.each([
    [
      "an option on the entry's first line",
      "smtp inet n - n - - smtpd -o smtpd_proxy_filter=127.0.0.1:9999\n",
      /sets -o smtpd_proxy_filter in a form spfdk does not edit/,
    ],
    ["a port already in use", "10026 inet n - n - - smtpd\n", /already uses port 10026/],
    [
      "pickup filtered without the outbound part",
      "pickup unix n - n 60 1 pickup\n",
      /content_filter transport dksign, which master.cf does not define/,
    ],
    [
      "a public smtp service that runs postscreen, where a proxy filter would do nothing",
      "smtp inet n - y - 1 postscreen\nsmtpd pass - - y - - smtpd\n",
      /line 1: smtp\/inet runs postscreen, not smtpd, so spfdk's -o options would have no effect there \(behind postscreen/,
    ],
    [
      "a service defined twice already (the how-to's pickup fifo next to the stock pickup unix)",
      "pickup unix n - y 60 1 pickup\ndksign unix - - n - 10 smtp\npickup fifo n - n 60 1 pickup\n\n  -o content_filter=dksign:127.0.0.1:10027\n",
      /defines pickup 2 times \(lines 1, 3\) and Postfix uses only the last/,
    ],
  ])("%s", (_what, text, problem) => {
    const parts = text.startsWith("pickup") ? (["pickup"] as const) : (["inbound"] as const);
    const r = applyMasterEdits(text, plan([...parts]).services);
    expect(r.problems.join("\n")).toMatch(problem);
  });

  it("warns when the how-to's no_address_mappings on submission means no mapping at all", () => {
    const text = "submission inet n - n - - smtpd\n  -o receive_override_options=no_address_mappings\n";
    const r = applyMasterEdits(text, plan(["outbound"]).services);
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([
      expect.stringMatching(/^master.cf line 2: submission skips address mappings/),
    ]);
    const clean = applyMasterEdits("submission inet n - n - - smtpd\n", plan(["outbound"]).services);
    expect(clean.warnings).toEqual([]);
  });

  it("keeps a damaged marker's entry and warns", () => {
    const text = "# spfdk-owned smtp/inet {broken\nsmtp inet n - n - - smtpd\n";
    const r = removeMasterEdits(text);
    expect(r.text).toBe("smtp inet n - n - - smtpd\n");
    expect(r.warnings[0]).toMatch(/damaged spfdk marker/);
  });
});
