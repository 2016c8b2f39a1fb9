/**
 * The question flow of `spfdk spf-wizard` for SPF. It asks only what the flags did not answer; with
 * no `Ask` (--yes, or no terminal) it takes the defaults. Each list answer is re-asked until the
 * record built so far has no problem (bad name, over 10 lookups, over 512 bytes).
 */
import { domainNameProblem } from "../dns/names.js";
import { buildSpfRecord, emptySpfPlan, type AllPolicy, type SpfPlan } from "../spf/record-builder.js";
import { existsProblem, hostProblem, networkProblem } from "../spf/record-builder-terms.js";
import type { Ask, Validate } from "./spf-wizard-ask.js";

/** SPF answers given as flags (undefined = not given). */
export interface GivenSpf {
  domain?: string;
  a?: boolean;
  aHost?: string[];
  mx?: boolean;
  mxDomain?: string[];
  ip4?: string[];
  ip6?: string[];
  include?: string[];
  exists?: string[];
  ptr?: boolean;
  all?: AllPolicy;
}

/** Checks the flow may run against DNS; absent when no resolver is available. */
export interface FlowChecks {
  /** Why `host` cannot be included (no SPF record), or null (also when DNS could not say). */
  includeProblem?: (host: string) => Promise<string | null>;
  /** Why the plan's record fails in its whole include tree (over 10 lookups), or null. */
  treeProblem?: (plan: SpfPlan) => Promise<string | null>;
}

/** Defaults taken for unanswered questions: mx yes (the Postfix host that receives usually sends). */
export const SPF_DEFAULTS = { a: false, mx: true, ptr: false, all: "softfail" as AllPolicy };

/** Splits a list answer at spaces and commas. */
export function splitList(answer: string): string[] {
  return answer.split(/[\s,]+/).filter((s) => s.length > 0);
}

/** The first reason a list answer is not acceptable: an item's own problem, then the record's. */
async function listProblem(
  items: string[],
  item: (s: string) => string | null | Promise<string | null>,
  whole: (items: string[]) => string | null | Promise<string | null>,
): Promise<string | null> {
  for (const s of items) {
    const p = await item(s);
    if (p !== null) return p;
  }
  return whole(items);
}

type ListField = "aHosts" | "mxDomains" | "ip4" | "ip6" | "include" | "exists";

/**
 * Asks the SPF questions. `ask` null: nothing is asked and defaults fill the gaps. Returns the plan;
 * never throws for answers (the caller checks `buildSpfRecord(plan).problems` for flag-given ones).
 */
export async function askSpf(given: GivenSpf, ask: Ask | null, checks: FlowChecks = {}): Promise<SpfPlan> {
  const domain = given.domain ?? (ask ? await askDomain(ask) : "");
  const plan: SpfPlan = {
    ...emptySpfPlan(domain),
    aHosts: given.aHost ?? [],
    mxDomains: given.mxDomain ?? [],
    ip4: given.ip4 ?? [],
    ip6: given.ip6 ?? [],
    include: given.include ?? [],
    exists: given.exists ?? [],
  };
  // The record so far must stay valid; for include: and exists: its include tree too (DNS).
  const wholeProblem = (field: ListField) => async (items: string[]) => {
    const next = { ...plan, [field]: items };
    const p = buildSpfRecord(next).problems[0] ?? null;
    if (p !== null || !checks.treeProblem || (field !== "include" && field !== "exists")) return p;
    return checks.treeProblem(next);
  };
  const list = async (
    field: ListField,
    givenList: string[] | undefined,
    message: string,
    help: string,
    item: (s: string) => string | null | Promise<string | null>,
  ) => {
    if (givenList !== undefined || !ask) return;
    const validate: Validate = (answer) => listProblem(splitList(answer), item, wholeProblem(field));
    plan[field] = splitList(await ask.input({ message, help, default: "", validate }));
  };

  plan.a = given.a ?? (ask ? await ask.confirm(aQuestion(domain)) : SPF_DEFAULTS.a);
  await list(
    "aHosts",
    given.aHost,
    "Other hosts that send mail (a:host), space-separated:",
    "Name servers by host name; their A/AAAA addresses are authorised. Leave empty for none.",
    hostProblem,
  );
  plan.mx = given.mx ?? (ask ? await ask.confirm(mxQuestion(domain)) : SPF_DEFAULTS.mx);
  await list(
    "mxDomains",
    given.mxDomain,
    "Domains whose MX hosts also send your mail (mx:domain):",
    "For example a backup MX operator's domain. Leave empty for none.",
    hostProblem,
  );
  await list(
    "ip4",
    given.ip4,
    "IPv4 addresses or ranges that send mail (ip4:):",
    "Like 192.0.2.10 or 192.0.2.0/24 (CIDR). Leave empty for none.",
    (s) => networkProblem(s, 4),
  );
  await list(
    "ip6",
    given.ip6,
    "IPv6 addresses or ranges that send mail (ip6:):",
    "Like 2001:db8::25 or 2001:db8::/48. Leave empty for none.",
    (s) => networkProblem(s, 6),
  );
  await list(
    "include",
    given.include,
    "Third-party senders to include (include:):",
    "Your ISP's or mail provider's SPF domain, like _spf.example.net; each must publish SPF.",
    async (s) => hostProblem(s) ?? (checks.includeProblem ? await checks.includeProblem(s) : null),
  );
  await askRare(plan, given, ask, wholeProblem("exists"));
  plan.all = given.all ?? (ask ? await askAll(ask, domain) : SPF_DEFAULTS.all);
  return plan;
}

