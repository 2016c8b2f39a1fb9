/**
 * The SPF policy service's decision (`spfdk policy`, Postfix SMTPD_POLICY_README): one request of
 * `name=value` attributes in, one access(5) action out. At RCPT time the client's address, HELO
 * and MAIL FROM are checked (RFC 7208); a result the admin chose to refuse gets a 5xx (fail: 550
 * 5.7.23, RFC 7372) or a 4xx (temperror with --defer-temperror: 451 4.4.3, RFC 7208 §8.6), anything
 * else a `PREPEND Received-SPF:` (RFC 7208 §9.1) once per message. Loopback and the networks the
 * admin lists, and SASL-authenticated clients, are not checked.
 */
import type { Resolver } from "../dns/resolver.js";
import { parseClientIp, samePrefix } from "../spf/ip-address.js";
import { receivedSpfHeader } from "../spf/headers.js";
import { checkSpf, type IdentityOutcome, type SpfScope } from "../spf/identities.js";
import type { SpfResult } from "../spf/types.js";

/** A network not to check (CIDR). */
export interface SkipNetwork {
  version: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

/** Parses "192.0.2.0/24", "2001:db8::/32" or a bare address; null when it is not one. */
export function parseNetwork(text: string): SkipNetwork | null {
  const [addr = "", len] = text.trim().split("/");
  const ip = parseClientIp(addr);
  if (ip === null || (len !== undefined && !/^\d{1,3}$/.test(len))) return null;
  const max = ip.version === 4 ? 32 : 128;
  const prefix = len === undefined ? max : Number(len);
  if (prefix > max) return null;
  return { version: ip.version, bytes: ip.bytes, prefix };
}

/** Options of {@link createPolicy}. */
export interface PolicyOptions {
  resolver: Resolver;
  /** The receiving host (Received-SPF `receiver=`, %{r}). */
  receiver: string;
  /** Results to refuse with a 5xx (default: fail). */
  reject: readonly SpfResult[];
  /** Answer temperror with 451 4.4.3 instead of accepting with a header. */
  deferTemperror: boolean;
  /** Which identities to check (check-spf's --scope). */
  scope: SpfScope;
  /** Clients not to check (default loopback). */
  skip: readonly SkipNetwork[];
  now: () => Date;
  /** Messages whose verdict is remembered, to prepend one header per message (default 1000). */
  memory?: number;
}

/** One decision: the action line's value and what it was based on (for the log). */
export interface PolicyDecision {
  action: string;
  /** What the log says: "skipped (...)", or the results. */
  note: string;
  results: { identity: string; domain: string; result: SpfResult }[];
}

const DUNNO = (note: string): PolicyDecision => ({ action: "DUNNO", note, results: [] });

/** A policy: `decide` answers one request (attribute names lower-case as Postfix sends them). */
export function createPolicy(o: PolicyOptions): {
  decide(req: ReadonlyMap<string, string>): Promise<PolicyDecision>;
} {
  // instance -> the decision of its first recipient (the header is prepended once per message).
  const seen = new Map<string, PolicyDecision>();
  const memory = o.memory ?? 1000;
  return {
    async decide(req) {
      if (req.get("request") !== "smtpd_access_policy") return DUNNO("not an smtpd_access_policy request");
      const state = (req.get("protocol_state") ?? "").toUpperCase();
      if (state !== "RCPT") return DUNNO(`protocol_state ${state || "(none)"}: only RCPT is checked`);
      if (req.get("sasl_username")) return DUNNO("skipped (SASL-authenticated client)");
      const addr = req.get("client_address") ?? "";
      const ip = parseClientIp(addr);
      if (ip === null) return DUNNO(`skipped (no usable client_address "${addr}")`);
      if (o.skip.some((n) => n.version === ip.version && samePrefix(n.bytes, ip.bytes, n.prefix))) {
        return DUNNO(`skipped (${addr} is in --skip)`);
      }
      const instance = req.get("instance") ?? "";
      const earlier = instance ? seen.get(instance) : undefined;
      if (earlier) {
        // Another recipient of the same message: the same verdict, without a second header.
        return earlier.action.startsWith("PREPEND ")
          ? { ...earlier, action: "DUNNO", note: `${earlier.note} (header already added)` }
          : earlier;
      }
      const helo = req.get("helo_name") ?? "";
      const sender = req.get("sender") ?? "";
      const ids = await checkSpf({
        ip: addr,
        sender,
        helo,
        scope: o.scope,
        resolver: o.resolver,
        receiver: o.receiver,
        now: o.now,
      });
      const decision = decideOn(ids, { ip: addr, helo, receiver: o.receiver, mailFrom: sender }, o);
      if (instance) {
        seen.set(instance, decision);
        if (seen.size > memory) seen.delete(seen.keys().next().value!);
      }
      return decision;
    },
  };
}

function decideOn(
  ids: IdentityOutcome[],
  ctx: { ip: string; helo: string; receiver: string; mailFrom: string },
  o: PolicyOptions,
): PolicyDecision {
  const results = ids.map((i) => ({ identity: i.identity, domain: i.domain, result: i.outcome.result }));
  const note = results.map((r) => `${r.identity === "helo" ? "helo" : "mfrom"}=${r.result}`).join(" ");
  for (const id of ids) {
    const out = id.outcome;
    const who = id.identity === "helo" ? `HELO ${id.domain}` : `<${id.sender}>`;
    if (o.reject.includes(out.result)) {
      // RFC 7372: 5.7.23 for fail, 5.7.24 for the other refused results; §8.7: 550 5.5.2 permerror.
      const why =
        out.result === "fail"
          ? `SPF fail: ${("explanation" in out && out.explanation) || `${ctx.ip} is not allowed to send mail for ${who}`}`
          : `SPF ${out.result} for ${who} from ${ctx.ip}`;
      const code = out.result === "fail" ? "5.7.23" : out.result === "permerror" ? "5.5.2" : "5.7.24";
      return { action: `550 ${code} ${oneLine(why)}`, note, results };
    }
    if (out.result === "temperror" && o.deferTemperror) {
      return {
        action: `451 4.4.3 ${oneLine(`SPF temporary error for ${who}: ${out.detail}`)}`,
        note,
        results,
      };
    }
  }
  // One header per action: the last identity checked (MAIL FROM when both are).
  const headers = ids.map((id) => receivedSpfHeader(id, ctx));
  return { action: `PREPEND ${oneLine(headers[headers.length - 1]!)}`, note, results };
}

/** An action text stays one printable line (a policy reply is line-based). */
function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, " ").replace(/[^\x20-\x7e]/g, "?");
}
