// Which DNS answers a session uses: the system's (SRV through its resolvers, host names through
// getaddrinfo, so /etc/hosts counts), or given DNS servers for both (tests point a session at
// their own server this way).
import type { LookupAddress } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import type { SrvLookup } from './server-address';

export interface DnsAccess {
  srv: SrvLookup;
  /** For net.connect; undefined: Node's own (getaddrinfo). */
  lookup: LookupFunction | undefined;
}

export function dnsAccess(servers?: readonly string[]): DnsAccess {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  if (!servers || servers.length === 0) return { srv: (name) => resolver.resolveSrv(name), lookup: undefined };
  resolver.setServers([...servers]);
  return { srv: (name) => resolver.resolveSrv(name), lookup: lookupThrough(resolver) };
}

function notFound(hostname: string, cause: unknown): NodeJS.ErrnoException {
  const given = (cause as { code?: unknown } | undefined)?.code;
  const code = typeof given === 'string' ? given : 'ENOTFOUND';
  // Code and host only, as Node's own lookup errors read: this message can reach a user as a detail.
  return Object.assign(new Error(`${code} ${hostname}`), { code, hostname });
}

/** What lookupThrough needs of a resolver. */
export interface AddressResolver {
  resolve4(hostname: string): Promise<string[]>;
  resolve6(hostname: string): Promise<string[]>;
}

/** A lookup for net.connect that asks the resolver for AAAA and A records: IPv6 first (RFC 6724), Node alternates from there. */
export function lookupThrough(resolver: AddressResolver): LookupFunction {
  return (hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    void Promise.allSettled([resolver.resolve6(hostname), resolver.resolve4(hostname)]).then(([six, four]) => {
      const addresses: LookupAddress[] = [
        ...(six.status === 'fulfilled' ? six.value.map((address) => ({ address, family: 6 })) : []),
        ...(four.status === 'fulfilled' ? four.value.map((address) => ({ address, family: 4 })) : []),
      ].filter((entry) => !family || entry.family === family);
      const first = addresses[0];
      if (!first) {
        // NXDOMAIN says more than "no AAAA record": prefer the A query's reason, then the AAAA one's.
        callback(notFound(hostname, four.status === 'rejected' ? four.reason : six.status === 'rejected' ? six.reason : undefined), options.all ? [] : '');
        return;
      }
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}
