/**
 * The question flow of `spfdk spf-wizard` for SPF. It asks only what the flags did not answer; with
 * no `Ask` (--yes, or no terminal) it takes the defaults. Each list answer is re-asked until the
 * record built so far has no problem (bad name, over 10 lookups, over 512 bytes).
 */
import { domainNameProblem } from "../dns/names.js";
import { buildSpfRecord, emptySpfPlan, type AllPolicy, type SpfPlan } from "../spf/record-builder.js";
import { existsProblem, hostProblem, networkProblem } from "../spf/record-builder-terms.js";
import type { Ask, ConfirmQuestion, Validate } from "./spf-wizard-ask.js";

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
  /** Not an answer: the default offered by the domain question (see `domainFromHostName`). */
  suggestedDomain?: string;
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

/**
 * The domain to offer as the default answer for a host named `host`: the name without its first
 * label, as Postfix's `mydomain` defaults from `myhostname`. Undefined when fewer than three labels
 * remain to guess from (`mail`, `localhost.localdomain`) or the rest is not a domain name.
 */
export function domainFromHostName(host: string): string | undefined {
  const labels = host.trim().toLowerCase().replace(/\.$/, "").split(".");
  if (labels.length < 3) return undefined;
  const domain = labels.slice(1).join(".");
  return domainNameProblem(domain) === null ? domain : undefined;
}

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
type TermField = "a" | "mx" | "ptr";

/** The list questions: message and one-line help. */
const LISTS: Readonly<Record<ListField, { message: string; help: string }>> = {
  aHosts: {
    message: "Other hosts that send mail (a:host), space-separated:",
    help: "Mail servers by host name, like out.example.com; their A/AAAA addresses are authorised. Leave empty for none.",
  },
  mxDomains: {
    message: "Domains whose MX hosts also send your mail (mx:domain):",
    help: "For example a backup MX operator's domain. Leave empty for none.",
  },
  ip4: {
    message: "IPv4 addresses or ranges that send mail (ip4:):",
    help: "Like 192.0.2.10 or 192.0.2.0/24 (CIDR). Leave empty for none.",
  },
  ip6: {
    message: "IPv6 addresses or ranges that send mail (ip6:):",
    help: "Like 2001:db8::25 or 2001:db8::/48. Leave empty for none.",
  },
  include: {
    message: "Third-party senders to include (include:):",
    help: "Your ISP's or mail provider's SPF domain, like _spf.example.net; each must publish SPF.",
  },
  exists: {
    message: "exists: domain-specs (macros allowed):",
    help: "Like %{i}._spf.example.com: a host passes when that name has an A record.",
  },
};

/** Asks the questions that add terms to `plan`, re-asking answers that would break the record. */
function termQuestions(plan: SpfPlan, ask: Ask, checks: FlowChecks) {
  // Every answer that adds a term must leave the record valid: its own problems (bad name, over
  // 10 lookups, over 512 bytes), then, once it includes anything, its whole include tree (DNS).
  // Checked for every such answer, so a later one cannot take a flag-given include tree over 10.
  const planProblem = async (change: Partial<SpfPlan>): Promise<string | null> => {
    const next = { ...plan, ...change };
    const p = buildSpfRecord(next).problems[0] ?? null;
    if (p !== null || !checks.treeProblem || next.include.length === 0) return p;
    return checks.treeProblem(next);
  };
  return {
    /** A list answer; each item is checked by `item`, then the record with the whole list. */
    async list(field: ListField, item: (s: string) => string | null | Promise<string | null>) {
      const whole = (items: string[]) => planProblem({ [field]: items });
      const validate: Validate = (answer) => listProblem(splitList(answer), item, whole);
      plan[field] = splitList(await ask.input({ ...LISTS[field], default: "", validate }));
    },
    /** A yes/no term: "yes" is refused (and asked again) when the term would break the record. */
    async term(field: TermField, q: ConfirmQuestion) {
      const validate = (yes: boolean) => (yes ? planProblem({ [field]: true }) : null);
      plan[field] = await ask.confirm({ ...q, validate });
    },
  };
}

/**
 * Asks the SPF questions. `ask` null: nothing is asked and defaults fill the gaps. Returns the plan;
 * never throws for answers (the caller checks `buildSpfRecord(plan).problems` for flag-given ones).
 */
export async function askSpf(given: GivenSpf, ask: Ask | null, checks: FlowChecks = {}): Promise<SpfPlan> {
  const domain = given.domain ?? (ask ? await askDomain(ask, given.suggestedDomain) : "");
  const plan: SpfPlan = {
    ...emptySpfPlan(domain),
    // Until its question is answered a term is off, so earlier answers are not checked with it.
    a: given.a ?? (ask ? false : SPF_DEFAULTS.a),
    aHosts: given.aHost ?? [],
    mx: given.mx ?? (ask ? false : SPF_DEFAULTS.mx),
    mxDomains: given.mxDomain ?? [],
    ip4: given.ip4 ?? [],
    ip6: given.ip6 ?? [],
    include: given.include ?? [],
    exists: given.exists ?? [],
    ptr: given.ptr ?? SPF_DEFAULTS.ptr,
    all: given.all ?? SPF_DEFAULTS.all,
  };
  if (!ask) return plan;
  const q = termQuestions(plan, ask, checks);
  if (given.a === undefined) await q.term("a", aQuestion(domain));
  if (given.aHost === undefined) await q.list("aHosts", hostProblem);
  if (given.mx === undefined) await q.term("mx", mxQuestion(domain));
  if (given.mxDomain === undefined) await q.list("mxDomains", hostProblem);
  if (given.ip4 === undefined) await q.list("ip4", (s) => networkProblem(s, 4));
  if (given.ip6 === undefined) await q.list("ip6", (s) => networkProblem(s, 6));
  if (given.include === undefined) {
    await q.list("include", async (s) => hostProblem(s) ?? (await checks.includeProblem?.(s)) ?? null);
  }
  await askRare(plan, given, ask, q);
  if (given.all === undefined) plan.all = await askAll(ask, domain);
  return plan;
}

async function askDomain(ask: Ask, suggested: string | undefined): Promise<string> {
  const answer = await ask.input({
    message: "Domain to set up:",
    help: "The part after @ in the addresses you send from, like example.com.",
    default: suggested,
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
  ask: Ask,
  q: ReturnType<typeof termQuestions>,
): Promise<void> {
  if (given.exists !== undefined && given.ptr !== undefined) return;
  const wanted = await ask.confirm({
    message: "Add exists: or ptr terms? (rarely needed)",
    help: "Only for special setups; most domains answer no.",
    default: false,
  });
  if (!wanted) return;
  if (given.exists === undefined) await q.list("exists", existsProblem);
  if (given.ptr === undefined) {
    await q.term("ptr", {
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
