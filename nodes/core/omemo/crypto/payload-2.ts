// OMEMO 2's payload (XEP-0384, as twomemo implements it): 32 random bytes → HKDF-SHA-256 "OMEMO Payload" → 32-byte AES-256-CBC
// key, 32-byte HMAC key, 16-byte IV; the HMAC-SHA-256 of the ciphertext, cut to 16 bytes, travels with the
// key (key ‖ mac, 48 bytes, inside the ratchet).
import { randomBytes } from 'node:crypto';
import { bytes, concat, equalBytes } from './bytes';
import { aesCbcDecrypt, aesCbcEncrypt } from './aes-cbc';
import { hkdfSha256 } from './hkdf';
import { hmacSha256 } from './hmac';

const INFO = 'OMEMO Payload';
const TAG_LENGTH = 16;

function expand(key: Uint8Array): { encryptionKey: Uint8Array; authenticationKey: Uint8Array; iv: Uint8Array } {
  const okm = hkdfSha256(key, new Uint8Array(32), INFO, 80);
  return { encryptionKey: okm.slice(0, 32), authenticationKey: okm.slice(32, 64), iv: okm.slice(64, 80) };
}

export function encryptPayload2(plaintext: Uint8Array): { payload: Uint8Array; keyMaterial: Uint8Array } {
  const key = bytes(randomBytes(32));
  const { encryptionKey, authenticationKey, iv } = expand(key);
  const payload = aesCbcEncrypt(encryptionKey, iv, plaintext);
  const tag = hmacSha256(authenticationKey, payload).slice(0, TAG_LENGTH);
  return { payload, keyMaterial: concat(key, tag) };
}

/** An empty OMEMO 2 message ratchets 32 zero bytes, as python-omemo's twomemo does. */
export function keyTransport2(): { keyMaterial: Uint8Array } {
  return { keyMaterial: new Uint8Array(32) };
}

export function decryptPayload2(keyMaterial: Uint8Array, payload: Uint8Array): Uint8Array | undefined {
  if (keyMaterial.length !== 32 + TAG_LENGTH) return undefined;
  const { encryptionKey, authenticationKey, iv } = expand(keyMaterial.subarray(0, 32));
  const tag = hmacSha256(authenticationKey, payload).slice(0, TAG_LENGTH);
  if (!equalBytes(tag, keyMaterial.subarray(32))) return undefined;
  try {
    return aesCbcDecrypt(encryptionKey, iv, payload);
  } catch {
    return undefined;
  }
}
