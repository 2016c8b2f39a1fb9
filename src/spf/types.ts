/** Types shared by the SPF core: the record AST and the check_host() outcome (RFC 7208). */

/** Qualifier of a directive (RFC 7208 §4.6.2); "+" when omitted. */
export type Qualifier = "+" | "-" | "~" | "?";

/** The result a qualifier gives when its mechanism matches (RFC 7208 §4.6.2). */
export const QUALIFIER_RESULT = { "+": "pass", "-": "fail", "~": "softfail", "?": "neutral" } as const;

/** An IP network of an ip4/ip6 mechanism. */
export interface IpNetwork {
  /** 4 bytes for ip4, 16 bytes for ip6. */
  bytes: Uint8Array;
  prefix: number;
}

/** A mechanism (RFC 7208 §5), parsed. Domain specs are kept unexpanded (macros are expanded at check time). */
export type Mechanism =
  | { kind: "all" }
  | { kind: "include"; domainSpec: string }
  | { kind: "a" | "mx"; domainSpec: string | null; cidr4: number | null; cidr6: number | null }
  | { kind: "ptr"; domainSpec: string | null }
  | { kind: "ip4" | "ip6"; network: IpNetwork }
  | { kind: "exists"; domainSpec: string };

/** Where a term sits in the record text (0-based, end exclusive). */
export interface Span {
  start: number;
  end: number;
}

/** A directive: qualifier plus mechanism. */
export interface DirectiveTerm extends Span {
  type: "directive";
  qualifier: Qualifier;
  mechanism: Mechanism;
  /** The term exactly as written. */
  text: string;
}

/** A modifier (RFC 7208 §6): redirect=, exp= or an unknown one (which is ignored). */
export interface ModifierTerm extends Span {
  type: "modifier";
  /** Lower-cased name. */
  name: string;
  value: string;
  text: string;
}

/** One term of a record. */
export type Term = DirectiveTerm | ModifierTerm;

/** A parsed SPF record: its terms in order, plus the redirect/exp modifiers picked out. */
export interface SpfRecord {
  text: string;
  terms: Term[];
  redirect: ModifierTerm | null;
  exp: ModifierTerm | null;
}

/** The error codes of a permerror. */
export type SpfErrorCode =
  | "MULTIPLE_RECORDS"
  | "SYNTAX"
  | "LOOKUP_LIMIT"
  | "VOID_LIMIT"
  | "BAD_MACRO"
  | "INCLUDE_NONE"
  | "REDIRECT_NONE"
  | "MX_LIMIT"
  | "INVALID_DOMAIN";

/** Where in which record a term is: the domain whose record holds it and the term text. */
export interface TermRef {
  domain: string;
  term: string;
  /** The whole record the term is in. */
  record: string;
  /** Position of the term in the record. */
  start: number;
  end: number;
}

/** Lookup counts of one check (RFC 7208 §4.6.4). */
export interface Counts {
  /** DNS-querying terms evaluated (include, a, mx, ptr, exists, redirect). */
  lookups: number;
  /** Terms whose DNS lookups returned NXDOMAIN or no records. */
  voidLookups: number;
}

/** A check_host() outcome; result names are RFC 7208 §2.6 verbatim. */
export type SpfOutcome = Counts & { domain: string } & (
    | {
        result: "pass" | "fail" | "softfail" | "neutral";
        /** The directive that matched, or null when none did (default neutral, RFC 7208 §4.7). */
        matched: TermRef | null;
        /** For fail only: the explanation (exp= text, or the default one, RFC 7208 §6.2). */
        explanation?: string;
      }
    | { result: "none"; why: "no-record" | "nxdomain" | "invalid-domain"; detail: string }
    | { result: "temperror"; detail: string }
    | {
        result: "permerror";
        code: SpfErrorCode;
        detail: string;
        /** The offending term, when one is to blame. */
        term?: TermRef;
      }
  );

/** The names of the seven results. */
export type SpfResult = SpfOutcome["result"];

/** Helper for exhaustive switches. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}
