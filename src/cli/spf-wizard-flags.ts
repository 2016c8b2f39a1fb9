/**
 * The flags of `spfdk spf-wizard`: the zod schema, and the checks of flag combinations that zod
 * cannot see one flag at a time (a DKIM or DMARC detail given without, or against, its record).
 */
import { z } from "zod";
import { domainNameProblem, selectorProblem } from "../dns/names.js";
import { reportAddressProblem } from "../dmarc/record-builder.js";
import { RSA_KEY_SIZES } from "../dkim/keygen.js";
import { existsProblem, hostProblem, networkProblem } from "../spf/record-builder-terms.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { checkedString } from "./flags.js";
import { splitList } from "./spf-wizard-flow.js";

/** A variadic list flag: items may also be comma-separated; each must pass `problem`. */
const list = (problem: (s: string) => string | null) =>
  z
    .array(z.string())
    .transform((items) => items.flatMap(splitList))
    .superRefine((items, c) => {
      for (const item of items) {
        const p = problem(item);
        if (p !== null) c.addIssue({ code: "custom", message: p });
      }
    })
    .optional();

/** Every flag of the wizard; undefined means "not given" (asked, or defaulted with --yes). */
export const WizardFlags = z.object({
  domain: checkedString(domainNameProblem).optional(),
  a: z.boolean().optional(),
  aHost: list(hostProblem),
  mx: z.boolean().optional(),
  mxDomain: list(hostProblem),
  ip4: list((s) => networkProblem(s, 4)),
  ip6: list((s) => networkProblem(s, 6)),
  include: list(hostProblem),
  exists: list(existsProblem),
  ptr: z.boolean().optional(),
  all: z.enum(["softfail", "fail", "neutral"], { message: "must be softfail, fail or neutral" }).optional(),
  newKey: z.boolean().optional(),
  key: z.string().min(1).optional(),
  dkim: z.boolean().optional(),
  selector: checkedString(selectorProblem).optional(),
  keyType: z.enum(["rsa", "ed25519"], { message: "must be rsa or ed25519" }).optional(),
  bits: z.coerce
    .number({ message: "must be a number" })
    .refine((b) => (RSA_KEY_SIZES as readonly number[]).includes(b), {
      message: `must be one of ${RSA_KEY_SIZES.join(", ")} (under 1024 is refused, RFC 8301)`,
    })
    .optional(),
  keyDir: z.string().min(1).optional(),
  testing: z.boolean().optional(),
  domainkeys: z.boolean().optional(),
  dmarc: z.boolean().optional(),
  dmarcPolicy: z
    .enum(["none", "quarantine", "reject"], { message: "must be none, quarantine or reject" })
    .optional(),
  rua: list(reportAddressProblem),
  yes: z.boolean().default(false),
  format: z.enum(["text", "bind", "json"], { message: "must be text, bind or json" }).default("text"),
  json: z.boolean().default(false),
  out: z.string().min(1).optional(),
  force: z.boolean().default(false),
  offline: z.boolean().default(false),
  dns: z.string().optional(),
  zone: z.string().optional(),
  timeout: z.string().optional(),
  tries: z.string().optional(),
});
export type WizardFlags = z.infer<typeof WizardFlags>;

/** Flags that describe a new key only, and flags that describe any key record. */
const NEW_KEY_DETAILS = [
  ["keyType", "--key-type"],
  ["bits", "--bits"],
  ["keyDir", "--key-dir"],
] as const;
const KEY_DETAILS = [
  ...NEW_KEY_DETAILS,
  ["selector", "--selector"],
  ["testing", "--testing"],
  ["domainkeys", "--domainkeys"],
] as const;
const DMARC_DETAILS = [
  ["dmarcPolicy", "--dmarc-policy"],
  ["rua", "--rua"],
] as const;

const usage = (message: string) => new CliError(ExitCode.Usage, message);

/**
 * The DKIM answer the flags give: "new", "existing", "none", or undefined (ask; with no terminal or
 * --yes, no DKIM record). Throws CliError(Usage) for contradictions, and — when nothing will be
 * asked — for key details given without --new-key or --key, which would otherwise be ignored
 * silently (no key is ever created unless asked for).
 */
export function dkimMode(flags: WizardFlags, willAsk: boolean): "new" | "existing" | "none" | undefined {
  const given = KEY_DETAILS.find(([k]) => flags[k] !== undefined)?.[1];
  if (flags.newKey && flags.key !== undefined) throw usage("--new-key and --key exclude each other");
  if (flags.dkim === false && (flags.newKey || flags.key !== undefined || given)) {
    throw usage(
      `--no-dkim excludes ${flags.newKey ? "--new-key" : flags.key !== undefined ? "--key" : given}`,
    );
  }
  if (flags.key !== undefined) {
    const newOnly = NEW_KEY_DETAILS.find(([k]) => flags[k] !== undefined)?.[1];
    if (newOnly) throw usage(`${newOnly} applies to a new key (--new-key), not to --key`);
    return "existing";
  }
  if (flags.newKey) return "new";
  if (flags.dkim === false) return "none";
  if (given && !willAsk) throw usage(`${given} needs --new-key or --key (no key is made otherwise)`);
  return undefined;
}

/**
 * Whether the flags ask for a DMARC record: --dmarc, or any DMARC detail (--dmarc-policy, --rua);
 * false for --no-dmarc, undefined when not said. Throws CliError(Usage) for --no-dmarc with a detail.
 */
export function dmarcWanted(flags: WizardFlags): boolean | undefined {
  const given = DMARC_DETAILS.find(([k]) => flags[k] !== undefined)?.[1];
  if (flags.dmarc === false && given) throw usage(`--no-dmarc excludes ${given}`);
  return flags.dmarc ?? (given ? true : undefined);
}
