/**
 * Message input for sign and verify: a file (read as a stream, possibly twice) or stdin (streamed,
 * or spooled to a private temp file when it must be read twice), and private keys.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { createReadStream, createWriteStream, promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { CommandContext } from "./deps.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { describeFsError, readFileOrFail } from "./files.js";

/** A message that can be read from the start as often as needed. */
export interface MessageSource {
  /** A fresh stream of the raw bytes. */
  open(): Readable;
  /** What to call it in messages ("standard input" or the path). */
  label: string;
  /** Removes any temp file. */
  dispose(): Promise<void>;
}

/** Turns a stream error into CliError(Usage) naming the input. */
export function inputError(label: string, err: unknown): CliError {
  return new CliError(ExitCode.Usage, `cannot read ${label}: ${describeFsError(err)}`, { cause: err });
}

/** Checks that `path` is a readable regular file; CliError(Usage) otherwise. */
async function checkFile(path: string): Promise<void> {
  try {
    const st = await fsp.stat(path);
    if (st.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    await fsp.access(path);
    const fh = await fsp.open(path, "r");
    await fh.close();
  } catch (err) {
    throw inputError(path, err);
  }
}

/**
 * A source for `file` ("-" or undefined: stdin). With `rereadable`, stdin is first spooled to a
 * temp file (mode 0600, in a private directory, removed by `dispose`), so the message is never held
 * in memory; otherwise stdin can be opened once.
 */
export async function messageSource(
  ctx: CommandContext,
  file: string | undefined,
  rereadable: boolean,
): Promise<MessageSource> {
  if (file !== undefined && file !== "-") {
    const path = resolve(ctx.cwd, file);
    await checkFile(path);
    return {
      open: () => createReadStream(path, { highWaterMark: 256 * 1024 }),
      label: path,
      dispose: async () => undefined,
    };
  }
  if (!rereadable) {
    let used = false;
    return {
      open: () => {
        if (used) throw new Error("standard input can be read once");
        used = true;
        return ctx.stdin();
      },
      label: "standard input",
      dispose: async () => undefined,
    };
  }
  const dir = await fsp.mkdtemp(join(tmpdir(), "spfdk-"));
  const path = join(dir, "message");
  const dispose = () => fsp.rm(dir, { recursive: true, force: true });
  try {
    await pipeline(ctx.stdin(), createWriteStream(path, { mode: 0o600, flags: "wx" }));
  } catch (err) {
    await dispose();
    throw inputError("standard input", err);
  }
  return {
    open: () => createReadStream(path, { highWaterMark: 256 * 1024 }),
    label: "standard input",
    dispose,
  };
}

/**
 * Reads a private key file (PEM, or DER PKCS#8 / PKCS#1). Throws CliError(Usage) naming the file
 * when it cannot be read or is not a private key.
 */
export async function readPrivateKey(ctx: CommandContext, file: string): Promise<KeyObject> {
  const path = resolve(ctx.cwd, file);
  const data = await readFileOrFail(path, "key file");
  const attempts: (() => KeyObject)[] = [
    () => createPrivateKey(data),
    () => createPrivateKey({ key: data, format: "der", type: "pkcs8" }),
    () => createPrivateKey({ key: data, format: "der", type: "pkcs1" }),
  ];
  for (const a of attempts) {
    try {
      return a();
    } catch {
      // try the next form
    }
  }
  throw new CliError(
    ExitCode.Usage,
    isPublicKey(data)
      ? `key file ${path} holds a public key; give the private key`
      : `key file ${path} is not a private key (expected PEM or DER, RSA or Ed25519)`,
  );
}

/** Whether `data` parses as a public key (PEM, or DER SubjectPublicKeyInfo). */
function isPublicKey(data: Buffer): boolean {
  for (const a of [
    () => createPublicKey(data),
    () => createPublicKey({ key: data, format: "der", type: "spki" }),
  ]) {
    try {
      a();
      return true;
    } catch {
      // not this form
    }
  }
  return false;
}
