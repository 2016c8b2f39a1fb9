/** Human output of `spfdk verify`: one line per signature, details indented, colour optional. */
import type { DkimOutcome } from "../dkim/results.js";
import type { DomainKeysOutcome } from "../domainkeys/index.js";
import type { Style } from "./style.js";

/**
 * Text from the message (tag values, a decoded i=) or from DNS (check-key's TXT records) with
 * control characters shown as "?", so that hostile input cannot move the cursor or recolour the
 * terminal.
 */
export const clean = (text: string) => text.replace(/[\x00-\x1f\x7f]/g, "?");

function colourFor(s: Style, result: string): (t: string) => string {
  if (result === "pass") return s.ok;
  if (result === "temperror" || result === "neutral" || result === "policy") return s.warn;
  return s.bad;
}

/** One line for a DKIM outcome plus indented detail lines. */
export function renderDkimOutcome(o: DkimOutcome, s: Style): string[] {
  const head = `${colourFor(s, o.result)(`dkim=${o.result}`)} d=${clean(o.domain) || "?"} s=${clean(o.selector) || "?"} a=${clean(o.algorithm) || "?"}`;
  const extra = [
    o.failure ? `(${o.failure === "body-hash" ? "body hash" : o.failure})` : "",
    o.tag ? `(tag ${o.tag})` : "",
    o.testing ? s.warn("[key t=y: testing]") : "",
    o.legacy ? s.warn("[legacy]") : "",
  ].filter((x) => x);
  const lines = [[head, ...extra].join(" ")];
  lines.push(`  ${clean(o.reason)}`);
  if (o.bodyHash) {
    lines.push(`  computed bh=${o.bodyHash.computed}`);
    lines.push(`  expected bh=${o.bodyHash.expected}`);
  }
  for (const w of o.warnings) lines.push(`  ${s.warn(`warning: ${clean(w)}`)}`);
  return lines;
}

/**
 * One line for a DomainKeys outcome plus its reason, and, outside legacy rules, a note that a pass
 * does not count for the exit code (rsa-sha1, RFC 8301 §3.1).
 */
export function renderDomainKeysOutcome(o: DomainKeysOutcome, s: Style, legacy: boolean): string[] {
  const head = `${colourFor(s, o.result)(`domainkeys=${o.result}`)} d=${clean(o.domain) || "?"} s=${clean(o.selector) || "?"} a=${o.algorithm}`;
  // The identity the signature speaks for (permerror reasons already name it).
  const from =
    o.identity && o.result !== "permerror"
      ? `; identity ${o.identity.address} (${o.identity.source === "sender" ? "Sender" : "From"})`
      : "";
  const lines = [
    `${head}${o.testing ? ` ${s.warn("[key t=y: testing]")}` : ""}`,
    `  ${clean(o.reason + from)}`,
  ];
  if (o.result === "pass" && !legacy) {
    lines.push(
      `  ${s.warn("note: not counted for the exit code (rsa-sha1, RFC 8301 §3.1); --legacy counts it")}`,
    );
  }
  return lines;
}
