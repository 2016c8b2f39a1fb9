import { describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { unifiedDiff } from "../../src/postfix/unified-diff.js";

describe("unifiedDiff", () => {
  it("is empty for equal texts", () => {
    expect(unifiedDiff("a\n", "a\n", "x", "y")).toBe("");
  });
  it("matches diff -u for a simple change", () => {
    const d = unifiedDiff("a\nb\nc\n", "a\nB\nc\nd\n", "old", "new");
    expect(d).toBe("--- old\n+++ new\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n");
  });
  it("produces patches that `patch` applies exactly (random line edits)", () => {
    const dir = mkdtempSync(join(tmpdir(), "spfdk-diff-"));
    try {
      const lines = fc.array(fc.constantFrom("a", "b", "c", "d", "e", "f"), { maxLength: 30 });
      fc.assert(
        fc.property(lines, lines, (a, b) => {
          const before = a.map((l) => `${l}\n`).join("");
          const after = b.map((l) => `${l}\n`).join("");
          const diff = unifiedDiff(before, after, "f", "f");
          if (before === after) return diff === "";
          writeFileSync(join(dir, "f"), before);
          writeFileSync(join(dir, "p"), diff);
          const r = spawnSync("patch", ["-s", "-p0", "-d", dir, "-i", join(dir, "p")], { encoding: "utf8" });
          return r.status === 0 && readFileSync(join(dir, "f"), "utf8") === after;
        }),
        { numRuns: 60 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
