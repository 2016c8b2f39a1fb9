import { generateDkimKey } from "../src/dkim/keygen.js";
import { fmt, haveCommand, timeCommand } from "./support.js";

/** RSA-2048 key generation: node:crypto (what keygen uses) next to `openssl genrsa 2048`. */
export async function run(): Promise<void> {
  const n = 8;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await generateDkimKey("rsa", 2048);
  const ours = (performance.now() - t0) / n;
  console.log(
    `spfdk keygen core RSA-2048   ${fmt(ours)} ms/key (mean of ${n}; RSA keygen time varies a lot)`,
  );
  if (haveCommand(["openssl", "version"])) {
    const ossl = timeCommand(["openssl", "genrsa", "-out", "/dev/null", "2048"], n);
    console.log(`openssl genrsa 2048           ${fmt(ossl)} ms/key (median of ${n}, includes process start)`);
  }
  const t1 = performance.now();
  for (let i = 0; i < n; i++) await generateDkimKey("ed25519");
  console.log(`spfdk keygen core Ed25519    ${fmt((performance.now() - t1) / n, 2)} ms/key`);
}
