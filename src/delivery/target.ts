import { lookup } from "node:dns/promises";
import { DnsFailure } from "../domain/http-outcome";
import { checkResolvedAddresses, checkTargetUrl, type Mode } from "../domain/ssrf";

export type Resolver = (host: string) => Promise<string[]>;

export { DnsFailure };

export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

export interface VettedTarget {
  /** What to connect to: in production the vetted IP, so a second DNS answer cannot redirect the request. */
  connectUrl: string;
  /** Host header and TLS server name when connecting by IP. */
  hostHeader: string | null;
  serverName: string | null;
  /** The address the request goes to (for the attempt record). */
  address: string | null;
}

/**
 * Resolves a target once and vets every address. Production connects to the vetted IP (Host header and TLS SNI
 * keep the name, certificates are still checked against it); development connects to the URL as given.
 */
export async function vetTarget(raw: string, mode: Mode, resolve: Resolver = systemResolver): Promise<VettedTarget> {
  const { url, host, literalIp } = checkTargetUrl(raw, mode);
  if (literalIp) return { connectUrl: url.href, hostHeader: null, serverName: null, address: literalIp };
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (err) {
    throw new DnsFailure(host, err);
  }
  if (addresses.length === 0) throw new DnsFailure(host, new Error("no addresses"));
  checkResolvedAddresses(host, addresses, mode);
  const address = addresses.find((a) => !a.includes(":")) ?? addresses[0]!;
  if (mode !== "production") return { connectUrl: url.href, hostHeader: null, serverName: null, address };
  const pinned = new URL(url.href);
  pinned.hostname = address.includes(":") ? `[${address}]` : address;
  return { connectUrl: pinned.href, hostHeader: url.host, serverName: host, address };
}
