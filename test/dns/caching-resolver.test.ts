import { describe, expect, it } from "@jest/globals";
import { cachingResolver } from "../../src/dns/caching-resolver.js";
import type { Resolver } from "../../src/dns/resolver.js";
import { staticResolver, type ZoneData } from "../../src/dns/static-resolver.js";

const ZONE: ZoneData = {
  "example.com": { TXT: ["v=spf1 -all"], A: ["192.0.2.1"], ttl: 60 },
  "nottl.example.com": { A: ["192.0.2.2"] },
  "zero.example.com": { A: ["192.0.2.3"], ttl: 0 },
  "long.example.com": { A: ["192.0.2.4"], ttl: 86400 },
  "1.2.0.192.in-addr.arpa": { PTR: ["example.com"] },
  "flaky.example.com": "SERVFAIL",
};

/** A resolver over ZONE that counts the queries reaching it, optionally held until `release()`. */
function counted(zone: ZoneData = ZONE) {
  const inner = staticResolver(zone);
  const calls: string[] = [];
  let gate: Promise<void> | null = null;
  let open: () => void = () => undefined;
  const wrap =
    <A extends unknown[], R>(type: string, f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      calls.push(`${type} ${String(a[0])}`);
      if (gate) await gate;
      return f(...a);
    };
  const resolver: Resolver = {
    txt: wrap("TXT", inner.txt),
    a: wrap("A", inner.a),
    aaaa: wrap("AAAA", inner.aaaa),
    mx: wrap("MX", inner.mx),
    ptr: wrap("PTR", inner.ptr),
  };
  return {
    resolver,
    calls,
    hold: () => {
      gate = new Promise<void>((r) => (open = r));
    },
    release: () => {
      gate = null;
      open();
    },
  };
}

function clock(startMs = 1_000_000) {
  let t = startMs;
  return { now: () => t, advance: (sec: number) => (t += sec * 1000) };
}

