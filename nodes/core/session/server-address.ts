// Where to connect, in the order to try: the configured server; else the domain's SRV records
// (RFC 6120 3.2.1), _xmpps-client (direct TLS, XEP-0368) and _xmpp-client (STARTTLS) mixed into
// one RFC 2782 order where the security setting takes both; else the domain on the default port.
import { orderSrv, type Random } from './srv-order';
import { UnreachableError, type TriedAddress } from './tried-addresses';

export type Security = 'starttls' | 'tls' | 'none';

export interface ServerAddress {
  host: string;
  port: number;
  /** TLS from the first byte (xmpps), else the stream starts in the clear (STARTTLS follows unless Security is none). */
  directTls: boolean;
}

/** What node:dns's resolveSrv gives; "" or "." as the name: the service is decidedly not available. */
export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

export type SrvLookup = (name: string) => Promise<SrvRecord[]>;

export interface ServerSearch {
  host?: string | undefined;
  port?: number | undefined;
  srv: SrvLookup;
  random?: Random | undefined;
}

const DEFAULT_PORTS: Record<Security, number> = { starttls: 5222, none: 5222, tls: 5223 };

/**
 * The services Security allows. STARTTLS required is satisfied by direct TLS too: it is encrypted
 * from the first byte and its certificate is checked the same way (XEP-0368 3), so both count.
 */
const SERVICES: Record<Security, readonly boolean[]> = { starttls: [true, false], tls: [true], none: [false] };

function serviceName(directTls: boolean, domain: string): string {
  return `${directTls ? '_xmpps-client' : '_xmpp-client'}._tcp.${domain}`;
}

/** 'none' when there is no answer (no record, no such name, no reply): then the other service or the fallback decides. */
async function lookupService(srv: SrvLookup, name: string): Promise<SrvRecord[] | 'none' | 'not-offered'> {
  let records: SrvRecord[];
  try {
    records = await srv(name);
  } catch {
    return 'none';
  }
  if (records.length === 0) return 'none';
  const usable = records.filter((record) => record.name !== '' && record.name !== '.');
  return usable.length > 0 ? usable : 'not-offered';
}

function isLiteralOrLocal(domain: string): boolean {
  return domain === 'localhost' || /^[\d.]+$/.test(domain) || domain.startsWith('[');
}

export async function findServer(domain: string, security: Security, search: ServerSearch): Promise<ServerAddress[]> {
  const { host, port } = search;
  const directTls = security === 'tls';
  if (host) return [{ host, port: port ?? DEFAULT_PORTS[security], directTls }];
  // A port without a server names a port of the domain's host: SRV records bring their own ports.
  if (port !== undefined || isLiteralOrLocal(domain)) return [{ host: domain, port: port ?? DEFAULT_PORTS[security], directTls }];
  const answers = await Promise.all(SERVICES[security].map(async (tls) => ({ tls, name: serviceName(tls, domain), answer: await lookupService(search.srv, serviceName(tls, domain)) })));
  const found = answers.flatMap(({ tls, answer }) => (Array.isArray(answer) ? answer.map((record) => ({ ...record, tls })) : []));
  if (found.length > 0) {
    const ordered = orderSrv(found, search.random).map((record) => ({ host: record.name, port: record.port, directTls: record.tls }));
    return ordered.filter((address, index) => ordered.findIndex((other) => other.host === address.host && other.port === address.port && other.directTls === address.directTls) === index);
  }
  // A "." target: the domain says it offers no such service, so no fallback either (XEP-0368 4).
  const refusals: TriedAddress[] = answers.filter(({ answer }) => answer === 'not-offered').map(({ name }) => ({ address: name, outcome: 'no-service', code: 'no-service' }));
  if (refusals.length > 0) throw new UnreachableError('host-not-found', refusals);
  return [{ host: domain, port: DEFAULT_PORTS[security], directTls }];
}

export function serviceUri(address: ServerAddress): string {
  const host = address.host.includes(':') && !address.host.startsWith('[') ? `[${address.host}]` : address.host;
  return `${address.directTls ? 'xmpps' : 'xmpp'}://${host}:${address.port}`;
}

/** The address a service URI names (a redirect's target), undefined for what is not one. */
export function addressOf(uri: string): ServerAddress | undefined {
  const match = /^(xmpps?):\/\/(\[[\da-fA-F:.]+\]|[^/:[\]]+):(\d+)$/.exec(uri);
  if (!match) return undefined;
  const [, scheme, host = '', port] = match;
  return { host: host.replace(/^\[|\]$/g, ''), port: Number(port), directTls: scheme === 'xmpps' };
}
