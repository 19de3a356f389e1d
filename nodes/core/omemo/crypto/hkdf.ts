// HKDF-SHA-256 (RFC 5869), the one key derivation every OMEMO step uses.
import { hkdfSync } from 'node:crypto';
import { bytes } from './bytes';

export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array | string, length: number): Uint8Array {
  const infoBytes = typeof info === 'string' ? Buffer.from(info, 'ascii') : info;
  return bytes(hkdfSync('sha256', ikm, salt, infoBytes, length));
}
