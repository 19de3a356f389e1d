// Why a message could not be sent encrypted, or OMEMO cannot run: each with a name a flow can
// branch on (msg.error.code) and a text in the locales (xmpp-config.omemo-error.<code>).
// Never a key or a fingerprint's secret half in here: only JIDs, device ids and counts.

export const ENCRYPTION_ERROR_CODES = [
  /** The recipient publishes no OMEMO device (in either version). */
  'no-devices',
  /** The recipient has devices, but none we trust (not verified, or their bundles unusable). */
  'no-trusted-devices',
  /** Encryption was required for something we cannot encrypt yet: a file. */
  'encrypted-files-unsupported',
  /** Encryption was required for a room message (OMEMO in rooms needs the occupants' real JIDs). */
  'encrypted-rooms-unsupported',
  /** Encryption was asked for, but OMEMO is off in the connection node. */
  'omemo-disabled',
  /** The store file could not be written: we do not send what we could not remember having sent. */
  'store-failed',
] as const;

export type EncryptionErrorCode = (typeof ENCRYPTION_ERROR_CODES)[number];

export class EncryptionError extends Error {
  constructor(
    readonly code: EncryptionErrorCode,
    /** Extra words: the recipient, how many devices it has. */
    readonly detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'EncryptionError';
  }
}
