import { fmt, timeCommand } from "./support.js";

/** Start-up cost: `spfdk --version` against bare `node -e 0`. */
export async function run(): Promise<void> {
  const runs = 15;
  const node = timeCommand([process.execPath, "-e", "0"], runs);
  const version = timeCommand([process.execPath, "bin/spfdk", "--version"], runs);
  const help = timeCommand([process.execPath, "bin/spfdk", "--help"], runs);
  console.log(`node -e 0          ${fmt(node)} ms (median of ${runs})`);
  console.log(`spfdk --version    ${fmt(version)} ms   ratio ${fmt(version / node, 2)}x`);
  console.log(`spfdk --help       ${fmt(help)} ms   ratio ${fmt(help / node, 2)}x`);
}
