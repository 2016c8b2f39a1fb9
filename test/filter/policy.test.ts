/**
 * `spfdk policy` (src/filter/policy.ts, policy-server.ts, src/cli/policy.ts): the decision for each
 * SPF result and option, the per-message header, the skipped clients, the protocol on a socket
 * (several requests per connection, no reply to a malformed one), and the command's usage errors.
 */
import { createConnection } from "node:net";
import { describe, expect, it } from "@jest/globals";
import { staticResolver } from "../../src/dns/static-resolver.js";
import { createPolicy, parseNetwork, type PolicyOptions } from "../../src/filter/policy.js";
import { startPolicyServer } from "../../src/filter/policy-server.js";
import { runCli } from "../helpers/cli.js";
import { startDaemon } from "../helpers/daemon.js";

const resolver = staticResolver({
  "pass.test": { TXT: ["v=spf1 ip4:192.0.2.10 -all"] },
  "fail.test": { TXT: ["v=spf1 -all exp=why.fail.test"] },
  "why.fail.test": { TXT: ["%{i} may not send for %{d}"] },
  "soft.test": { TXT: ["v=spf1 ~all"] },
  "perm.test": { TXT: ["v=spf1 include:"] },
  "temp.test": "SERVFAIL",
  "mx.pass.test": { TXT: ["v=spf1 ip4:192.0.2.10 -all"] },
});

const base: PolicyOptions = {
  resolver,
  receiver: "mx.test",
  reject: ["fail"],
  deferTemperror: false,
  scope: "mfrom",
  skip: [parseNetwork("127.0.0.0/8")!, parseNetwork("::1")!],
  now: () => new Date("2026-11-25T12:00:00Z"),
};

function request(o: Record<string, string> = {}): Map<string, string> {
  return new Map(
    Object.entries({
      request: "smtpd_access_policy",
      protocol_state: "RCPT",
      client_address: "192.0.2.10",
      helo_name: "mx.pass.test",
      sender: "a@pass.test",
      recipient: "b@my.test",
      instance: "",
      ...o,
    }),
  );
}

describe("SPF policy decisions", () => {
  it.each([
    [
      "a@pass.test",
      "192.0.2.10",
      /^PREPEND Received-SPF: pass \(.*\) client-ip=192\.0\.2\.10; envelope-from="a@pass\.test"; helo=mx\.pass\.test; receiver=mx\.test; identity=mailfrom; mechanism="ip4:192\.0\.2\.10";$/,
    ],
    ["a@fail.test", "192.0.2.99", /^550 5\.7\.23 SPF fail: 192\.0\.2\.99 may not send for fail\.test$/],
    ["a@soft.test", "192.0.2.99", /^PREPEND Received-SPF: softfail /],
    ["a@perm.test", "192.0.2.99", /^PREPEND Received-SPF: permerror .*problem=/],
    ["a@temp.test", "192.0.2.99", /^PREPEND Received-SPF: temperror /],
    ["a@none.test", "192.0.2.99", /^PREPEND Received-SPF: none /],
    [
      "",
      "192.0.2.10",
      /^PREPEND Received-SPF: pass .*envelope-from="postmaster@mx\.pass\.test";.*identity=mailfrom;/,
    ],
  ])("MAIL FROM:<%s> from %s", async (sender, ip, want) => {
    const d = await createPolicy(base).decide(request({ sender, client_address: ip }));
    expect(d.action).toMatch(want);
  });

  it("refuses what --reject lists and defers temperror with --defer-temperror", async () => {
    const p = createPolicy({ ...base, reject: ["fail", "softfail", "permerror"], deferTemperror: true });
    const act = async (sender: string) =>
      (await p.decide(request({ sender, client_address: "192.0.2.99" }))).action;
    expect(await act("a@soft.test")).toMatch(
      /^550 5\.7\.24 SPF softfail for <a@soft\.test> from 192\.0\.2\.99$/,
    );
    expect(await act("a@perm.test")).toMatch(/^550 5\.5\.2 SPF permerror/);
    expect(await act("a@temp.test")).toMatch(/^451 4\.4\.3 SPF temporary error for <a@temp\.test>: /);
    const none = createPolicy({ ...base, reject: [] });
    expect(
      (await none.decide(request({ sender: "a@fail.test", client_address: "192.0.2.99" }))).action,
    ).toMatch(/^PREPEND Received-SPF: fail /);
  });

  it("prepends one header per message: later recipients of the same instance get DUNNO (or the same refusal)", async () => {
    const p = createPolicy(base);
    const first = await p.decide(request({ instance: "abc.1" }));
    const second = await p.decide(request({ instance: "abc.1", recipient: "c@my.test" }));
    expect(first.action).toMatch(/^PREPEND /);
    expect(second).toMatchObject({ action: "DUNNO", note: "mfrom=pass (header already added)" });
    const f1 = await p.decide(
      request({ instance: "abc.2", sender: "a@fail.test", client_address: "192.0.2.9" }),
    );
    const f2 = await p.decide(
      request({ instance: "abc.2", sender: "a@fail.test", client_address: "192.0.2.9" }),
    );
    expect(f2.action).toBe(f1.action);
    expect(f1.action).toMatch(/^550 /);
  });

  it.each([
    [{ client_address: "127.0.0.1" }, /skipped \(127\.0\.0\.1 is in --skip\)/],
    [{ client_address: "::1" }, /skipped/],
    [{ client_address: "::ffff:127.0.0.2" }, /skipped/],
    [{ sasl_username: "alice" }, /SASL-authenticated/],
    [{ protocol_state: "DATA" }, /only RCPT is checked/],
    [{ request: "junk" }, /not an smtpd_access_policy request/],
    [{ client_address: "unknown" }, /no usable client_address/],
  ])("answers DUNNO without a check for %j", async (o, note) => {
    const d = await createPolicy(base).decide(request(o));
    expect(d.action).toBe("DUNNO");
    expect(d.note).toMatch(note);
  });

  it("parses --skip networks", () => {
    expect(parseNetwork("192.0.2.0/24")).toMatchObject({ version: 4, prefix: 24 });
    expect(parseNetwork("2001:db8::/32")).toMatchObject({ version: 6, prefix: 32 });
    expect(parseNetwork("192.0.2.1")).toMatchObject({ prefix: 32 });
    for (const bad of ["192.0.2.0/33", "example.com", "10.0.0.0/x", ""]) expect(parseNetwork(bad)).toBeNull();
  });
});

