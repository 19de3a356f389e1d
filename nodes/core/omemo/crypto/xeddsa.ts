// XEdDSA (Signal's specification, revision 1): Ed25519-compatible signatures made and checked with
// Curve25519 (Montgomery) keys. Node's crypto has no such thing, so the scalar and point work is noble's.
import { createHash, randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519';
import { concat } from './bytes';
import { bigintToLittleEndian, littleEndianToBigint, x25519PublicToEd25519 } from './key-conversion';

const Point = ed25519.Point;
const q = Point.Fn.ORDER;
const p = Point.Fp.ORDER;

function sha512(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha512');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/** hash_1 of the spec: SHA-512 with the 32-byte prefix 0xFE ‖ 0xFF×31, so nonces never collide with hash(R‖A‖M). */
const HASH1_PREFIX = concat(new Uint8Array([0xfe]), new Uint8Array(31).fill(0xff));

/**
 * calculate_key_pair: the Edwards key with sign bit 0 and the scalar that matches it. `nonceKey` is the
 * encoding of that scalar hashed into the nonce: the clamped key itself when it is not negated, as the
 * reference implementations (Signal's C code, libxeddsa) hash it, where the spec writes k mod q. Only the
 * nonce differs; signing the same way makes our signatures byte-equal to theirs for the same Z.
 */
export function xeddsaKeyPair(curvePriv: Uint8Array): { edPub: Uint8Array; scalar: bigint; nonceKey: Uint8Array } {
  const clamped = new Uint8Array(curvePriv);
  clamped[0] &= 248;
  clamped[31] &= 127;
  clamped[31] |= 64;
  const k = littleEndianToBigint(clamped) % q;
  const E = Point.BASE.multiply(k).toBytes();
  const negative = (E[31] & 0x80) !== 0;
  const edPub = new Uint8Array(E);
  edPub[31] &= 0x7f;
  const scalar = negative ? (q - k) % q : k;
  return { edPub, scalar, nonceKey: negative ? bigintToLittleEndian(scalar) : clamped };
}

/** xeddsa_sign(k, M, Z); Z is 64 random bytes (given explicitly only by tests that compare with other implementations). */
export function xeddsaSign(curvePriv: Uint8Array, message: Uint8Array, random: Uint8Array = new Uint8Array(randomBytes(64))): Uint8Array {
  if (random.length !== 64) throw new RangeError('XEdDSA random input must be 64 bytes');
  const { edPub, scalar: a, nonceKey } = xeddsaKeyPair(curvePriv);
  const r = littleEndianToBigint(sha512(HASH1_PREFIX, nonceKey, message, random)) % q;
  // r = 0 has probability 2^-252; multiplyUnsafe keeps the arithmetic total instead of throwing.
  const R = Point.BASE.multiplyUnsafe(r).toBytes();
  const h = littleEndianToBigint(sha512(R, edPub, message)) % q;
  const s = (r + h * a) % q;
  return concat(R, bigintToLittleEndian(s));
}

/** xeddsa_verify(u, M, (R‖s)) with the spec's range checks (u and R.y reduced, s < 2^253); never throws. */
export function xeddsaVerify(curvePub: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (curvePub.length !== 32 || signature.length !== 64) return false;
  const u = littleEndianToBigint(curvePub);
  const R = signature.subarray(0, 32);
  const s = littleEndianToBigint(signature.subarray(32));
  // R's top bit is the sign of its x; the y below it must be reduced, as u must be (a canonical encoding only).
  const Ry = littleEndianToBigint(R) & ((1n << 255n) - 1n);
  if (u >= p || Ry >= p || s >= 1n << 253n) return false;
  try {
    const edPub = x25519PublicToEd25519(curvePub, 0);
    const A = Point.fromBytes(edPub);
    const h = littleEndianToBigint(sha512(R, edPub, message)) % q;
    const check = Point.BASE.multiplyUnsafe(s % q).subtract(A.multiplyUnsafe(h));
    return concat(check.toBytes()).every((byte, i) => byte === R[i]);
  } catch {
    return false;
  }
}
