// How OMEMO 0.3 bundles sign the signed pre-key (libsignal's convention, which python-omemo follows):
// an Ed25519 signature whose last byte carries the identity's Edwards sign bit, because the bundle
// only publishes the Montgomery form of the identity key and that form has lost the sign.
import { ed25519Sign, ed25519Verify } from './ed25519';
import { x25519PublicToEd25519 } from './key-conversion';

export function signWithSignBit(seed: Uint8Array, edPub: Uint8Array, message: Uint8Array): Uint8Array {
  const signature = ed25519Sign(seed, message);
  // s < 2^253, so the top bit of its last byte is free to carry the sign.
  signature[63] |= edPub[31] & 0x80;
  return signature;
}

/**
 * Verifies against a Curve25519 identity key. Signatures of real XEdDSA signers (libsignal) have the bit
 * clear and a key of sign 0, so they verify here too.
 */
export function verifyWithSignBit(curvePub: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (curvePub.length !== 32 || signature.length !== 64) return false;
  const signBit = (signature[63] >> 7) as 0 | 1;
  let edPub: Uint8Array;
  try {
    edPub = x25519PublicToEd25519(curvePub, signBit);
  } catch {
    return false;
  }
  const plain = new Uint8Array(signature);
  plain[63] &= 0x7f;
  return ed25519Verify(edPub, message, plain);
}

/** The Edwards sign bit a 0.3 bundle's signature announces for its identity (python-omemo links devices by it). */
export function announcedSignBit(signature: Uint8Array): 0 | 1 {
  return (signature[63] >> 7) as 0 | 1;
}
