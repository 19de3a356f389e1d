// Which certificates a connection trusts, decided per connection and never for the whole
// process: the system's CAs (default), a CA of the user's, a pinned certificate, or anything.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions, PeerCertificate } from 'node:tls';
import { XmppError } from '../errors';
import { words } from '../words';

export type TrustMode = 'system' | 'ca' | 'pin' | 'any';

export interface TlsTrust {
  mode: TrustMode;
  /** For 'ca': PEM text. */
  ca?: string | undefined;
  /** For 'pin': the certificate's SHA-256 fingerprint, hex, colons optional. */
  pin?: string | undefined;
}

export const SYSTEM_TRUST: TlsTrust = { mode: 'system' };

/** PEM text as it is; anything else is taken for the path of a PEM file. */
export function readCa(textOrPath: string): string {
  const text = textOrPath.trim();
  if (text.includes('-----BEGIN')) return text;
  try {
    return readFileSync(text, 'utf8');
  } catch (error) {
    throw new XmppError('tls-untrusted', words('ca-unreadable', { file: text, reason: error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : '' }));
  }
}

export function normalizePin(pin: string): string {
  return pin.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
}

/** Options for tls.connect; `servername` is the XMPP domain the certificate must name. */
export function tlsOptions(trust: TlsTrust, servername: string): ConnectionOptions {
  const base: ConnectionOptions = { servername, minVersion: 'TLSv1.2' };
  switch (trust.mode) {
    case 'system':
      return { ...base, rejectUnauthorized: true };
    case 'ca':
      return { ...base, rejectUnauthorized: true, ca: trust.ca };
    case 'pin':
    case 'any':
      // Chain checks off; 'pin' checks the certificate itself once the handshake is done.
      return { ...base, rejectUnauthorized: false };
  }
}

/** What checkPeer needs of a TLS socket (a TLSSocket; a plain object in unit tests). */
export interface PeerSocket {
  getPeerCertificate(): PeerCertificate;
  destroy(): unknown;
}

/**
 * After the handshake: the pinned fingerprint must match. Undefined when the peer is acceptable.
 * A refused socket is destroyed here and now: on direct TLS, xmpp.js goes on to open the stream
 * and log in once its 'connect' listeners return, so reporting the error is not enough (seen
 * against Prosody: "Authenticated as …" on a server whose certificate did not match the pin).
 */
export function checkPeer(socket: PeerSocket, trust: TlsTrust): XmppError | undefined {
  if (trust.mode !== 'pin') return undefined;
  const certificate = socket.getPeerCertificate();
  const actual = normalizePin(certificate?.fingerprint256 ?? '');
  if (actual === '' || actual !== normalizePin(trust.pin ?? '')) {
    socket.destroy();
    return new XmppError('tls-untrusted', words('pin-mismatch'));
  }
  return undefined;
}
