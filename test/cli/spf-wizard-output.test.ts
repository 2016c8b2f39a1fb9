import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { zone } from "../../src/dns/static-resolver.js";
import { runCli } from "../helpers/cli.js";

const FIXTURES = join(import.meta.dirname, "..", "spf-wizard", "fixtures");
const KEY = join(FIXTURES, "rsa-2048.pem");

/** Runs the wizard --offline: nothing queries public DNS. */
const wizard = (...argv: string[]) => runCli(["spf-wizard", ...argv, "--offline"]);
/** The numbered lines under "Next steps:". */
const nextSteps = (stdout: string) =>
  stdout.slice(stdout.indexOf("Next steps:\n")).trimEnd().split("\n").slice(1);

describe("spfdk spf-wizard text report", () => {
  it("the text report aligns the panel lines, says what to delete, and lists the next steps", async () => {
    const resolver = zone({ "example.com": { TXT: ["v=spf1 mx -all"] } });
    const r = await runCli(
      ["spf-wizard", "--domain", "example.com", "--key", KEY, "--selector", "s1", "--dmarc"],
      { resolver },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '  change: replaces "v=spf1 mx -all"; delete it: two SPF records give permerror (RFC 7208 §4.5)\n',
    );
    expect(r.stdout).toContain(
      "\n  @              TXT  v=spf1 mx ~all\n  s1._domainkey  TXT  v=DKIM1; k=rsa; p=",
    );
    expect(r.stdout).toContain("\n  _dmarc         TXT  v=DMARC1; p=none;");
    expect(r.stdout).toContain(
      "(a panel that refuses values over 255 characters wants the quoted strings above",
    );
    expect(nextSteps(r.stdout)).toEqual([
      "  1. Publish the records above at your DNS provider (replacing the ones they replace).",
      `  2. Sign outgoing mail with selector s1, domain example.com and the key ${KEY} (spfdk postfix-config --outbound wires Postfix to the signer).`,
      `  3. Once the records are visible (allow for the TTL), check them: spfdk spf-lint example.com  and  spfdk check-key --domain example.com --selector s1 --key ${KEY}`,
      "  4. ~all is for testing: once all your mail passes SPF, run the wizard again with --all fail.",
      "  5. DMARC p=none only reports: move to quarantine, then reject, once the reports show only your servers.",
    ]);
    const strict = await wizard("--domain", "example.com", "--all", "fail", "--dmarc-policy", "reject");
    expect(nextSteps(strict.stdout)).toEqual([
      "  1. Publish the records above at your DNS provider (replacing the ones they replace).",
      "  2. Once the records are visible (allow for the TTL), check them: spfdk spf-lint example.com",
    ]);
  });

  it("a key published with t=y gets the step that takes it out of testing", async () => {
    const r = await wizard(
      ...["--domain", "example.com", "--key", KEY, "--selector", "s2", "--testing", "--all", "fail"],
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("value: v=DKIM1; k=rsa; t=y; p=");
    expect(nextSteps(r.stdout)[3]).toBe(
      `  4. t=y is for testing: once receivers report dkim=pass, run the wizard again with --key ${KEY} --selector s2 and without --testing.`,
    );
    const plain = await wizard(
      ...["--domain", "example.com", "--key", KEY, "--selector", "s2", "--all", "fail"],
    );
    expect(nextSteps(plain.stdout)).toHaveLength(3);
  });
});
