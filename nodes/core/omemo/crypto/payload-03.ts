// OMEMO 0.3's payload: AES-128-GCM with a random 16-byte key and 12-byte IV; the 16-byte tag travels
// with the key (key ‖ tag, 32 bytes, inside the ratchet), not with the ciphertext.
import { randomBytes } from 'node:crypto';
import { bytes, concat } from './bytes';
import { aesGcmDecrypt, aesGcmEncrypt } from './aes-gcm';

export function encryptPayload03(plaintext: Uint8Array): { payload: Uint8Array; iv: Uint8Array; keyMaterial: Uint8Array } {
  const key = bytes(randomBytes(16));
  const iv = bytes(randomBytes(12));
  const { ciphertext, tag } = aesGcmEncrypt(key, iv, plaintext);
  return { payload: ciphertext, iv, keyMaterial: concat(key, tag) };
}

/** A key-transport message carries a bare 16-byte key and an IV, as python-omemo's oldmemo sends them. */
export function keyTransport03(): { iv: Uint8Array; keyMaterial: Uint8Array } {
  return { iv: bytes(randomBytes(12)), keyMaterial: bytes(randomBytes(16)) };
}

/**
 * Undefined when the tag fails. Early Conversations sent a 16-byte key and appended the tag to the
 * payload instead; both layouts are read.
 */
export function decryptPayload03(keyMaterial: Uint8Array, payload: Uint8Array, iv: Uint8Array): Uint8Array | undefined {
  if (iv.length !== 12 && iv.length !== 16) return undefined;
  if (keyMaterial.length === 32) return aesGcmDecrypt(keyMaterial.subarray(0, 16), iv, payload, keyMaterial.subarray(16));
  if (keyMaterial.length === 16 && payload.length >= 16) {
    return aesGcmDecrypt(keyMaterial, iv, payload.subarray(0, payload.length - 16), payload.subarray(payload.length - 16));
  }
  return undefined;
}
