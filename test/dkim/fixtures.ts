/** Committed fixture keys and messages of test/fixtures/dkim, and a zone publishing their keys. */
import { createPrivateKey, createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { publicKeyRecordValue } from "../../src/dkim/keygen.js";
import { prepareSignRequest, type DkimSignRequest } from "../../src/dkim/sign-message.js";
import type { Resolver } from "../../src/dns/resolver.js";
import { staticResolver, type ZoneData } from "../../src/dns/static-resolver.js";
import { REPO_ROOT } from "../helpers/shared.js";

export const FIXTURES = join(REPO_ROOT, "test", "fixtures", "dkim");
export const fixturePath = (name: string) => join(FIXTURES, name);
export const fixture = (name: string) => readFileSync(fixturePath(name));

/** p= of a fixture key. */
export function pOf(keyFile: string): string {
  return publicKeyRecordValue(createPublicKey(fixture(keyFile)));
}

/** Key records for the fixture keys under example.com. */
export function fixtureZone(extra: ZoneData = {}): ZoneData {
  return {
    "rsa._domainkey.example.com": { TXT: [`v=DKIM1; k=rsa; p=${pOf("rsa2048.pem")}`] },
    "ed._domainkey.example.com": { TXT: [`v=DKIM1; k=ed25519; p=${pOf("ed25519.pem")}`] },
    "r1024._domainkey.example.com": { TXT: [`v=DKIM1; k=rsa; t=y; p=${pOf("rsa1024.pem")}`] },
    "weak._domainkey.example.com": { TXT: [`v=DKIM1; k=rsa; p=${pOf("rsa512.pem")}`] },
    "revoked._domainkey.example.com": { TXT: ["v=DKIM1; k=rsa; p="] },
    "dns-broken._domainkey.example.com": "SERVFAIL",
    ...extra,
  };
}

export function fixtureResolver(extra: ZoneData = {}): Resolver {
  return staticResolver(fixtureZone(extra));
}

/** A checked rsa-sha256 relaxed/relaxed request with the 2048-bit fixture key (selector rsa). */
export function rsaSignRequest(
  domain = "example.com",
  extra: Partial<DkimSignRequest> = {},
): DkimSignRequest {
  return prepareSignRequest({
    domain,
    selector: "rsa",
    privateKey: createPrivateKey(fixture("rsa2048.pem")),
    algorithm: "rsa-sha256",
    headerCanon: "relaxed",
    bodyCanon: "relaxed",
    oversign: true,
    ...extra,
  });
}