describe("the policy protocol", () => {
  it("answers several requests on one connection, and closes without a reply on a malformed one", async () => {
    const policy = createPolicy(base);
    const s = await startPolicyServer({
      listen: { host: "127.0.0.1", port: 0 },
      decide: (q) => policy.decide(q),
      log: () => undefined,
      timeoutMs: 5000,
    });
    const talk = (text: string) =>
      new Promise<string>((resolve) => {
        let got = "";
        const c = createConnection(s.address, () => c.write(text));
        c.on("data", (d) => {
          got += d.toString();
          if (got.split("\n\n").length > 2) c.end();
        });
        c.on("close", () => resolve(got));
      });
    const req = (sender: string) =>
      `request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.10\nhelo_name=x\nsender=${sender}\nrecipient=b@my.test\n\n`;
    const two = await talk(req("a@pass.test") + req("a@fail.test"));
    const actions = two.split("\n\n").filter(Boolean);
    expect(actions).toHaveLength(2);
    expect(actions[0]).toMatch(/^action=PREPEND Received-SPF: pass /);
    expect(actions[1]).toMatch(/^action=550 5\.7\.23 /);
    expect(await talk("request=smtpd_access_policy\nthis line has no equals sign\n\n")).toBe("");
    await s.close(100);
  });
});

describe("spfdk policy", () => {
  it.each([
    [["--reject", "pass"], /--reject: "pass" is not one of/],
    [["--reject", "temperror"], /use --defer-temperror/],
    [["--skip", "10.0.0.0/40"], /--skip: "10\.0\.0\.0\/40" is not an address or CIDR network/],
    [["--scope", "rcpt"], /--scope/],
    [["--listen", "nowhere"], /--listen/],
  ])("%j is bad usage (exit 2, one line)", async (args, why) => {
    const r = await runCli(["policy", ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(why);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("runs until stopped and logs each decision", async () => {
    const d = await startDaemon([
      "policy",
      "--listen",
      "127.0.0.1:0",
      "--zone",
      "/dev/null",
      "--receiver",
      "mx.test",
    ]);
    const port = d.port;
    expect(d.log()).toMatch(/\(refusing: fail\)/);
    const reply = await new Promise<string>((resolve) => {
      let got = "";
      const c = createConnection({ host: "127.0.0.1", port }, () =>
        c.write(
          "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.7\nhelo_name=h.test\nsender=a@nowhere.test\nrecipient=b@my.test\n\n",
        ),
      );
      c.on("data", (d) => {
        got += d.toString();
        if (got.endsWith("\n\n")) c.end();
      });
      c.on("close", () => resolve(got));
    });
    expect(reply).toMatch(/^action=PREPEND Received-SPF: none .*receiver=mx\.test;/);
    const { code, log } = await d.stop();
    expect(code).toBe(0);
    expect(log).toMatch(
      /client=192\.0\.2\.7 helo=h\.test from=<a@nowhere\.test> to=<b@my\.test> mfrom=none -> PREPEND Received-SPF: none/,
    );
    expect(log).toMatch(/stopped\n$/);
  });
});
