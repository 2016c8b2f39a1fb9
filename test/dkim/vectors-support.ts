/** Reading ../shared/conformance/dkim/vectors.json and turning its `dns` map into a Resolver. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DnsAnswer, Resolver } from "../../src/dns/resolver.js";
import { describe } from "@jest/globals";
import { conformancePath } from "../helpers/shared.js";

export interface DkimVector {
  file: string;
  type: "dkim" | "domainkeys";
  dns: Record<string, string | { error: string }>;
  expect: string;
  per_signature?: string[];
  profile?: string[];
  skip_reason?: string;
  line_endings: "CRLF" | "LF";
  sign_input?: string;
  private_keys?: Record<string, string>;
  sign_params?: { d: string; s: string; a: string; c: string; t: number; h: string };
  expected_b_prefix?: string;
}

export interface BodyHashVector {
  description: string;
  body: { escaped?: string; file?: string; part?: string };
  canonicalization: "simple" | "relaxed";
  hash: "sha256" | "sha1";
  l: number | null;
  expected_bh: string;
}

/** The DKIM conformance folder, or null (with a loud notice) when ../shared is missing. */
export const DKIM_DIR = conformancePath("dkim");

/** `describe` where the conformance data is present, `describe.skip` (after the loud notice) where not. */
export const describeVectors = DKIM_DIR ? describe : describe.skip;

export function loadVectors(): DkimVector[] {
  return DKIM_DIR ? (JSON.parse(readFileSync(join(DKIM_DIR, "vectors.json"), "utf8")) as DkimVector[]) : [];
}

export function loadBodyHashVectors(): BodyHashVector[] {
  return DKIM_DIR
    ? (JSON.parse(readFileSync(join(DKIM_DIR, "bodyhash.json"), "utf8")) as BodyHashVector[])
    : [];
}

export function vectorBytes(rel: string): Buffer {
  return readFileSync(join(DKIM_DIR!, rel));
}

/** A resolver answering TXT from a vector's `dns` map; errors map to NXDOMAIN / temporary error. */
export function vectorResolver(dns: DkimVector["dns"]): Resolver {
  const map = new Map(Object.entries(dns).map(([k, v]) => [k.toLowerCase().replace(/\.$/, ""), v]));
  const none = async (): Promise<DnsAnswer<never>> => ({ kind: "nxdomain" });
  return {
    async txt(name) {
      const v = map.get(name.toLowerCase().replace(/\.$/, ""));
      if (v === undefined) return { kind: "nxdomain" };
      if (typeof v === "string") return { kind: "ok", records: [v] };
      if (v.error === "NXDOMAIN") return { kind: "nxdomain" };
      return { kind: "error", temporary: true, detail: v.error };
    },
    a: none,
    aaaa: none,
    mx: none,
    ptr: none,
  };
}

/** Maps an RFC 8601 result to Mail::DKIM's words used by the manifest. */
export function manifestWord(result: string): string {
  if (result === "pass" || result === "fail") return result;
  return "invalid";
}

/** `SPFDK_CASE=name` runs only the vector whose file name contains `name`. */
export function selected<T extends { file: string }>(vs: T[]): T[] {
  const only = process.env.SPFDK_CASE;
  return only ? vs.filter((v) => v.file.includes(only)) : vs;
}
