/** Rendering of SPF check results for `spfdk check-spf`: text, trace tree, JSON and exit codes. */

import type { SpfTraceEvent } from "../spf/check-state.js";
import { authenticationResultsHeader, receivedSpfHeader, type HeaderContext } from "../spf/headers.js";
import type { IdentityOutcome } from "../spf/identities.js";
import { assertNever, type SpfOutcome } from "../spf/types.js";
import { ExitCode } from "./exit-codes.js";
import type { Style } from "./style.js";

/** Exit code for one outcome: pass 0; fail, softfail, neutral, none 1; temperror 3; permerror 4. */
export function exitCodeForSpf(o: SpfOutcome): number {
  switch (o.result) {
    case "pass":
      return ExitCode.Ok;
    case "fail":
    case "softfail":
    case "neutral":
    case "none":
      return ExitCode.Negative;
    case "temperror":
      return ExitCode.TempError;
    case "permerror":
      return ExitCode.PermError;
    default:
      return assertNever(o);
  }
}

/** The highest exit code of several identities (permerror 4 > temperror 3 > not pass 1 > pass 0). */
export function exitCodeForIdentities(ids: readonly IdentityOutcome[]): number {
  return Math.max(ExitCode.Ok, ...ids.map((i) => exitCodeForSpf(i.outcome)));
}

/** The JSON form of one identity's outcome (flat: identity fields then the outcome). */
export function identityJson(id: IdentityOutcome): Record<string, unknown> {
  return {
    identity: id.identity,
    sender: id.sender,
    nullSender: id.nullSender,
    ...id.outcome,
    domain: id.domain,
  };
}

function colourResult(s: Style, o: SpfOutcome): string {
  const r = o.result;
  if (r === "pass") return s.ok(r);
  if (r === "fail" || r === "permerror") return s.bad(r);
  return s.warn(r);
}

/** Human-readable lines for one identity. */
export function renderIdentity(id: IdentityOutcome, s: Style, voidLimit: number): string[] {
  const o = id.outcome;
  const what =
    id.identity === "helo"
      ? `HELO ${id.domain}`
      : id.nullSender
        ? `MAIL FROM <> (checked as ${id.sender})`
        : `MAIL FROM ${id.sender}`;
  const lines = [`${s.heading("SPF")} ${colourResult(s, o)} for ${what}`];
  switch (o.result) {
    case "pass":
    case "fail":
    case "softfail":
    case "neutral":
      lines.push(
        o.matched
          ? `  matched:     ${o.matched.term}  (in the record of ${o.matched.domain}: "${o.matched.record}")`
          : "  matched:     no term matched; the default result is neutral (RFC 7208 §4.7)",
      );
      if (o.explanation !== undefined) lines.push(`  explanation: ${o.explanation}`);
      break;
    case "none":
      lines.push(`  why:         ${o.detail}`);
      break;
    case "temperror":
      lines.push(`  problem:     ${o.detail}`, "  a receiver should defer (4xx) and retry later");
      break;
    case "permerror":
      lines.push(`  problem:     [${o.code}] ${o.detail}`);
      if (o.term)
        lines.push(`  term:        ${o.term.term}  (in the record of ${o.term.domain})`, ...pointAt(o.term));
      break;
    default:
      return assertNever(o);
  }
  lines.push(`  lookups:     ${o.lookups}/10   void lookups: ${o.voidLookups}/${voidLimit}`);
  return lines;
}

/** Two lines showing the record with a caret under the offending term. */
function pointAt(t: { record: string; start: number; end: number }): string[] {
  if (t.record.length > 200) return [];
  return [
    `               ${t.record}`,
    `               ${" ".repeat(t.start)}${"^".repeat(Math.max(1, t.end - t.start))}`,
  ];
}

/**
 * The whole human report: identities, a note when a HELO was given but not checked as an
 * identity (pyspf#46: users expect --helo to be checked), then the ready-to-paste header fields.
 */
export function renderReport(
  ids: readonly IdentityOutcome[],
  ctx: HeaderContext,
  s: Style,
  voidLimit: number,
): string {
  const lines: string[] = [];
  for (const id of ids) lines.push(...renderIdentity(id, s, voidLimit), "");
  if (ctx.helo !== "" && !ids.some((id) => id.identity === "helo" || id.nullSender)) {
    lines.push(s.dim(`HELO ${ctx.helo} was not checked as an identity (--scope both checks it too).`), "");
  }
  lines.push(s.dim("Header fields:"));
  for (const id of ids) lines.push(receivedSpfHeader(id, ctx));
  lines.push(authenticationResultsHeader(ids, ctx.receiver));
  return `${lines.join("\n")}\n`;
}

/** One trace line, indented by include/redirect depth; term lines show the counts before the term, result lines after. */
export function renderTraceEvent(e: SpfTraceEvent, voidLimit: number, s: Style): string {
  const pad = "  ".repeat(e.depth + 1);
  switch (e.kind) {
    case "record":
      return `${pad}${s.heading("record")} ${e.text}`;
    case "term":
      return `${pad}${s.heading("term")}   ${e.text}   ${s.dim(`[lookups ${e.lookups}/10, voids ${e.voidLookups}/${voidLimit}]`)}`;
    case "dns":
      return `${pad}  ${s.dim("dns")}  ${e.text}`;
    case "result":
      return `${pad}  => ${e.text}   ${s.dim(`[lookups ${e.lookups}/10, voids ${e.voidLookups}/${voidLimit}]`)}`;
    case "note":
      return `${pad}  ${s.dim("note")} ${e.text}`;
  }
}
