/**
 * The bench's loopback DNS server (test/helpers/dns-server.ts) on its own worker thread, so that
 * serving queries does not share the measured event loop. spfquery and pyspf already run in
 * their own processes beside the server; this gives spfdk the same setup.
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { ZoneData } from "../src/dns/static-resolver.js";
import { startDnsServer } from "../test/helpers/dns-server.js";

type Request = { op: "queries"; from: number } | { op: "close" };
type Query = { name: string; type: string };

/** A server running on a worker thread; `queries(from)` fetches the queries received since index `from`. */
export interface ThreadedDnsServer {
  spec: string;
  port: number;
  queries(from?: number): Promise<Query[]>;
  close(): Promise<void>;
}

/** Starts the server for `zone` on a new worker thread. */
export async function startThreadedDnsServer(zone: ZoneData): Promise<ThreadedDnsServer> {
  const worker = new Worker(new URL(import.meta.url), { workerData: zone });
  const replies: ((v: unknown) => void)[] = [];
  worker.on("message", (m: unknown) => replies.shift()?.(m));
  const ask = <T>(req: Request | null): Promise<T> =>
    new Promise((resolve) => {
      replies.push(resolve as (v: unknown) => void);
      if (req) worker.postMessage(req);
    });
  const { spec, port } = await ask<{ spec: string; port: number }>(null);
  return {
    spec,
    port,
    queries: (from = 0) => ask<Query[]>({ op: "queries", from }),
    close: async () => {
      await ask<null>({ op: "close" });
      await worker.terminate();
    },
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const server = await startDnsServer(workerData as ZoneData);
  port.on("message", (req: Request) => {
    if (req.op === "queries") {
      port.postMessage(server.queries.slice(req.from).map((q) => ({ name: q.name, type: q.type })));
    } else void server.close().then(() => port.postMessage(null));
  });
  port.postMessage({ spec: server.spec, port: server.port });
}
