import { randomBytes } from "node:crypto";
import { constants, promises as fsp } from "node:fs";
import { basename, dirname, join } from "node:path";
import { CliError, ExitCode } from "./exit-codes.js";

/** Whether a path exists (any type). */
export async function exists(path: string): Promise<boolean> {
  try {
    await fsp.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** `name.YYYYMMDDTHHMMSSZ.bak` beside `path`, made unique with a counter if needed. */
export async function backupPathFor(path: string, now: Date): Promise<string> {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  let candidate = `${path}.${stamp}.bak`;
  for (let i = 1; await exists(candidate); i++) candidate = `${path}.${stamp}.${i}.bak`;
  return candidate;
}

/**
 * Creates `dir` (and parents) with `mode` if missing. Throws CliError(Usage) naming the directory
 * when it cannot be created or is not a directory.
 */
export async function ensureDir(dir: string, mode = 0o700): Promise<void> {
  try {
    // Node's recursive mkdir can spin forever on some virtual file systems (/proc); create each
    // missing component ourselves instead.
    const missing: string[] = [];
    for (let d = dir; !(await exists(d)); d = dirname(d)) {
      missing.unshift(d);
      if (dirname(d) === d) break;
    }
    for (const d of missing) await fsp.mkdir(d, { mode });
    const st = await fsp.stat(dir);
    if (!st.isDirectory()) throw new Error("not a directory");
    await fsp.access(dir, constants.W_OK);
  } catch (err) {
    throw new CliError(ExitCode.Usage, `cannot use directory ${dir}: ${describeFsError(err)}`, {
      cause: err,
    });
  }
}

/** A short description of an fs error ("permission denied", "not a directory", …). */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOENT":
      return "no such file or directory";
    case "ENOTDIR":
      return "not a directory";
    case "EEXIST":
      return "already exists";
    case "EISDIR":
      return "is a directory";
    case "EROFS":
      return "read-only file system";
    case "ENOSPC":
      return "no space left on device";
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

export interface AtomicWriteOptions {
  /** File mode of the new file (default 0o644). */
  mode?: number;
  /** Replace an existing file; the old one is first copied to a timestamped backup. */
  force?: boolean;
  /** Clock for the backup name. */
  now: Date;
  /** What the file is, for messages ("private key", "main.cf"). */
  what: string;
}

/**
 * Writes `data` to `path` atomically: a temp file in the same directory, fsync, rename. An existing
 * file is never replaced without `force`; with `force` it is first copied to a backup, whose path is
 * returned. Throws CliError(Usage) with one line on refusal or I/O failure; no partial file is left.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Buffer,
  o: AtomicWriteOptions,
): Promise<{ backup: string | null }> {
  let backup: string | null = null;
  if (await exists(path)) {
    if (!o.force) {
      throw new CliError(
        ExitCode.Usage,
        `${o.what} ${path} already exists; not overwriting it (use --force to replace it, keeping a backup)`,
      );
    }
    backup = await backupPathFor(path, o.now);
    try {
      await fsp.copyFile(path, backup, constants.COPYFILE_EXCL);
      const st = await fsp.stat(path);
      // A backup is never more readable than the file that replaces it (keys stay 0600).
      await fsp.chmod(backup, st.mode & 0o777 & (o.mode ?? 0o777));
    } catch (err) {
      throw new CliError(ExitCode.Usage, `cannot back up ${path}: ${describeFsError(err)}`, { cause: err });
    }
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const fh = await fsp.open(tmp, "wx", o.mode ?? 0o644);
    try {
      await fh.writeFile(data);
      await fh.chmod(o.mode ?? 0o644);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw new CliError(ExitCode.Usage, `cannot write ${o.what} ${path}: ${describeFsError(err)}`, {
      cause: err,
    });
  }
  return { backup };
}

/** Reads a file, turning I/O failures into CliError(Usage) that names the file. */
export async function readFileOrFail(path: string, what: string): Promise<Buffer> {
  try {
    return await fsp.readFile(path);
  } catch (err) {
    throw new CliError(ExitCode.Usage, `cannot read ${what} ${path}: ${describeFsError(err)}`, {
      cause: err,
    });
  }
}
