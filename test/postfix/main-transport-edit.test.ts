import { describe, expect, it } from "@jest/globals";
import { applyPlan, removePlan } from "../../src/postfix/edit-config.js";
import { applyMainEdits, mainValue, parseMainCf, removeMainEdits } from "../../src/postfix/main-edit.js";
import { splitLines } from "../../src/postfix/master-cf.js";
import { applyTransportBlock, removeTransportBlock } from "../../src/postfix/transport-edit.js";
import { fixture, isSubsequence, plan } from "./support.js";

const main = fixture("main.cf.unrelated");

describe("main.cf edits", () => {
  const p = plan(["transport", "debug"], { debugLevel: 10 });
  const r = applyMainEdits(main, p.params);

  it("joins continuation lines when parsing", () => {
    expect(mainValue(main, "mydestination")).toBe("$myhostname, my.domain, localhost.my.domain, localhost");
    expect(parseMainCf(splitLines(main)).map((x) => x.name)).toContain("compatibility_level");
  });
  it("sets the parameters and keeps unrelated lines byte-identical", () => {
    expect(mainValue(r.text, "transport_maps")).toBe("hash:/etc/postfix/transport");
    expect(mainValue(r.text, "debug_peer_level")).toBe("10");
    const untouched = splitLines(main).filter((l) => !l.startsWith("debug_peer_level"));
    expect(isSubsequence(untouched, splitLines(r.text))).toBe(true);
  });
  it("replaces an existing parameter in place and says so", () => {
    const lines = splitLines(r.text);
    expect(lines.filter((l) => l.startsWith("debug_peer_level"))).toEqual(["debug_peer_level = 10"]);
    expect(lines.indexOf("debug_peer_level = 10")).toBeLessThan(lines.indexOf("compatibility_level = 3.6"));
    expect(r.warnings).toEqual([expect.stringContaining('debug_peer_level was "3"')]);
  });
  it("is idempotent, and --remove restores the file", () => {
    expect(applyMainEdits(r.text, p.params).text).toBe(r.text);
    expect(removeMainEdits(r.text).text).toBe(main);
  });
  it("restores a replaced multi-line parameter exactly", () => {
    const spec = [{ part: "debug" as const, name: "mydestination", value: "x", description: [] }];
    const changed = applyMainEdits(main, spec).text;
    expect(mainValue(changed, "mydestination")).toBe("x");
    expect(removeMainEdits(changed).text).toBe(main);
  });
});

describe("transport table edits", () => {
  const t = plan(["transport"]).transport!;
  const admin = fixture("transport.admin");

  it("appends spfdk's block and keeps the admin's routes", () => {
    const r = applyTransportBlock(admin, t);
    expect(r.problems).toEqual([]);
    expect(r.text.startsWith(admin)).toBe(true);
    expect(r.text).toContain("*\tsmtp:[gw.my.domain]");
    expect(applyTransportBlock(r.text, t).text).toBe(r.text);
    expect(removeTransportBlock(r.text).text).toBe(admin);
  });
  it("creates the table from nothing", () => {
    const r = applyTransportBlock("", t);
    expect(splitLines(r.text).filter((l) => !l.startsWith("#") && l !== "")).toEqual([
      "my.domain\t:",
      ".my.domain\t:",
      "*\tsmtp:[gw.my.domain]",
    ]);
  });
  it("reports a key the admin already routes", () => {
    const r = applyTransportBlock("My.Domain  relay:[x]\n", t);
    expect(r.problems).toEqual([expect.stringContaining('"my.domain" is already routed')]);
  });
});

describe("applyPlan / removePlan", () => {
  it("warns about relayhost next to transport_maps, as the original how-to does", () => {
    const files = {
      main: `${main}relayhost = [smtp.isp.example]\n`,
      master: fixture("master.cf.debian"),
      transport: null,
    };
    const r = applyPlan(files, plan());
    expect(r.warnings.join("\n")).toMatch(/relayhost = \[smtp\.isp\.example\]/);
    expect(r.files.every((f) => f.changed)).toBe(true);
  });
  it("removePlan(applyPlan(x)) gives x back for all three files", () => {
    const files = { main, master: fixture("master.cf.debian"), transport: fixture("transport.admin") };
    const applied = applyPlan(files, plan());
    const text = (f: string) => applied.files.find((x) => x.file === f)!.text;
    const removed = removePlan({
      main: text("main.cf"),
      master: text("master.cf"),
      transport: text("transport"),
    });
    expect(removed.files.map((f) => f.text)).toEqual([files.main, files.master, files.transport]);
  });
});
