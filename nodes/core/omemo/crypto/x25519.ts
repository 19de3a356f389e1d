// X25519 (RFC 7748) on raw 32-byte keys through Node's crypto: the Diffie-Hellman of X3DH and the ratchet.
import { createPrivateKey, createPublicKey, diffieHellman, randomBytes } from 'node:crypto';
import { bytes, concat } from './bytes';

// DER wrappers (PKCS#8 / SPKI, OID 1.3.101.110) so Node accepts raw keys; the key bytes follow them.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

function privateKeyObject(priv: Uint8Array) {
  if (priv.length !== 32) throw new RangeError('X25519 private key must be 32 bytes');
  return createPrivateKey({ key: Buffer.from(concat(PKCS8_PREFIX, priv)), format: 'der', type: 'pkcs8' });
}

function publicKeyObject(pub: Uint8Array) {
  if (pub.length !== 32) throw new RangeError('X25519 public key must be 32 bytes');
  return createPublicKey({ key: Buffer.from(concat(SPKI_PREFIX, pub)), format: 'der', type: 'spki' });
}

export function x25519GeneratePrivate(): Uint8Array {
  return bytes(randomBytes(32));
}

export function x25519PublicKey(priv: Uint8Array): Uint8Array {
  const der = createPublicKey(privateKeyObject(priv)).export({ format: 'der', type: 'spki' });
  return bytes(der.subarray(SPKI_PREFIX.length));
}

/** Throws when the result is all zeros (a low-order peer key): OpenSSL refuses it, and so should we. */
export function x25519(priv: Uint8Array, pub: Uint8Array): Uint8Array {
  return bytes(diffieHellman({ privateKey: privateKeyObject(priv), publicKey: publicKeyObject(pub) }));
}
