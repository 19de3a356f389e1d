// Where to connect: the configured host, else the domain's SRV record (RFC 6120 3.2.1), else
// the domain itself on the default port.
import { Resolver } from 'node:dns/promises';

export type Security = 'starttls' | 'tls' | 'none';

export interface ServerAddress {
  host: string;
  port: number;
}

const DEFAULT_PORTS: Record<Security, number> = { starttls: 5222, none: 5222, tls: 5223 };

export async function resolveServer(domain: string, security: Security, host?: string, port?: number): Promise<ServerAddress> {
  const fallbackPort = port ?? DEFAULT_PORTS[security];
  if (host) return { host, port: fallbackPort };
  if (domain === 'localhost' || /^[\d.]+$/.test(domain) || domain.startsWith('[')) return { host: domain, port: fallbackPort };
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  const service = security === 'tls' ? '_xmpps-client._tcp.' : '_xmpp-client._tcp.';
  try {
    const records = await resolver.resolveSrv(service + domain);
    const usable = records.filter((r) => r.name !== '.').sort((a, b) => a.priority - b.priority || b.weight - a.weight);
    const best = usable[0];
    if (best) return { host: best.name, port: port ?? best.port };
  } catch {
    // No SRV record: the domain itself is the host.
  }
  return { host: domain, port: fallbackPort };
}

export function serviceUri(security: Security, address: ServerAddress): string {
  const host = address.host.includes(':') && !address.host.startsWith('[') ? `[${address.host}]` : address.host;
  return `${security === 'tls' ? 'xmpps' : 'xmpp'}://${host}:${address.port}`;
}
