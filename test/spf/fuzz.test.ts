/**
 * Property/fuzz test: generated records and macro strings thrown at the parser, the linter, the
 * macro expander and check_host. None may throw; every check ends in one of the seven results.
 * CI runs 2 000 cases per property; `npm run fuzz` sets SPFDK_FUZZ_RUNS=100000.
 */
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { staticResolver } from "../../src/dns/static-resolver.js";
import { checkHost } from "../../src/spf/check-host.js";
import { parseClientIp } from "../../src/spf/ip-address.js";
import { lintSpfRecord } from "../../src/spf/lint.js";
import { expandTokens, parseMacroString } from "../../src/spf/macro.js";
import { parseSpfRecord } from "../../src/spf/parser.js";

const RUNS = Number(process.env.SPFDK_FUZZ_RUNS ?? 2000);
const SEED = process.env.SPFDK_FUZZ_SEED ? Number(process.env.SPFDK_FUZZ_SEED) : undefined;
const params = (numRuns: number) => ({ numRuns, ...(SEED === undefined ? {} : { seed: SEED }) });

const macro = fc
  .tuple(
    fc.constantFrom(..."slodiphvcrtSLODIPHVCRTxz"),
    fc.oneof(fc.constant(""), fc.integer({ min: 0, max: 300 }).map(String)),
    fc.constantFrom("", "r", "R"),
    fc.stringMatching(/^[-.+,/_=]{0,3}$/),
  )
  .map(([l, d, r, delim]) => `%{${l}${d}${r}${delim}}`);
const piece = fc.oneof(
  macro,
  fc.constantFrom("%%", "%_", "%-", "%", "%{", "}", ".", "-", "example.com", "_spf", "a", "x"),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: "binary", maxLength: 4 }),
);
const macroString = fc.array(piece, { maxLength: 12 }).map((p) => p.join(""));
const domainSpec = fc.oneof(
  fc.constantFrom(
    "example.com",
    "a.example",
    "loop.example",
    "void.example",
    "%{d}",
    "%{ir}.%{v}._spf.%{d2}",
  ),
  macroString,
);
const cidr = fc.oneof(
  fc.constant(""),
  fc.integer({ min: -1, max: 200 }).map((n) => `/${n}`),
  fc.constant("//64"),
  fc.constant("/024"),
);
const term = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("", "+", "-", "~", "?", "!"),
      fc.constantFrom("all", "a", "mx", "ptr", "include", "exists", "ip4", "ip6", "foo"),
      fc.constantFrom("", ":"),
      domainSpec,
      cidr,
    )
    .map((p) => p.join("")),
  fc
    .tuple(fc.constantFrom("ip4:", "ip6:"), fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 8 })), cidr)
    .map((p) => p.join("")),
  fc.tuple(fc.constantFrom("redirect=", "exp=", "moo=", "x.y-z="), domainSpec).map((p) => p.join("")),
  fc.string({ maxLength: 10 }),
);
const record = fc.oneof(
  fc.array(term, { maxLength: 30 }).map((t) => `v=spf1 ${t.join(" ")}`),
  fc.array(term, { maxLength: 30 }).map((t) => `V=SpF1${t.map((x) => `  ${x}`).join("")} `),
  fc.string({ maxLength: 60 }).map((s) => `v=spf1${s}`),
);

const values = (ip: string) => ({
  sender: "a.b-c@example.com",
  localPart: "a.b-c",
  senderDomain: "example.com",
  domain: "example.com",
  ip: parseClientIp(ip)!,
  helo: "mx.example.org",
  receiver: "rx",
  timestamp: 0,
  validatedName: async () => "unknown",
});

describe(`fuzz (${RUNS} runs per property)`, () => {
  it("parseSpfRecord and lintSpfRecord never throw, and spans point at their terms", () => {
    fc.assert(
      fc.property(record, (text) => {
        const r = parseSpfRecord(text);
        if (r.ok) for (const t of r.record.terms) expect(text.slice(t.start, t.end)).toBe(t.text);
        expect(Array.isArray(lintSpfRecord(text))).toBe(true);
      }),
      params(RUNS),
    );
  });

  it("macro strings parse or give a problem, and expand to bounded text", async () => {
    await fc.assert(
      fc.asyncProperty(
        macroString,
        fc.constantFrom("domain", "exp"),
        fc.constantFrom("192.0.2.1", "2001:db8::1"),
        async (s, ctx, ip) => {
          const p = parseMacroString(s, ctx as "domain" | "exp");
          if ("problem" in p) return;
          const out = await expandTokens(p.tokens, values(ip));
          expect(out.length).toBeLessThanOrEqual(s.length * 200);
        },
      ),
      params(RUNS),
    );
  });

  it("checkHost always returns one of the seven results for hostile zones", async () => {
    await fc.assert(
      fc.asyncProperty(
        record,
        record,
        fc.constantFrom("192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"),
        async (r1, r2, ip) => {
          const resolver = staticResolver({
            "example.com": { TXT: [r1], A: ["192.0.2.1"], MX: [{ preference: 1, exchange: "example.com" }] },
            "a.example": { TXT: [r2] },
            "loop.example": { TXT: ["v=spf1 include:loop.example"] },
            "void.example": { TXT: ["v=spf1 a mx exists:nx.void.example -all"] },
          });
          const o = await checkHost({
            ip,
            sender: "a.b-c@example.com",
            domain: "example.com",
            helo: "mx.example.org",
            resolver,
          });
          expect(["pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"]).toContain(
            o.result,
          );
          expect(o.lookups).toBeLessThanOrEqual(11);
        },
      ),
      params(Math.max(200, Math.floor(RUNS / 10))),
    );
  });

  it("hostile records end in bounded time: 10 000 terms, exploding macros, long senders", async () => {
    const long = "x".repeat(200);
    const resolver = staticResolver({
      "ten.example": { TXT: [`v=spf1 ${"ip4:10.0.0.1 ".repeat(10_000)}-all`] },
      "boom.example": { TXT: [`v=spf1 exists:${"%{s}".repeat(5000)}.x -all exp=e.boom.example`] },
      "e.boom.example": { TXT: ["%{s}".repeat(10_000)] },
    });
    const t0 = Date.now();
    const a = await checkHost({
      ip: "192.0.2.1",
      sender: `${long}@ten.example`,
      domain: "ten.example",
      helo: "h.example",
      resolver,
    });
    const b = await checkHost({
      ip: "192.0.2.1",
      sender: `${long}@boom.example`,
      domain: "boom.example",
      helo: "h.example",
      resolver,
    });
    expect([a.result, b.result]).toEqual(["fail", "fail"]);
    expect(b.result === "fail" && b.explanation!.length).toBeLessThanOrEqual(1000);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
