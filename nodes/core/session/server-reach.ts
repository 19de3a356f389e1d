// Reaching the server: each candidate in turn until one opens a stream (RFC 6120 3.2.1: a target
// that cannot be connected to gives way to the next), each host's IPv6 and IPv4 addresses as
// Node's happy eyeballs tries them (RFC 8305). When none opens, the error names every address
// tried and how it failed. What comes after the stream opens (TLS, login) is not retried here:
// a refused password is the same on every host.
import type { EventEmitter } from 'node:events';
import type { LookupFunction } from 'node:net';
import { XmppError } from '../errors';
import { AttemptLog, GAVE_UP } from './attempt-log';
import { serviceUri, type ServerAddress } from './server-address';
import { failedAt, hostPort, unreachable, type TriedAddress } from './tried-addresses';
import type { Client } from '../xmpp-lib';

/** How long one candidate may take to connect and open its stream while others wait behind it. */
export const CANDIDATE_LIMIT_MS = 10_000;

type NetSocket = EventEmitter & { destroy(): void };

/**
 * Every connect of the client tries all of a host's addresses (autoSelectFamily), through the
 * given lookup when there is one; direct TLS names its protocol with ALPN (XEP-0368).
 */
export function connectAcrossAddresses(client: Client, lookup: LookupFunction | undefined): void {
  const original = client.socketParameters.bind(client);
  client.socketParameters = (service: string) => {
    const params = original(service);
    if (!params) return params;
    return { ...params, autoSelectFamily: true, ...(lookup ? { lookup } : {}), ...(service.startsWith('xmpps:') ? { ALPNProtocols: ['xmpp-client'] } : {}) };
  };
}

/** The socket that connects: xmpp.js's own for TCP, the TLS socket inside its wrapper for direct TLS. */
function netSocketOf(client: Client): NetSocket | undefined {
  const socket = client.socket as (NetSocket & { socket?: NetSocket | null }) | null;
  if (!socket) return undefined;
  return socket.socket ?? socket;
}

export class ServerReach {
  private readonly tried: TriedAddress[] = [];
  /** Ends the candidate being tried, with a cause; undefined between candidates. */
  private endCurrent: ((cause: unknown) => void) | undefined;
  private stopped = false;

  constructor(
    private readonly client: Client,
    private readonly domain: string,
    private readonly limitMs = CANDIDATE_LIMIT_MS,
  ) {}

  /** True while a candidate is being connected to: its socket's errors and close are ours, not the session's. */
  get active(): boolean {
    return this.endCurrent !== undefined;
  }

  /** Connects the client to the first candidate that opens a stream; rejects with an UnreachableError naming what was tried. */
  async connect(candidates: readonly ServerAddress[]): Promise<ServerAddress> {
    for (const [index, candidate] of candidates.entries()) {
      if (this.stopped) break;
      // The last candidate has no limit of its own: the session's deadline for the attempt is its limit.
      if (await this.open(candidate, index < candidates.length - 1 ? this.limitMs : undefined)) return candidate;
    }
    throw this.failure();
  }

  /** Gives up: the candidate being tried counts as timed out. The error names everything tried. */
  stop(): XmppError {
    this.stopped = true;
    this.endCurrent?.(GAVE_UP);
    return this.failure();
  }

  private failure(): XmppError {
    return this.tried.length > 0 ? unreachable(this.tried) : new XmppError('connection-timeout');
  }

  /** True when the stream opened; otherwise what failed is in `tried` and the socket is gone. */
  private open(candidate: ServerAddress, limitMs: number | undefined): Promise<boolean> {
    const client = this.client;
    const service = serviceUri(candidate);
    client.options.service = service;
    return new Promise((resolve) => {
      let log: AttemptLog | undefined;
      let socket: NetSocket | undefined;
      let timer: NodeJS.Timeout | undefined;
      // The stream is open when the server's header arrives: ended there and then, so that a
      // stream error right behind it in the same data already reaches the session.
      const onOpen = (): void => end();
      const onClose = (): void => end({ code: 'ECONNRESET' });
      const end = (cause?: unknown): void => {
        if (this.endCurrent !== end) return;
        this.endCurrent = undefined;
        clearTimeout(timer);
        client.off('open', onOpen);
        client.off('disconnect', onClose);
        if (cause === undefined) {
          resolve(true);
          return;
        }
        this.tried.push(...(log ? log.failures(cause) : [failedAt(hostPort(candidate.host, candidate.port), cause)]));
        this.drop(socket);
        resolve(false);
      };
      this.endCurrent = end;
      if (limitMs !== undefined) timer = setTimeout(() => end(GAVE_UP), limitMs);
      let connecting: Promise<void>;
      try {
        connecting = client.connect(service);
      } catch (error) {
        end(error);
        return;
      }
      socket = netSocketOf(client);
      if (socket) log = new AttemptLog(socket, hostPort(candidate.host, candidate.port));
      client.on('open', onOpen);
      client.on('disconnect', onClose);
      connecting.then(() => client.open({ domain: this.domain, lang: 'en' })).catch((error: unknown) => end(error ?? GAVE_UP));
    });
  }

  /** Lets go of a failed candidate's socket: detached first, so its late close cannot touch the next one's. */
  private drop(socket: NetSocket | undefined): void {
    if (!socket) return;
    const outer = this.client.socket;
    if (outer && (outer === socket || (outer as { socket?: unknown }).socket === socket)) {
      this.client._detachSocket();
      // Nobody listens to the direct-TLS wrapper any more: a late error there must not be uncaught.
      outer.on('error', () => undefined);
    }
    try {
      socket.destroy();
    } catch {
      // already gone
    }
  }
}