async function askDomain(ask: Ask): Promise<string> {
  const answer = await ask.input({
    message: "Domain to set up:",
    help: "The part after @ in the addresses you send from, like example.com.",
    validate: (d) => {
      const p = domainNameProblem(d.trim());
      return p === null ? null : `"${d.trim()}" ${p}`;
    },
  });
  return answer.trim().replace(/\.$/, "").toLowerCase();
}

function aQuestion(domain: string) {
  return {
    message: `Do ${domain}'s own address hosts (A/AAAA) send mail? (a)`,
    help: `Yes if the host that ${domain} itself points to is also a mail server.`,
    default: SPF_DEFAULTS.a,
  };
}

function mxQuestion(domain: string) {
  return {
    message: `Do ${domain}'s MX hosts also send its mail? (mx)`,
    help: "Yes if the Postfix servers that receive your mail also send it (the usual case).",
    default: SPF_DEFAULTS.mx,
  };
}

/** exists: and ptr only on request; ptr comes with its deprecation warning. */
async function askRare(
  plan: SpfPlan,
  given: GivenSpf,
  ask: Ask | null,
  whole: (items: string[]) => Promise<string | null>,
): Promise<void> {
  plan.ptr = given.ptr ?? SPF_DEFAULTS.ptr;
  if (!ask || (given.exists !== undefined && given.ptr !== undefined)) return;
  const wanted = await ask.confirm({
    message: "Add exists: or ptr terms? (rarely needed)",
    help: "Only for special setups; most domains answer no.",
    default: false,
  });
  if (!wanted) return;
  if (given.exists === undefined) {
    const validate: Validate = (answer) => listProblem(splitList(answer), existsProblem, whole);
    plan.exists = splitList(
      await ask.input({
        message: "exists: domain-specs (macros allowed):",
        help: "Like %{i}._spf.example.com: a host passes when that name has an A record.",
        default: "",
        validate,
      }),
    );
  }
  if (given.ptr === undefined) {
    plan.ptr = await ask.confirm({
      message: `Authorise any host whose name ends in ${plan.domain}? (ptr)`,
      help: "Deprecated (RFC 7208 §5.5): slow, unreliable, and some receivers ignore it. Answer no.",
      default: false,
    });
  }
}

/** The wizard's last SPF question, as in the original web wizard, then the policy itself. */
async function askAll(ask: Ask, domain: string): Promise<AllPolicy> {
  const complete = await ask.confirm({
    message: `Do these describe every host that sends mail from ${domain}?`,
    help: "Yes forbids others to use your domain in the envelope sender; no publishes ?all (no policy).",
    default: true,
  });
  if (!complete) return "neutral";
  return ask.select<AllPolicy>({
    message: "What should receivers do with mail from other hosts?",
    help: "Start with ~all while testing, as the original setup advises; switch to -all once all is well.",
    choices: [
      {
        value: "softfail",
        name: "~all  softfail",
        description: "accept but mark (recommended while testing)",
      },
      { value: "fail", name: "-all  fail", description: "reject mail from unlisted hosts" },
      { value: "neutral", name: "?all  neutral", description: "no statement about unlisted hosts" },
    ],
    default: "softfail",
  });
}
