/**
 * The DKIM vectors of ../shared/conformance/dkim/vectors.json (type "dkim"): with --legacy every
 * vector gives the manifest's `expect` (Mail::DKIM's words); in the default (RFC 8301) mode every
 * vector with a legacy profile gives a non-pass, and the others give `expect`.
 */
import { expect, it } from "@jest/globals";
import { createRelaxedKernel } from "../../src/dkim/relaxed-kernel.js";
import { verifyMessage } from "../../src/dkim/verify-message.js";
import {
  loadVectors,
  manifestWord,
  selected,
  vectorBytes,
  vectorResolver,
  type DkimVector,
  describeVectors,
} from "./vectors-support.js";

const vectors = selected(loadVectors().filter((v) => v.type === "dkim"));
const SKIPPED = vectors.filter((v) => v.skip_reason);
const RUN = vectors.filter((v) => !v.skip_reason);
const NOW = new Date("2026-11-25T12:00:00Z");

/** Where spfdk reports more than Mail::DKIM's per_signature list, and why. */
const EXTRA_SIGNATURES: Record<string, string> = {
  "mail-dkim/corpus/multiple_2.eml":
    "the 4th field, `DKIM-Signature: synerr`, is reported as permerror; Mail::DKIM drops it silently",
};

/** Where spfdk's result deliberately differs from Mail::DKIM's word, and why. */
const DIFFERENT_RESULT: Record<string, { want: string; why: string }> = {
  "mail-dkim/corpus/ignore_7.eml": {
    want: "fail",
    why: "x= is in the past: a readable signature that is no longer valid is dkim=fail (RFC 8601 §2.7.1; dkimpy too), Mail::DKIM says invalid",
  },
};

/**
 * Profiles that RFC 8301 / RFC 6376 make non-pass in the default mode. The g= key tag alone is not
 * one: RFC 6376 removed g=, so a verifier ignores it like any unknown tag (dkimpy does too).
 */
const NON_PASS_BY_DEFAULT = /rsa-sha1|-bit RSA key|pre-standard-draft|DomainKeys/;

async function run(v: DkimVector, legacy: boolean) {
  const r = await verifyMessage([vectorBytes(v.file)], { resolver: vectorResolver(v.dns), legacy, now: NOW });
  if (r.kind !== "ok") throw new Error(`message problem ${JSON.stringify(r.problem)}`);
  return r.dkim;
}

function overall(results: string[]): string {
  if (results.includes("pass")) return "pass";
  if (results.includes("fail")) return "fail";
  return "invalid";
}

describeVectors("DKIM vectors, --legacy (manifest expect)", () => {
  if (SKIPPED.length > 0) {
    it.each(SKIPPED.map((v) => [v.file, v.skip_reason!]))("SKIPPED %s: %s", (_f, reason) => {
      expect(reason.length).toBeGreaterThan(0);
    });
  }
  it.each(RUN.map((v) => [v.file, v] as const))("%s", async (_f, v) => {
    const outcomes = await run(v, true);
    expect(outcomes.length).toBeGreaterThan(0);
    const words = outcomes.map((o) => manifestWord(o.result));
    if (v.per_signature) {
      if (EXTRA_SIGNATURES[v.file]) {
        expect(words.slice(v.per_signature.length).every((w) => w === "invalid")).toBe(true);
        expect(words.slice(0, v.per_signature.length)).toEqual(v.per_signature);
      } else expect(words).toEqual(v.per_signature);
    }
    const want = DIFFERENT_RESULT[v.file]?.want ?? (v.expect === "pass-if-LF-normalised" ? "pass" : v.expect);
    expect({ overall: overall(words), outcomes }).toMatchObject({ overall: want });
  });
});

describeVectors("DKIM vectors, default RFC 8301 mode", () => {
  it.each(RUN.map((v) => [v.file, v] as const))("%s", async (_f, v) => {
    const outcomes = await run(v, false);
    const words = outcomes.map((o) => manifestWord(o.result));
    const legacyOnly = (v.profile ?? []).some((p) => NON_PASS_BY_DEFAULT.test(p));
    const want = DIFFERENT_RESULT[v.file]?.want ?? (v.expect === "pass-if-LF-normalised" ? "pass" : v.expect);
    if (legacyOnly) expect({ overall: overall(words), outcomes }).not.toMatchObject({ overall: "pass" });
    else expect({ overall: overall(words), outcomes }).toMatchObject({ overall: want });
  });
});

describeVectors("DKIM vectors with a long-running verifier's keyCache and relaxed kernel", () => {
  // One cache and one kernel across all vectors, as a daemon keeps them: outcomes as without.
  const keyCache = new Map();
  const relaxedKernel = createRelaxedKernel();
  it.each(RUN.map((v) => [v.file, v] as const))("%s", async (_f, v) => {
    for (const legacy of [true, false]) {
      const o = { resolver: vectorResolver(v.dns), legacy, now: NOW };
      const plain = await verifyMessage([vectorBytes(v.file)], o);
      const fast = await verifyMessage([vectorBytes(v.file)], { ...o, keyCache, relaxedKernel });
      expect(fast).toEqual(plain);
    }
  });
});
