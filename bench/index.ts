/**
 * `npm run bench`: runs every bench/*.bench.ts module (compiled to build/bench) in turn. Each module
 * exports `run(): Promise<void>` and prints its own figures and ratios. Not part of `npm test`.
 */
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.js"))
  .filter((f) => !only || f.startsWith(only))
  .sort();
for (const f of files) {
  const mod = (await import(pathToFileURL(`${here}/${f}`).href)) as { run: () => Promise<void> };
  console.log(`\n=== ${f.replace(/\.bench\.js$/, "")} ===`);
  await mod.run();
}
