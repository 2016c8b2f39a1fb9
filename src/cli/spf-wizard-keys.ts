/**
 * DKIM key material for `spfdk spf-wizard`: checks of key files, and turning the DKIM answer into
 * the `selector._domainkey` record. A new key is generated here but written only by the caller,
 * after every question is answered (Ctrl-C writes nothing).
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { resolve } from "node:path";
import { keyRecordName, keyRecordValue } from "../dkim/key-record.js";
import {
  describeKey,
  generateDkimKey,
  MIN_RSA_BITS,
  publicKeyRecordValue,
  type DkimKeyType,
} from "../dkim/keygen.js";
import type { CommandContext } from "./deps.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { exists, readFileOrFail } from "./files.js";
import type { DkimAnswer, KeyChecks } from "./spf-wizard-flow-dkim.js";

/** The DKIM record and what to write for it. */
export interface DkimMaterial {
  name: string;
  value: string;
  selector: string;
  keyType: DkimKeyType;
  bits: number;
  form: "dkim" | "domainkeys";
  testing: boolean;
  /** The private key file: written (new key) or read (existing key). */
  keyFile: string;
  /** PEM to write to `keyFile` with mode 0600; null for an existing key. */
  newPrivateKeyPem: string | null;
  warnings: string[];
}

/** Where a new key for `selector` goes. */
export function newKeyPath(ctx: CommandContext, dir: string, selector: string): string {
  return resolve(ctx.cwd, dir, `${selector}.private`);
}

async function loadKey(path: string): Promise<{ key: KeyObject; type: DkimKeyType; bits: number }> {
  const pem = await readFileOrFail(path, "private key");
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new CliError(ExitCode.Usage, `${path} is not a PEM private key`);
  }
  const d = describeKey(key);
  if (!d) throw new CliError(ExitCode.Usage, `${path} is not an RSA or Ed25519 key`);
  if (d.type === "rsa" && d.bits < MIN_RSA_BITS) {
    throw new CliError(
      ExitCode.Usage,
      `${path} is a ${d.bits}-bit RSA key; RFC 8301 refuses keys under ${MIN_RSA_BITS} bits`,
    );
  }
  return { key, ...d };
}

/**
 * The path a new key for `selector` goes to. Throws CliError(Usage) when that file exists and
 * `force` is off (the flags' answer is refused before any question, and again before writing).
 */
export async function newKeyTarget(
  ctx: CommandContext,
  dir: string,
  selector: string,
  force: boolean,
): Promise<string> {
  const keyFile = newKeyPath(ctx, dir, selector);
  if (!force && (await exists(keyFile))) {
    throw new CliError(
      ExitCode.Usage,
      `${keyFile} already exists; not overwriting it (use --force or another --selector)`,
    );
  }
  return keyFile;
}

/** File checks for the flow, as reasons (never throwing). */
export function keyChecks(ctx: CommandContext): KeyChecks {
  return {
    newKeyProblem: async (dir, selector) => {
      const path = newKeyPath(ctx, dir, selector);
      return (await exists(path)) ? `${path} already exists; choose another selector` : null;
    },
    keyFileProblem: async (path) => {
      try {
        await loadKey(resolve(ctx.cwd, path));
        return null;
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
    },
    keyFileType: async (path) => (await loadKey(resolve(ctx.cwd, path))).type,
  };
}

/**
 * Builds the key record for the answer: generates a new key (not yet written) or reads the existing
 * one. Returns null for no DKIM. Throws CliError(Usage) for an unusable key file, an existing
 * target file without --force, or DomainKeys with an Ed25519 key.
 */
export async function dkimMaterial(
  ctx: CommandContext,
  domain: string,
  answer: DkimAnswer,
  force: boolean,
): Promise<DkimMaterial | null> {
  if (answer.mode === "none") return null;
  const warnings: string[] = [];
  let publicKey: string;
  let keyType: DkimKeyType;
  let bits: number;
  let keyFile: string;
  let pem: string | null = null;
  if (answer.mode === "existing") {
    keyFile = resolve(ctx.cwd, answer.keyFile);
    const loaded = await loadKey(keyFile);
    ({ type: keyType, bits } = loaded);
    publicKey = publicKeyRecordValue(loaded.key);
  } else {
    keyFile = await newKeyTarget(ctx, answer.dir, answer.selector, force);
    const key = await generateDkimKey(answer.keyType, answer.bits);
    ({ type: keyType, bits } = key);
    publicKey = key.publicKeyB64;
    pem = key.privateKeyPem;
  }
  if (answer.form === "domainkeys" && keyType !== "rsa") {
    throw new CliError(ExitCode.Usage, "DomainKeys (RFC 4870) supports only RSA keys; drop --domainkeys");
  }
  if (keyType === "rsa" && bits === 1024) {
    warnings.push("1024-bit RSA is the smallest size RFC 8301 allows; 2048 bits is recommended");
  }
  if (keyType === "ed25519") {
    warnings.push("some receivers cannot verify Ed25519 yet (RFC 8463); sign with an RSA key as well");
  }
  return {
    name: keyRecordName(answer.selector, domain),
    value: keyRecordValue({ type: keyType, publicKey, testing: answer.testing, form: answer.form }),
    selector: answer.selector,
    keyType,
    bits,
    form: answer.form,
    testing: answer.testing,
    keyFile,
    newPrivateKeyPem: pem,
    warnings,
  };
}
