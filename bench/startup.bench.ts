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
  const check = timeCommand(
    [
      process.execPath,
      "bin/spfdk",
      "check-spf",
      "--zone",
      "examples/example.com.zone",
      "--ip",
      "192.0.2.10",
      "--sender",
      "a@example.com",
    ],
    runs,
  );
  console.log(
    `spfdk check-spf    ${fmt(check)} ms   ratio ${fmt(check / node, 2)}x  (a whole check from the example zone)`,
  );
}
