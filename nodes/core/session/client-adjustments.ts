// Per-connection adjustments of an xmpp.js client: its socket (no delay, closing it for good),
// the trust settings of direct TLS, and server redirects. Knows nothing of Node-RED.
import type { EventEmitter } from 'node:events';
import type { TLSSocket } from 'node:tls';
import { XmppError } from '../errors';
import { NS_STREAM_ERRORS } from '../namespaces';
import type { Security } from './server-address';
import { checkPeer, tlsOptions, type TlsTrust } from './tls-trust';
import type { Client, XmlElement } from '../xmpp-lib';
import { words } from '../words';

/** Direct TLS with this connection's trust settings, certificate checked against the XMPP domain. */
export function useTrustForDirectTls(client: Client, trust: TlsTrust, domain: string, fail: (error: XmppError) => void): void {
  const original = client.socketParameters.bind(client);
  client.socketParameters = (service: string) => {
    const params = original(service);
    return params && service.startsWith('xmpps:') ? { ...params, ...tlsOptions(trust, domain) } : params;
  };
  if (trust.mode !== 'pin') return;
  client.on('connect', () => {
    const tlsSocket = (client.socket as { socket?: unknown } | null)?.socket;
    if (!tlsSocket) return;
    const rejected = checkPeer(tlsSocket as TLSSocket, trust);
    if (rejected) fail(rejected);
  });
}

export function noDelay(client: Client): void {
  const socket = client.socket as (EventEmitter & { setNoDelay?: (on: boolean) => void; socket?: { setNoDelay?: (on: boolean) => void } | null }) | null;
  socket?.setNoDelay?.(true);
  socket?.socket?.setNoDelay?.(true);
}

/**
 * Closes the client's socket at once. Over direct TLS, client.socket is xmpp.js's wrapper,
 * which has no destroy(): the TLS socket inside it is the one to close, or an abandoned
 * attempt would go on and log in by itself.
 */
export function destroySocket(client: Client): void {
  const socket = client.socket as (EventEmitter & { destroy?: () => void; socket?: { destroy?: () => void } | null }) | null;
  try {
    socket?.socket?.destroy?.();
    socket?.destroy?.();
  } catch {
    // already gone
  }
}

/**
 * A <see-other-host/> stream error: xmpp.js would reconnect to the new host by itself, racing our
 * own reconnect. Instead the next attempt of ours goes there, and only over an encrypted stream,
 * where the server that sent it was authenticated; in the clear anyone on the path could send it.
 */
export function followRedirectsOurselves(client: Client, security: Security, cause: (error: XmppError) => void): void {
  const target = client as unknown as { _onSeeOtherHost: (error: { element?: XmlElement }) => void };
  target._onSeeOtherHost = (error) => {
    const host = error.element?.getChildText('see-other-host', NS_STREAM_ERRORS)?.trim() ?? '';
    if (security !== 'none' && client.isSecure() && /^[\w.-]+(:\d+)?$|^\[[\da-fA-F:]+\](:\d+)?$/.test(host)) {
      const scheme = security === 'tls' ? 'xmpps' : 'xmpp';
      const withPort = /:\d+$/.test(host) ? host : `${host}:${security === 'tls' ? 5223 : 5222}`;
      client.options.service = `${scheme}://${withPort}`;
    }
    cause(new XmppError('stream-error', host ? words('see-other-host', { host }) : 'see-other-host'));
  };
}

/** Drops a client for good: no listeners of ours, no socket, and a late error cannot crash. */
export function discard(client: Client): void {
  client.removeAllListeners();
  client.on('error', () => undefined);
  destroySocket(client);
}

/** Says goodbye (when given), closes the stream and drops the client, within timeoutMs even when the server does not answer. */
export async function closeClient(client: Client, goodbye: XmlElement | undefined, timeoutMs: number): Promise<void> {
  const closing = (async () => {
    if (goodbye) await client.send(goodbye).catch(() => undefined);
    await client.stop().catch(() => undefined);
  })();
  await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  discard(client);
}
