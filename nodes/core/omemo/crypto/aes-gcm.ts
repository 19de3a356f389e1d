// AES-GCM with a 16-byte tag: OMEMO 0.3's payload encryption (AES-128) and test vectors.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { bytes } from './bytes';

type GcmAlgorithm = 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm';

function algorithm(key: Uint8Array): GcmAlgorithm {
  if (key.length === 16) return 'aes-128-gcm';
  if (key.length === 24) return 'aes-192-gcm';
  if (key.length === 32) return 'aes-256-gcm';
  throw new RangeError('AES-GCM key must be 16, 24 or 32 bytes');
}

export function aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): { ciphertext: Uint8Array; tag: Uint8Array } {
  const cipher = createCipheriv(algorithm(key), key, iv, { authTagLength: 16 });
  if (aad) cipher.setAAD(aad);
  const ciphertext = bytes(Buffer.concat([cipher.update(plaintext), cipher.final()]));
  return { ciphertext, tag: bytes(cipher.getAuthTag()) };
}

/** Returns undefined when the tag does not verify, so callers name the failure themselves. */
export function aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad?: Uint8Array): Uint8Array | undefined {
  if (tag.length !== 16) return undefined;
  const decipher = createDecipheriv(algorithm(key), key, iv, { authTagLength: 16 });
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return bytes(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  } catch {
    return undefined;
  }
}
