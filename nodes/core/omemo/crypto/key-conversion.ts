// Conversions between the Edwards and Montgomery forms of Curve25519 keys: an OMEMO identity is one
// Ed25519 key used for signatures and, converted, for X25519 (XEdDSA spec §2; RFC 7748 §4.1 map).
import { createHash } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519';

const Fp = ed25519.Point.Fp;

export function littleEndianToBigint(data: Uint8Array): bigint {
  let n = 0n;
  for (let i = data.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(data[i]);
  return n;
}

export function bigintToLittleEndian(n: bigint, length = 32): Uint8Array {
  const out = new Uint8Array(length);
  let rest = n;
  for (let i = 0; i < length; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** The X25519 private scalar behind an Ed25519 seed (RFC 8032 §5.1.5: SHA-512, first half, clamped). */
export function seedToX25519Private(seed: Uint8Array): Uint8Array {
  const h = new Uint8Array(createHash('sha512').update(seed).digest()).subarray(0, 32);
  const priv = new Uint8Array(h);
  priv[0] &= 248;
  priv[31] &= 127;
  priv[31] |= 64;
  return priv;
}

/** u = (1 + y) / (1 − y). Throws for a key that is not a valid Edwards point, so no DH is done with junk. */
export function ed25519PublicToX25519(edPub: Uint8Array): Uint8Array {
  if (edPub.length !== 32) throw new RangeError('Ed25519 public key must be 32 bytes');
  ed25519.Point.fromBytes(edPub); // validates the encoding and that the point is on the curve
  const y = littleEndianToBigint(edPub.subarray(0, 32)) & ((1n << 255n) - 1n);
  const u = Fp.div(Fp.add(1n, y), Fp.sub(1n, y));
  return bigintToLittleEndian(u);
}

/** y = (u − 1) / (u + 1), with the sign bit the caller knows (a Montgomery key does not carry it). */
export function x25519PublicToEd25519(curvePub: Uint8Array, signBit: 0 | 1): Uint8Array {
  if (curvePub.length !== 32) throw new RangeError('Curve25519 public key must be 32 bytes');
  const u = littleEndianToBigint(curvePub) & ((1n << 255n) - 1n);
  if (u >= Fp.ORDER) throw new RangeError('Curve25519 public key is not reduced');
  const y = Fp.div(Fp.sub(u, 1n), Fp.add(u, 1n));
  const edPub = bigintToLittleEndian(y);
  edPub[31] |= signBit << 7;
  return edPub;
}
