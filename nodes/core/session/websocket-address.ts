// Where to reach the server over WebSocket (RFC 7395): the URL the user gave, or the one the
// domain publishes in its host-meta file (XEP-0156), fetched over HTTPS with this connection's
// trust settings. Only an encrypted wss:// URL, unless the user chose no encryption at all.
import { request as httpsRequest } from 'node:https';
import { XmppError, classifyConnectionError } from '../errors';
import type { Security } from './server-address';
import type { TLSSocket } from 'node:tls';
import { checkPeer, tlsOptions, type TlsTrust } from './tls-trust';
import { words } from '../words';

export interface WebSocketOptions {
  /** ws:// or wss:// URL; empty: discovered through the domain's host-meta (XEP-0156). */
  url?: string | undefined;
  /** Where host-meta is fetched from instead of https://<domain> (tests). */
  discoveryBase?: string | undefined;
}

const REL_WEBSOCKET = 'urn:xmpp:alt-connections:websocket';
const MAX_HOST_META_BYTES = 64 * 1024;
const DISCOVERY_TIMEOUT_MS = 10_000;

/** Throws unless the URL is WebSocket, and encrypted unless Security is none. */
export function checkWebSocketUrl(url: string, security: Security): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new XmppError('host-not-found', words('ws-no-url', { url }));
  }
  if (parsed.protocol !== 'wss:' && parsed.protocol !== 'ws:') throw new XmppError('host-not-found', words('ws-not-ws', { url }));
  if (parsed.protocol === 'ws:' && security !== 'none') throw new XmppError('tls-unavailable', words('ws-unencrypted', { url }));
  return parsed.toString();
}

/** The WebSocket links of a host-meta document, XRD (XML) or JRD (JSON). */
export function webSocketLinks(document: string): string[] {
  const text = document.trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as { links?: Array<{ rel?: unknown; href?: unknown }> };
      return (parsed.links ?? []).filter((link) => link.rel === REL_WEBSOCKET && typeof link.href === 'string').map((link) => link.href as string);
    } catch {
      return [];
    }
  }
  const links: string[] = [];
  for (const match of text.matchAll(/<Link\b([^>]*)>/g)) {
    const attrs = match[1] ?? '';
    const rel = /\brel\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(attrs);
    const href = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(attrs);
    if ((rel?.[1] ?? rel?.[2]) === REL_WEBSOCKET && href) links.push((href[1] ?? href[2] ?? '').replace(/&amp;/g, '&'));
  }
  return links;
}

function fetchText(url: string, trust: TlsTrust): Promise<string> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpsRequest(url, { ...tlsOptions(trust, target.hostname), agent: false, timeout: DISCOVERY_TIMEOUT_MS, headers: { accept: 'application/xrd+xml, application/json' } }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new XmppError('host-not-found', words('at-place', { place: url, detail: `HTTP ${response.statusCode ?? '?'}` })));
        return;
      }
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > MAX_HOST_META_BYTES) request.destroy(new XmppError('host-not-found', words('ws-host-meta-large', { url, kib: MAX_HOST_META_BYTES / 1024 })));
      });
      response.on('end', () => resolve(body));
      response.on('error', reject);
    });
    // The request is ended (and so written) only once the certificate passed this connection's
    // trust, a pin included (the chain check is off for pins): nothing reaches a server we refuse.
    request.once('socket', (socket) => {
      socket.once('secureConnect', () => {
        const rejected = checkPeer(socket as TLSSocket, trust);
        if (!rejected) {
          request.end();
          return;
        }
        reject(rejected); // first: checkPeer has closed the socket, which the request reports as a hang-up
        request.destroy();
      });
    });
    request.on('timeout', () => request.destroy(new XmppError('connection-timeout', url)));
    request.on('error', (error) => reject(error instanceof XmppError ? error : classifyConnectionError(error)));
  });
}

/** The URL to connect to. */
export async function resolveWebSocket(domain: string, security: Security, trust: TlsTrust, options: WebSocketOptions): Promise<string> {
  if (options.url) return checkWebSocketUrl(options.url, security);
  const base = options.discoveryBase ?? `https://${domain}`;
  let links: string[] = [];
  for (const file of ['host-meta', 'host-meta.json']) {
    try {
      links = webSocketLinks(await fetchText(`${base}/.well-known/${file}`, trust));
    } catch (error) {
      // A certificate we do not trust is an answer in itself; anything else: try the JSON form.
      if (error instanceof XmppError && error.code === 'tls-untrusted') throw error;
      continue;
    }
    if (links.length > 0) break;
  }
  const usable = links.find((link) => link.startsWith('wss://')) ?? (security === 'none' ? links.find((link) => link.startsWith('ws://')) : undefined);
  if (!usable) throw new XmppError('host-not-found', words(security === 'none' ? 'ws-no-endpoint' : 'ws-no-wss-endpoint', { url: `${base}/.well-known/host-meta` }));
  return checkWebSocketUrl(usable, security);
}
