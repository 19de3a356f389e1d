// How both versions turn one ratchet message key into AES-256-CBC key, HMAC key and IV: HKDF-SHA-256
// with a zero salt, 80 bytes split 32/32/16 (libsignal's scheme; OMEMO 2 changed only the info string).
import { hkdfSha256 } from './hkdf';

export interface MessageKeys {
  encryptionKey: Uint8Array;
  authenticationKey: Uint8Array;
  iv: Uint8Array;
}

export function expandMessageKey(messageKey: Uint8Array, info: string): MessageKeys {
  const okm = hkdfSha256(messageKey, new Uint8Array(32), info, 80);
  return { encryptionKey: okm.slice(0, 32), authenticationKey: okm.slice(32, 64), iv: okm.slice(64, 80) };
}
