import { describe, expect, it } from "@jest/globals";
import { applyPlan, removePlan } from "../../src/postfix/edit-config.js";
import {
  applyMainEdits,
  mainValue,
  paramsUsing,
  parseMainCf,
  removeMainEdits,
} from "../../src/postfix/main-edit.js";
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
  it("keeps a parameter the admin edited after spfdk set it, and says what it was before", () => {
    const edited = r.text
      .replace(
        "transport_maps = hash:/etc/postfix/transport",
        "transport_maps = hash:/etc/postfix/transport, hash:/etc/postfix/more",
      )
      .replace("debug_peer_level = 10", "debug_peer_level = 5");
    const removed = removeMainEdits(edited);
    expect(mainValue(removed.text, "transport_maps")).toBe(
      "hash:/etc/postfix/transport, hash:/etc/postfix/more",
    );
    expect(mainValue(removed.text, "debug_peer_level")).toBe("5");
    expect(mainValue(removed.text, "debug_peer_list")).toBeUndefined();
    expect(removed.text).not.toMatch(/^# spfdk(-owned|:)/m);
    expect(removed.warnings).toEqual([
      "main.cf: debug_peer_level was edited after spfdk set it; kept as it is (before spfdk: debug_peer_level = 3)",
      "main.cf: transport_maps was edited after spfdk set it; kept as it is",
    ]);
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
  it("restores a table without a final newline byte for byte", () => {
    const noEol = admin.replace(/\n$/, "");
    const r = applyTransportBlock(noEol, t);
    expect(r.text.startsWith(`${noEol}\n# BEGIN spfdk`)).toBe(true);
    expect(applyTransportBlock(r.text, t).text).toBe(r.text);
    expect(removeTransportBlock(r.text).text).toBe(noEol);
  });
  it("keeps the final newline when the admin wrote lines after spfdk's block", () => {
    const r = applyTransportBlock(admin.replace(/\n$/, ""), t);
    const later = `${r.text}example.org\tsmtp:[mx.example.org]\n`;
    expect(removeTransportBlock(later).text).toBe(`${admin}example.org\tsmtp:[mx.example.org]\n`);
  });
  it("records in the block whether spfdk created the file, and keeps that on re-apply", () => {
    const created = applyTransportBlock(null, t).text;
    expect(removeTransportBlock(created)).toMatchObject({
      text: "",
      data: { created: true, mapType: "hash" },
    });
    const again = applyTransportBlock(created, t).text;
    expect(again).toBe(created);
    expect(removeTransportBlock(applyTransportBlock("", t).text).data.created).toBeUndefined();
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
  const files = (transport: string | null) => ({ main, master: fixture("master.cf.debian"), transport });
  const textOf = (r: ReturnType<typeof applyPlan>, f: string) => r.files.find((x) => x.file === f)!.text;

  it("deletes a transport table spfdk created, with its indexed map, when nothing else is in it", () => {
    const applied = applyPlan(files(null), plan(["transport"], { mapType: "dbm" }));
    const removed = removePlan({
      main: textOf(applied, "main.cf"),
      master: "",
      transport: textOf(applied, "transport"),
    });
    expect(removed.files.find((f) => f.file === "transport")).toMatchObject({
      changed: true,
      deleted: true,
      text: "",
      indexSuffixes: [".dir", ".pag"],
    });
    expect(removed.files.find((f) => f.file === "main.cf")!.text).toBe(main);
  });
  it("keeps a table spfdk created once the admin has added routes to it, and an admin's empty table", () => {
    const created = textOf(applyPlan(files(null), plan(["transport"])), "transport");
    const withAdmin = removePlan({ main, master: "", transport: `example.org\t:\n${created}` });
    expect(withAdmin.files.find((f) => f.file === "transport")).toMatchObject({
      deleted: false,
      text: "example.org\t:\n",
    });
    const empty = textOf(applyPlan(files(""), plan(["transport"])), "transport");
    const kept = removePlan({ main, master: "", transport: empty }).files.find((f) => f.file === "transport");
    expect(kept).toMatchObject({ deleted: false, text: "", changed: true });
  });
  it("keeps (empty) a table spfdk created while main.cf still names it in a list the admin edited", () => {
    const applied = applyPlan(files(null), plan(["transport"]));
    const main2 = textOf(applied, "main.cf").replace(
      "transport_maps = hash:/etc/postfix/transport",
      "transport_maps = hash:/etc/postfix/transport, hash:/etc/postfix/mine",
    );
    const input = { main: main2, master: "", transport: textOf(applied, "transport") };
    const kept = removePlan({ ...input, transportFile: "/etc/postfix/transport" });
    expect(kept.files.find((f) => f.file === "transport")).toMatchObject({ deleted: false, text: "" });
    expect(kept.warnings).toContain(
      "transport: main.cf still uses the table spfdk created (transport_maps), so it is kept, empty",
    );
    expect(paramsUsing(main2, "/etc/postfix/transport")).toEqual(["transport_maps"]);
    expect(paramsUsing(main2, "/etc/postfix/trans")).toEqual([]);
  });
  it("applying without --transport takes away a table spfdk created earlier", () => {
    const created = textOf(applyPlan(files(null), plan(["transport"])), "transport");
    const r = applyPlan(files(created), plan(["debug"]));
    expect(r.files.find((f) => f.file === "transport")).toMatchObject({ deleted: true });
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