describe("cachingResolver", () => {
  it("serves a repeated query from the cache, whatever the case or trailing dot", async () => {
    const inner = counted();
    const c = cachingResolver(inner.resolver, clock());
    const first = await c.txt("example.com");
    expect(await c.txt("EXAMPLE.com.")).toEqual(first);
    expect(first).toEqual({ kind: "ok", records: ["v=spf1 -all"], ttl: 60 });
    expect(inner.calls).toEqual(["TXT example.com"]);
  });

  it("keeps at most maxEntries answers per type, dropping the oldest first", async () => {
    const inner = counted();
    const c = cachingResolver(inner.resolver, { ...clock(), maxEntries: 2 });
    await c.a("example.com");
    await c.a("nottl.example.com");
    await c.a("long.example.com"); // the third: example.com goes
    await c.txt("example.com"); // another type has its own room
    expect(c.peek("A", "example.com")).toBeUndefined();
    expect(c.peek("A", "nottl.example.com")).toBeDefined();
    expect(c.peek("A", "long.example.com")).toBeDefined();
    await c.a("example.com"); // asked again, and now nottl.example.com is the oldest
    expect(c.peek("A", "nottl.example.com")).toBeUndefined();
    expect(inner.calls.filter((q) => q === "A example.com")).toHaveLength(2);
  });

  it("keeps types and names apart", async () => {
    const inner = counted();
    const c = cachingResolver(inner.resolver, clock());
    await c.txt("example.com");
    await c.a("example.com");
    await c.a("nottl.example.com");
    await c.ptr("192.0.2.1");
    await c.ptr("192.0.2.1");
    expect(inner.calls).toEqual(["TXT example.com", "A example.com", "A nottl.example.com", "PTR 192.0.2.1"]);
  });

  it("expires an answer after its TTL (injected clock)", async () => {
    const inner = counted();
    const t = clock();
    const c = cachingResolver(inner.resolver, t);
    await c.a("example.com");
    t.advance(59);
    await c.a("example.com");
    expect(inner.calls).toHaveLength(1);
    t.advance(1);
    await c.a("example.com");
    expect(inner.calls).toHaveLength(2);
  });

  it("uses defaultTtlSec when the answer has no TTL, and caps TTLs at maxTtlSec", async () => {
    const inner = counted();
    const t = clock();
    const c = cachingResolver(inner.resolver, { now: t.now, defaultTtlSec: 10, maxTtlSec: 100 });
    await c.a("nottl.example.com");
    await c.a("long.example.com");
    t.advance(9);
    await c.a("nottl.example.com");
    await c.a("long.example.com");
    expect(inner.calls).toEqual(["A nottl.example.com", "A long.example.com"]);
    t.advance(1);
    await c.a("nottl.example.com");
    t.advance(90);
    await c.a("long.example.com");
    expect(inner.calls).toEqual([
      "A nottl.example.com",
      "A long.example.com",
      "A nottl.example.com",
      "A long.example.com",
    ]);
  });

  it("does not reuse a TTL-0 answer", async () => {
    const inner = counted();
    const c = cachingResolver(inner.resolver, clock());
    await c.a("zero.example.com");
    await c.a("zero.example.com");
    expect(inner.calls).toHaveLength(2);
  });

  it("caches NXDOMAIN and NODATA for negativeTtlSec", async () => {
    const inner = counted();
    const t = clock();
    const c = cachingResolver(inner.resolver, { now: t.now, negativeTtlSec: 30 });
    expect(await c.txt("absent.example.com")).toEqual({ kind: "nxdomain" });
    expect(await c.mx("example.com")).toEqual({ kind: "nodata" });
    t.advance(29);
    await c.txt("absent.example.com");
    await c.mx("example.com");
    expect(inner.calls).toHaveLength(2);
    t.advance(1);
    await c.txt("absent.example.com");
    expect(inner.calls).toHaveLength(3);
  });

  it("never caches errors", async () => {
    const inner = counted();
    const c = cachingResolver(inner.resolver, clock());
    expect(await c.txt("flaky.example.com")).toMatchObject({ kind: "error", temporary: true });
    expect(await c.txt("flaky.example.com")).toMatchObject({ kind: "error", temporary: true });
    expect(inner.calls).toEqual(["TXT flaky.example.com", "TXT flaky.example.com"]);
  });

  it("coalesces concurrent identical queries into one inner query", async () => {
    const inner = counted();
    const c = cachingResolver(inner.resolver, clock());
    inner.hold();
    const pending = [c.txt("example.com"), c.txt("Example.com"), c.a("example.com"), c.txt("example.com.")];
    inner.release();
    const answers = await Promise.all(pending);
    expect(inner.calls).toEqual(["TXT example.com", "A example.com"]);
    expect(answers[0]).toEqual({ kind: "ok", records: ["v=spf1 -all"], ttl: 60 });
    expect(answers[1]).toBe(answers[0]);
    expect(answers[3]).toBe(answers[0]);
  });

  it("coalesces concurrent queries that end in an error, then asks again", async () => {
    const inner = counted();
    const c = cachingResolver(inner.resolver, clock());
    inner.hold();
    const pending = [c.txt("flaky.example.com"), c.txt("flaky.example.com")];
    inner.release();
    await Promise.all(pending);
    expect(inner.calls).toHaveLength(1);
    await c.txt("flaky.example.com");
    expect(inner.calls).toHaveLength(2);
  });

  it("passes a rejection of the inner resolver to every waiter and does not keep it", async () => {
    let n = 0;
    const failing: Resolver = {
      ...staticResolver(ZONE),
      txt: async () => {
        n++;
        throw new Error("bug in inner resolver");
      },
    };
    const c = cachingResolver(failing, clock());
    await expect(Promise.all([c.txt("a.example"), c.txt("a.example")])).rejects.toThrow(
      "bug in inner resolver",
    );
    await expect(c.txt("a.example")).rejects.toThrow("bug in inner resolver");
    expect(n).toBe(2);
  });
});
