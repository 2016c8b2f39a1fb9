/** Human output of `spfdk verify`: one line per signature, details indented, colour optional. */
import type { DkimOutcome } from "../dkim/results.js";
import type { DomainKeysOutcome } from "../domainkeys/index.js";
import type { Style } from "./style.js";

function colourFor(s: Style, result: string): (t: string) => string {
  if (result === "pass") return s.ok;
  if (result === "temperror" || result === "neutral" || result === "policy") return s.warn;
  return s.bad;
}

/** One line for a DKIM outcome plus indented detail lines. */
export function renderDkimOutcome(o: DkimOutcome, s: Style): string[] {
  const head = `${colourFor(s, o.result)(`dkim=${o.result}`)} d=${o.domain || "?"} s=${o.selector || "?"} a=${o.algorithm || "?"}`;
  const extra = [
    o.failure ? `(${o.failure === "body-hash" ? "body hash" : o.failure})` : "",
    o.tag ? `(tag ${o.tag})` : "",
    o.testing ? s.warn("[key t=y: testing]") : "",
    o.legacy ? s.warn("[legacy]") : "",
  ].filter((x) => x);
  const lines = [[head, ...extra].join(" ")];
  lines.push(`  ${o.reason}`);
  if (o.bodyHash) {
    lines.push(`  computed bh=${o.bodyHash.computed}`);
    lines.push(`  expected bh=${o.bodyHash.expected}`);
  }
  for (const w of o.warnings) lines.push(`  ${s.warn(`warning: ${w}`)}`);
  return lines;
}

/** One line for a DomainKeys outcome plus its reason. */
export function renderDomainKeysOutcome(o: DomainKeysOutcome, s: Style): string[] {
  const head = `${colourFor(s, o.result)(`domainkeys=${o.result}`)} d=${o.domain || "?"} s=${o.selector || "?"} a=${o.algorithm}`;
  return [`${head}${o.testing ? ` ${s.warn("[key t=y: testing]")}` : ""}`, `  ${o.reason}`];
}
