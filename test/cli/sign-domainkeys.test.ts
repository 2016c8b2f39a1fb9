/** `spfdk sign --domainkeys` and DomainKeys results in `spfdk verify` (the DK core is src/domainkeys). */
import { describe, expect, it } from "@jest/globals";
import { fixture, fixturePath, fixtureResolver } from "../dkim/fixtures.js";
import { runCli } from "../helpers/cli.js";

const resolver = fixtureResolver();
const RSA = ["--domain", "example.com", "--selector", "rsa", "--key", fixturePath("rsa2048.pem")];

describe.each(["nofws", "simple"])("sign --domainkeys --method %s", (method) => {
  it("adds a DomainKey-Signature below the DKIM-Signature; both verify", async () => {
    const s = await runCli(["sign", ...RSA, "--domainkeys", "--method", method], {
      input: fixture("message.eml"),
    });
    expect(s.code).toBe(0);
    const text = s.out.toString("latin1");
    expect(text.indexOf("DKIM-Signature:")).toBe(0);
    expect(text).toMatch(new RegExp(`\\r\\nDomainKey-Signature: [^]*c=${method}`));
    const v = await runCli(["verify", "--json", "--legacy"], { input: s.out, resolver });
    const j = JSON.parse(v.stdout);
    expect(j.dkim.map((o: { result: string }) => o.result)).toEqual(["pass"]);
    expect(j.domainkeys.map((o: { result: string }) => o.result)).toEqual(["pass"]);
    expect(j.authenticationResults).toMatch(/domainkeys=pass header.d=example.com/);
    expect(v.code).toBe(0);
  });
  it("a changed body fails the DomainKeys signature too", async () => {
    const s = await runCli(["sign", ...RSA, "--domainkeys", "--method", method], {
      input: fixture("message.eml"),
    });
    const bad = Buffer.from(s.out.toString("latin1").replace("Alice\r\n", "Alicf\r\n"), "latin1");
    const v = await runCli(["verify", "--json", "--legacy"], { input: bad, resolver });
    const j = JSON.parse(v.stdout);
    expect(j.domainkeys[0].result).toBe("fail");
    expect(j.dkim[0].result).toBe("fail");
    expect(v.code).toBe(1);
  });
});

it("--domainkeys needs an RSA key", async () => {
  const r = await runCli(
    [
      "sign",
      "--domain",
      "example.com",
      "--selector",
      "ed",
      "--key",
      fixturePath("ed25519.pem"),
      "--domainkeys",
    ],
    { input: fixture("message.eml") },
  );
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/needs an RSA --key/);
});
