// X3DH (Signal's specification) as OMEMO uses it: four X25519 results, 32 bytes of 0xFF in front,
// HKDF-SHA-256 with a zero salt and the version's info string into a 32-byte secret.
import { concat } from './bytes';
import { hkdfSha256 } from './hkdf';
import { x25519, x25519GeneratePrivate, x25519PublicKey } from './x25519';

const PADDING = new Uint8Array(32).fill(0xff);

function secret(info: string, dhs: Uint8Array[]): Uint8Array {
  return hkdfSha256(concat(PADDING, ...dhs), new Uint8Array(32), info, 32);
}

/** The initiator: our identity and a fresh ephemeral key against the peer's identity, signed pre-key and pre-key (all Curve25519). */
export function x3dhActive(
  info: string,
  ownIdentityPriv: Uint8Array,
  peer: { identity: Uint8Array; signedPreKey: Uint8Array; preKey: Uint8Array },
  ephemeralPriv: Uint8Array = x25519GeneratePrivate(),
): { sharedSecret: Uint8Array; ephemeralPub: Uint8Array } {
  const sharedSecret = secret(info, [
    x25519(ownIdentityPriv, peer.signedPreKey),
    x25519(ephemeralPriv, peer.identity),
    x25519(ephemeralPriv, peer.signedPreKey),
    x25519(ephemeralPriv, peer.preKey),
  ]);
  return { sharedSecret, ephemeralPub: x25519PublicKey(ephemeralPriv) };
}

/** The responder: the same four results from our private halves and the initiator's public keys. */
export function x3dhPassive(
  info: string,
  own: { identityPriv: Uint8Array; signedPreKeyPriv: Uint8Array; preKeyPriv: Uint8Array },
  peer: { identity: Uint8Array; ephemeral: Uint8Array },
): Uint8Array {
  return secret(info, [
    x25519(own.signedPreKeyPriv, peer.identity),
    x25519(own.identityPriv, peer.ephemeral),
    x25519(own.signedPreKeyPriv, peer.ephemeral),
    x25519(own.preKeyPriv, peer.ephemeral),
  ]);
}
