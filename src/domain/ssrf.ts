import { isIP } from "node:net";

/**
 * Which destinations a server-side HTTP request may reach. Pure functions: the DNS step that feeds them lives in
 * src/delivery/target.ts. In production every address a name resolves to must be public; development allows
 * everything so people can point webhooks at a local receiver.
 */

export type Mode = "development" | "production";

export class TargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TargetRefused";
  }
}

/** IPv4 ranges that are never public: [first address as uint32, prefix length]. */
const BLOCKED_V4: [number, number][] = [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.88.99.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15],
  ["198.51.100.0", 24], ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
].map(([ip, bits]) => [v4ToInt(ip as string), bits as number]);

function v4ToInt(ip: string): number {
  return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

function v4Blocked(n: number): boolean {
  return BLOCKED_V4.some(([base, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits)));
}

/** Eight 16-bit groups of an IPv6 address (zone id dropped, embedded dotted IPv4 expanded). */
function v6Groups(ip: string): number[] {
  let text = ip.split("%")[0]!.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = v4ToInt(dotted[1]!);
    text = text.slice(0, dotted.index) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.split("::");
  const parse = (s: string | undefined) => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array(missing).fill(0), ...right];
}

function v6Blocked(g: number[]): boolean {
  const embeddedV4 = (hi: number, lo: number) => hi * 65536 + lo;
  const firstFiveZero = g.slice(0, 5).every((x) => x === 0);
  if (firstFiveZero && g[5] === 0xffff) return v4Blocked(embeddedV4(g[6]!, g[7]!)); // ::ffff:a.b.c.d (IPv4-mapped)
  if (firstFiveZero && g[5] === 0) return true; // ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d
  if (g[0] === 0x64 && g[1] === 0xff9b) return v4Blocked(embeddedV4(g[6]!, g[7]!)); // NAT64
  if (g[0] === 0x2002) return v4Blocked(embeddedV4(g[1]!, g[2]!)); // 6to4
  if (g[0] === 0x2001 && g[1] === 0) return true; // Teredo
  if (g[0] === 0x2001 && g[1] === 0xdb8) return true; // documentation
  if (g[0] === 0x100 && g.slice(1, 4).every((x) => x === 0)) return true; // discard-only
  const first = g[0]!;
  return (first & 0xfe00) === 0xfc00 /* unique local, incl. fd00:ec2::254 */ || (first & 0xffc0) === 0xfe80 /* link-local */ ||
    (first & 0xffc0) === 0xfec0 /* site-local */ || (first & 0xff00) === 0xff00 /* multicast */;
}

/** True when an IP address is loopback, private, link-local, metadata, multicast, reserved or maps onto one. */
export function isNonPublicAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, "");
  const family = isIP(bare.split("%")[0]!);
  if (family === 4) return v4Blocked(v4ToInt(bare));
  if (family === 6) return v6Blocked(v6Groups(bare));
  return true;
}

/** Names that mean "this machine" or a cloud metadata service whatever DNS says. */
const BLOCKED_NAMES = [/^localhost$/, /\.localhost$/, /^metadata\.google\.internal$/, /^metadata$/, /^instance-data(\.ec2\.internal)?$/];

export interface ParsedTarget {
  url: URL;
  /** Host name without IPv6 brackets and without a trailing dot. */
  host: string;
  /** Set when the host is an IP literal. */
  literalIp: string | null;
}

/**
 * The checks that need no DNS: an absolute http(s) URL, https in production, and in production no blocked name
 * or non-public IP literal. Messages are the contract's (`Invalid webhook URL…`, `HTTP not allowed…`).
 */
export function checkTargetUrl(raw: string, mode: Mode): ParsedTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused("Invalid webhook URL: not an absolute URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TargetRefused("Invalid webhook URL: scheme must be http or https");
  const host = url.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
  if (!host) throw new TargetRefused("Invalid webhook URL: missing host");
  const literalIp = isIP(host.split("%")[0]!) ? host : null;
  if (mode === "production") {
    if (url.protocol === "http:") throw new TargetRefused("HTTP not allowed in production: webhook URLs must use https");
    if (BLOCKED_NAMES.some((re) => re.test(host))) throw new TargetRefused("Invalid webhook URL: the host is a local or metadata name");
    if (literalIp && isNonPublicAddress(literalIp)) throw new TargetRefused("Invalid webhook URL: the address is private, loopback, link-local or reserved");
  }
  return { url, host, literalIp };
}

/** In production every resolved address must be public (one bad answer refuses the name: no lucky draws). */
export function checkResolvedAddresses(host: string, addresses: string[], mode: Mode): void {
  if (mode !== "production") return;
  const bad = addresses.find(isNonPublicAddress);
  if (bad !== undefined) throw new TargetRefused(`Invalid webhook URL: ${host} resolves to a private, loopback, link-local or reserved address`);
}
