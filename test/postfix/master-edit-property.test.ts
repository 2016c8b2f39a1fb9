/**
 * Property tests: on any master.cf or main.cf (with or without a final newline), --remove undoes
 * --apply exactly, and --apply is idempotent.
 */
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { applyMasterEdits, removeMasterEdits } from "../../src/postfix/master-edit.js";
import { applyMainEdits, removeMainEdits } from "../../src/postfix/main-edit.js";
import { plan } from "./support.js";

const masterLine = fc.constantFrom(
  "smtp      inet  n       -       y       -       -       smtpd",
  "smtp      unix  -       -       y       -       -       smtp",
  "pickup    unix  n       -       y       60      1       pickup",
  "pickup    fifo  n       -       n       60      1       pickup",
  "submission inet n       -       y       -       -       smtpd",
  "dksign    unix  -       -       n       -       4       smtp",
  "127.0.0.1:10026 inet n  -       n       -       -       smtpd",
  "relay     unix  -       -       y       -       -       smtp",
  "  -o content_filter=scan:[127.0.0.1]:10024",
  "  -o smtpd_proxy_filter=127.0.0.1:10025",
  "\t-o smtpd_client_connection_count_limit=50",
  "  -o smtpd_sasl_auth_enable=no",
  "  -o syslog_name=postfix/$service_name",
  "  flags=Rq user=x argv=/bin/true",
  "#  -o smtpd_proxy_filter=commented",
  "# a comment",
  "",
  "   ",
);
const mainLine = fc.constantFrom(
  "myhostname = mail.example",
  "transport_maps = hash:/etc/postfix/other",
  "debug_peer_level = 3",
  "debug_peer_list = 10.0.0.1,",
  "    10.0.0.2",
  "relayhost = [smtp.isp.example]",
  "# comment",
  "",
);
/** A file of those lines; sometimes without its final newline, which --remove must not add. */
const file = (line: fc.Arbitrary<string>) =>
  fc.tuple(fc.array(line, { maxLength: 25 }), fc.boolean()).map(([ls, eol]) =>
    ls
      .map((l) => `${l}\n`)
      .join("")
      .slice(0, eol ? undefined : -1),
  );

describe("master.cf edits on arbitrary files", () => {
  const specs = plan().services;
  it("remove(apply(x)) === x and apply(apply(x)) === apply(x)", () => {
    fc.assert(
      fc.property(file(masterLine), (text) => {
        const applied = applyMasterEdits(text, specs).text;
        expect(removeMasterEdits(applied).text).toBe(text);
        expect(applyMasterEdits(applied, specs).text).toBe(applied);
      }),
      { numRuns: 300 },
    );
  });
});

describe("main.cf edits on arbitrary files", () => {
  const params = plan().params;
  it("remove(apply(x)) === x and apply(apply(x)) === apply(x)", () => {
    fc.assert(
      fc.property(file(mainLine), (text) => {
        const applied = applyMainEdits(text, params).text;
        expect(removeMainEdits(applied).text).toBe(text);
        expect(applyMainEdits(applied, params).text).toBe(applied);
      }),
      { numRuns: 300 },
    );
  });
});
