// HMAC-SHA-256 (RFC 2104), for the message chains and the MACs of both OMEMO versions.
import { createHmac } from 'node:crypto';
import { bytes } from './bytes';

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return bytes(createHmac('sha256', key).update(data).digest());
}
