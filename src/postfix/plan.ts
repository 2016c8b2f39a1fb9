/**
 * Builds what `spfdk postfix-config` renders: the snippets of the selected parts, filled in from
 * validated options, and the same content as structured edits (services, parameters, transport).
 */
import { isIgnoredLine, parseMasterCf, splitLines } from "./master-cf.js";
import type { Part, PostfixOptions } from "./options.js";
import { isIpv6 } from "./options.js";
import { renderTemplate } from "./template.js";

/** The template texts, read by the CLI from templates/ (keys = file names without directory). */
export interface Templates {
  "master-inbound.cf": string;
  "master-outbound.cf": string;
  "master-pickup.cf": string;
  "main-transport.cf": string;
  "main-debug.cf": string;
  transport: string;
}
/** The template file names, for the CLI to read. */
export const TEMPLATE_FILES: readonly (keyof Templates)[] = [
  "master-inbound.cf",
  "master-outbound.cf",
  "master-pickup.cf",
  "main-transport.cf",
  "main-debug.cf",
  "transport",
];

/** A master.cf entry spfdk wants: created when missing, otherwise only its `-o` options are set. */
export interface ServiceSpec {
  part: Part;
  name: string;
  type: string;
  /** The comment lines above it in the template, without `# `. */
  description: string[];
  /** The entry's lines as rendered (used when it has to be created). */
  lines: string[];
  /** Its `-o name=value` options, in order. */
  options: { name: string; value: string }[];
}

/** A main.cf parameter spfdk sets. */
export interface ParamSpec {
  part: Part;
  name: string;
  value: string;
  description: string[];
}

/** The transport table spfdk maintains (a marked block in the file). */
export interface TransportSpec {
  file: string;
  mapType: string;
  /** The block's lines, comments included. */
  lines: string[];
  /** The lookup keys it defines (to detect clashes with the admin's own entries). */
  keys: string[];
}

/** One rendered snippet, for printing. */
export interface Snippet {
  part: Part;
  file: "master.cf" | "main.cf" | "transport";
  text: string;
}

/** Everything one run renders. */
export interface Plan {
  parts: Part[];
  snippets: Snippet[];
  services: ServiceSpec[];
  params: ParamSpec[];
  transport: TransportSpec | null;
  /** Follow-up commands, in order. */
  commands: string[];
  /** The `spfdk filter` commands that serve the filter ports of the rendered parts (docs/filter.md). */
  filters: string[];
}

/** Host as used in `host:port` (IPv6 in brackets). */
function hostPort(host: string, port: number): string {
  return isIpv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** mynetworks / xforward notation covering the filter host (127.0.0.0/8 for loopback, else the host). */
function filterNetwork(host: string): string {
  if (host.startsWith("127.")) return "127.0.0.0/8";
  return isIpv6(host) ? `[${host}]/128` : `${host}/32`;
}

/** `smtp:[host]:port` next hop: brackets turn off MX lookups (transport(5)). */
function gatewayNextHop(gateway: string): string {
  if (gateway.startsWith("[")) return gateway;
  const m = /^([^:]+)(?::(\d+))?$/.exec(gateway);
  if (!m) return `[${gateway}]`; // a bare IPv6 address
  return m[2] ? `[${m[1]}]:${m[2]}` : `[${m[1]}]`;
}

/** The values and switches every template is rendered with. */
export function templateInput(o: PostfixOptions, configDir: string) {
  const restrictions = o.sasl
    ? "permit_mynetworks,permit_sasl_authenticated,reject"
    : "permit_mynetworks,reject";
  return {
    values: {
      smtp_service: o.smtpService,
      submission_service: o.submissionService,
      sign_transport: o.signTransport,
      in_filter: hostPort(o.filterHost, o.inFilterPort),
      in_return: hostPort(o.filterHost, o.inReturnPort),
      out_filter: `[${o.filterHost}]:${o.outFilterPort}`,
      out_return: hostPort(o.filterHost, o.outReturnPort),
      filter_network: filterNetwork(o.filterHost),
      connection_limit: String(o.connectionLimit),
      filter_processes: String(o.filterProcesses),
      submission_restrictions: restrictions,
      mime_comment:
        o.mime === "discard-8bitmime"
          ? "8BITMIME is hidden from the signer, so 8-bit mail is made 7-bit BEFORE it is signed."
          : "no MIME conversion after signing, so a later 8-to-7-bit downgrade cannot break signatures.",
      map_type: o.mapType,
      transport_file: `${configDir}/transport`,
      domain_entries: o.domain
        .map((d) => d.replace(/\.$/, "").toLowerCase())
        .flatMap((d) => [`${d}\t:`, `.${d}\t:`])
        .join("\n"),
      gateway: gatewayNextHop(o.gateway ?? ""),
      debug_level: String(o.debugLevel),
      debug_peers: o.debugPeer.join(" "),
    },
    flags: {
      sasl: o.sasl,
      mime_discard: o.mime === "discard-8bitmime",
      mime_noconv: o.mime === "no-conversion",
    },
  };
}

function commentText(line: string): string {
  return line.replace(/^\s*#\s?/, "");
}

/** The entries of a rendered master.cf snippet, each with the comment lines just above it. */
export function servicesOf(part: Part, text: string): ServiceSpec[] {
  const lines = splitLines(text);
  return parseMasterCf(lines).map((e) => {
    const description: string[] = [];
    for (let i = e.first - 1; i >= 0 && lines[i]!.trim().startsWith("#"); i--) {
      description.unshift(commentText(lines[i]!));
    }
    const body = lines.slice(e.first, e.last + 1).filter((l) => !isIgnoredLine(l));
    const options = body
      .slice(1)
      .map((l) => /^\s+-o\s+([A-Za-z0-9_.-]+)=(\S*)\s*$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[1]!, value: m[2]! }));
    return { part, name: e.name, type: e.type, description, lines: body, options };
  });
}

