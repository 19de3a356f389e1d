// Failures the user can act on, each with a name. Nodes map the name to a localized text.
import { detailCode, isWords, wordsOf, type Detail, type Words } from './words';

export const ERROR_CODES = [
  // connecting
  'not-authorized',
  'host-not-found',
  'connection-refused',
  'connection-timeout',
  'connection-lost',
  'tls-untrusted',
  'tls-unavailable',
  'tls-required',
  'no-mechanism',
  'sasl-downgrade',
  'conflict',
  'stream-error',
  'inbound-too-large',
  'bad-xml',
  'scram-iterations',
  // sending
  'not-connected',
  'invalid-jid',
  'no-recipient',
  'invalid-type',
  'invalid-payload',
  'too-large',
  'outbox-full',
  'outbox-expired',
  'poison',
  // delivery
  'bounced',
  'not-delivered',
  // rooms
  'room-timeout',
  'room-refused',
  'room-left',
  // asking others
  'timeout',
  'stanza-error',
  'rpc-fault',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class XmppError extends Error {
  readonly code: ErrorCode;
  /** Extra data for the user (never secrets): a JID, a server's condition, a system error code; words as a language-free code. */
  readonly detail: string;
  /** The detail as words for the nodes to translate, when it is more than data. */
  readonly words: Words | undefined;
  /** For 'stanza-error': the RFC 6120 condition the other side answered (item-not-found, …). */
  readonly condition: string | undefined;
  /** For 'stanza-error': who says it made the error (RFC 6120 8.3.2 `by`), when the answer says so. */
  readonly by: string | undefined;

  constructor(code: ErrorCode, detail: Detail = '', condition?: string, by?: string) {
    const text = detailCode(detail);
    super(text ? `${code}: ${text}` : code);
    this.name = 'XmppError';
    this.code = code;
    this.detail = text;
    this.words = wordsOf(detail);
    this.condition = condition;
    this.by = by;
  }
}

/**
 * Connection failures after which retrying with the same settings cannot help. A conflict means
 * another client took our full JID: retrying would start a kick-each-other loop. A server that
 * asks for an absurd SCRAM iteration count would only ask again.
 */
const FATAL = new Set<ErrorCode>(['not-authorized', 'conflict', 'tls-unavailable', 'tls-required', 'no-mechanism', 'sasl-downgrade', 'scram-iterations']);

export function isFatal(error: XmppError): boolean {
  return FATAL.has(error.code);
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const AUTH_CONDITIONS = new Set([
  'not-authorized',
  'account-disabled',
  'credentials-expired',
  'invalid-mechanism',
  'encryption-required',
]);

interface ErrorFields {
  name?: unknown;
  code?: unknown;
  condition?: unknown;
  message?: unknown;
  words?: unknown;
}

function fieldsOf(err: unknown): ErrorFields {
  return typeof err === 'object' && err !== null ? (err as ErrorFields) : {};
}

/** Turns whatever the socket, TLS or xmpp.js reported into one named failure. */
export function classifyConnectionError(err: unknown): XmppError {
  if (err instanceof XmppError) return err;
  const { name, code, condition, message, words } = fieldsOf(err);
  const text = typeof message === 'string' ? message : '';
  if (name === 'ScramError') return new XmppError('not-authorized', isWords(words) ? words : text);
  if (name === 'SASLError' || (typeof condition === 'string' && AUTH_CONDITIONS.has(condition))) {
    return new XmppError('not-authorized', typeof condition === 'string' && condition !== 'not-authorized' ? condition : '');
  }
  if (typeof code === 'string') {
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return new XmppError('host-not-found', code);
    if (code === 'ECONNREFUSED') return new XmppError('connection-refused', code);
    if (code === 'ETIMEDOUT') return new XmppError('connection-timeout', code);
    if (TLS_CODES.has(code)) return new XmppError('tls-untrusted', code);
    if (code === 'ECONNRESET' || code === 'EPIPE') return new XmppError('connection-lost', code);
  }
  if (name === 'TimeoutError') return new XmppError('connection-timeout');
  if (name === 'StreamError' && typeof condition === 'string') {
    if (condition === 'conflict') return new XmppError('conflict');
    if (condition === 'host-unknown') return new XmppError('host-not-found', condition);
    return new XmppError('stream-error', condition);
  }
  return new XmppError('connection-lost', text.slice(0, 200));
}
