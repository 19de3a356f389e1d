// What was tried on the way to the server and how each try ended, and the error that names them
// all when none led to a stream: "[::1]:5222 refused, 127.0.0.1:5222 timed out", not "failed".
import { XmppError, classifyConnectionError, type ErrorCode } from '../errors';

/** How one address (or name) failed; each has a text in the locales (xmpp-config.tried.*). */
export const ADDRESS_OUTCOMES = ['refused', 'timed-out', 'unreachable', 'not-found', 'closed', 'tls-untrusted', 'no-stream', 'no-service', 'failed'] as const;

export type AddressOutcome = (typeof ADDRESS_OUTCOMES)[number];

export interface TriedAddress {
  /** "[::1]:5222", "127.0.0.1:5222"; a name when it had no address ("xmpp.example.org:5222", "_xmpp-client._tcp.example.org"). */
  address: string;
  outcome: AddressOutcome;
  /** What the system or the library said (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT …), for logs and flows. */
  code: string;
}

/** The connection failed at every address tried; `detail` lists them with their system codes. */
export class UnreachableError extends XmppError {
  constructor(
    code: ErrorCode,
    readonly tried: readonly TriedAddress[],
  ) {
    super(code, tried.map((entry) => `${entry.address} ${entry.code}`).join(', '));
    this.name = 'UnreachableError';
  }
}

/** host:port, an IPv6 address in brackets. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EHOSTDOWN']);
const CLOSED = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

function codeOf(error: unknown): string {
  const { code, name } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; name?: unknown };
  if (typeof code === 'string' && code !== '') return code;
  return typeof name === 'string' && name !== 'Error' ? name : 'unknown';
}

/** One failed address, named by what the socket, TLS or xmpp.js said. */
export function failedAt(address: string, error: unknown): TriedAddress {
  const code = codeOf(error);
  if (code === 'ECONNREFUSED') return { address, outcome: 'refused', code };
  if (code === 'ETIMEDOUT') return { address, outcome: 'timed-out', code };
  if (UNREACHABLE.has(code)) return { address, outcome: 'unreachable', code };
  if (CLOSED.has(code)) return { address, outcome: 'closed', code };
  if (code === 'TimeoutError') return { address, outcome: 'no-stream', code };
  if (classifyConnectionError(error).code === 'tls-untrusted') return { address, outcome: 'tls-untrusted', code };
  return { address, outcome: 'failed', code };
}

const ERROR_OF: Record<AddressOutcome, ErrorCode> = {
  refused: 'connection-refused',
  'timed-out': 'connection-timeout',
  'no-stream': 'connection-timeout',
  unreachable: 'host-not-found',
  'not-found': 'host-not-found',
  'no-service': 'host-not-found',
  closed: 'connection-lost',
  failed: 'connection-lost',
  'tls-untrusted': 'tls-untrusted',
};

/**
 * Which failure names the whole: a certificate problem above all; a refusal only when nothing
 * worse happened (every address refusing is a server restarting, retried quickly); a name that
 * did not resolve or a network without a route last (a host without IPv6 is common).
 */
const RANK: readonly ErrorCode[] = ['tls-untrusted', 'connection-timeout', 'connection-lost', 'connection-refused', 'host-not-found'];

export function unreachable(tried: readonly TriedAddress[], otherwise: ErrorCode = 'connection-timeout'): UnreachableError {
  const codes = new Set(tried.map((entry) => ERROR_OF[entry.outcome]));
  return new UnreachableError(RANK.find((code) => codes.has(code)) ?? otherwise, tried);
}