/** The `name = value` lines of a rendered main.cf snippet, each with the comments above it. */
export function paramsOf(part: Part, text: string): ParamSpec[] {
  const out: ParamSpec[] = [];
  let description: string[] = [];
  for (const line of splitLines(text)) {
    if (line.trim().startsWith("#")) description.push(commentText(line));
    const m = /^([A-Za-z0-9_.-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) {
      out.push({ part, name: m[1]!, value: m[2]!, description });
      description = [];
    }
  }
  return out;
}

/** The plan for `parts`. `configDir` is where main.cf lives (/etc/postfix unless --postfix-dir). */
export function buildPlan(o: PostfixOptions, parts: readonly Part[], t: Templates, configDir: string): Plan {
  const input = templateInput(o, configDir);
  const render = (file: keyof Templates) => renderTemplate(t[file], input, file);
  const snippets: Snippet[] = [];
  const services: ServiceSpec[] = [];
  const params: ParamSpec[] = [];
  let transport: TransportSpec | null = null;
  const master = { inbound: "master-inbound.cf", outbound: "master-outbound.cf", pickup: "master-pickup.cf" };
  for (const part of parts) {
    if (part === "inbound" || part === "outbound" || part === "pickup") {
      const text = render(master[part] as keyof Templates);
      snippets.push({ part, file: "master.cf", text });
      services.push(...servicesOf(part, text));
    } else if (part === "transport") {
      const main = render("main-transport.cf");
      const table = render("transport");
      snippets.push({ part, file: "main.cf", text: main }, { part, file: "transport", text: table });
      params.push(...paramsOf(part, main));
      const lines = splitLines(table.replace(/\n+$/, ""));
      const keys = lines.filter((l) => !isIgnoredLine(l) && !/^\s/.test(l)).map((l) => l.split(/\s+/)[0]!);
      transport = { file: input.values.transport_file, mapType: o.mapType, lines, keys };
    } else {
      const text = render("main-debug.cf");
      snippets.push({ part, file: "main.cf", text });
      params.push(...paramsOf(part, text));
    }
  }
  const c = configDir === "/etc/postfix" ? "" : ` -c ${configDir}`;
  const commands = [
    ...(transport ? [`postmap${c} ${transport.mapType}:${transport.file}`] : []),
    `postfix${c} check`,
    `postfix${c} reload`,
  ];
  const filters: string[] = [];
  const at = (port: number) => hostPort(o.filterHost, port);
  if (parts.includes("inbound")) {
    filters.push(`spfdk filter --verify --listen ${at(o.inFilterPort)} --next ${at(o.inReturnPort)}`);
  }
  if (parts.includes("outbound") || parts.includes("pickup")) {
    const domain = o.domain[0] ?? "<your domain>";
    filters.push(
      `spfdk filter --sign --listen ${at(o.outFilterPort)} --next ${at(o.outReturnPort)} ` +
        `--domain ${domain} --selector <selector> --key <private key file>`,
    );
  }
  return { parts: [...parts], snippets, services, params, transport, commands, filters };
}
