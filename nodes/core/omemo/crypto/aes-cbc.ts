// AES-CBC with PKCS#7 padding: the ratchet's message encryption (both versions) and OMEMO 2's payload.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { bytes } from './bytes';

function algorithm(key: Uint8Array): string {
  if (key.length !== 16 && key.length !== 32) throw new RangeError('AES-CBC key must be 16 or 32 bytes');
  return key.length === 16 ? 'aes-128-cbc' : 'aes-256-cbc';
}

export function aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv(algorithm(key), key, iv);
  return bytes(Buffer.concat([cipher.update(plaintext), cipher.final()]));
}

/** Throws on bad padding; callers check a MAC first, so padding errors never reach an attacker as an oracle. */
export function aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const decipher = createDecipheriv(algorithm(key), key, iv);
  return bytes(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
}
