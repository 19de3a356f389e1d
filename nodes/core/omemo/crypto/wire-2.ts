// OMEMO 2's wire formats (XEP-0384 0.8+, twomemo.proto): OMEMOMessage, OMEMOAuthenticatedMessage
// (a 16-byte MAC beside the message it covers) and OMEMOKeyExchange.
import { decodeFields, encodeFields, ProtobufError, requireBytes, requireUint32 } from './protobuf';
import { RatchetHeader } from './ratchet-header';

export const MAC_LENGTH = 16;

/** OMEMOMessage{n=1, pn=2, dh_pub=3, ciphertext=4}; the bytes the MAC covers. */
export function encodeOmemoMessage(header: RatchetHeader, ciphertext: Uint8Array): Uint8Array {
  return encodeFields([
    { field: 1, value: header.n },
    { field: 2, value: header.pn },
    { field: 3, value: header.ratchetKey },
    { field: 4, value: ciphertext },
  ]);
}

export function decodeOmemoMessage(data: Uint8Array): { header: RatchetHeader; ciphertext: Uint8Array } {
  const fields = decodeFields(data, { 1: 'uint32', 2: 'uint32', 3: 'bytes', 4: 'bytes' });
  const ratchetKey = requireBytes(fields, 3, 'dh_pub');
  if (ratchetKey.length !== 32) throw new ProtobufError('dh_pub must be 32 bytes');
  const ciphertext = fields.get(4);
  return {
    header: { ratchetKey, n: requireUint32(fields, 1, 'n'), pn: requireUint32(fields, 2, 'pn') },
    ciphertext: ciphertext instanceof Uint8Array ? ciphertext : new Uint8Array(0),
  };
}

/** OMEMOAuthenticatedMessage{mac=1, message=2}. */
export function encodeAuthenticatedMessage(mac: Uint8Array, message: Uint8Array): Uint8Array {
  return encodeFields([
    { field: 1, value: mac },
    { field: 2, value: message },
  ]);
}

export function decodeAuthenticatedMessage(data: Uint8Array): { mac: Uint8Array; message: Uint8Array } {
  const fields = decodeFields(data, { 1: 'bytes', 2: 'bytes' });
  return { mac: requireBytes(fields, 1, 'mac'), message: requireBytes(fields, 2, 'message') };
}

export interface OmemoKeyExchange {
  preKeyId: number;
  signedPreKeyId: number;
  /** Ed25519 identity key, 32 bytes. */
  identityKey: Uint8Array;
  /** Curve25519 ephemeral key, 32 bytes. */
  ephemeralKey: Uint8Array;
  /** A serialized OMEMOAuthenticatedMessage. */
  message: Uint8Array;
}

/** OMEMOKeyExchange{pk_id=1, spk_id=2, ik=3, ek=4, message=5}. */
export function encodeKeyExchange(kex: OmemoKeyExchange): Uint8Array {
  return encodeFields([
    { field: 1, value: kex.preKeyId },
    { field: 2, value: kex.signedPreKeyId },
    { field: 3, value: kex.identityKey },
    { field: 4, value: kex.ephemeralKey },
    { field: 5, value: kex.message },
  ]);
}

export function decodeKeyExchange(data: Uint8Array): OmemoKeyExchange {
  const fields = decodeFields(data, { 1: 'uint32', 2: 'uint32', 3: 'bytes', 4: 'bytes', 5: 'bytes' });
  const identityKey = requireBytes(fields, 3, 'ik');
  const ephemeralKey = requireBytes(fields, 4, 'ek');
  if (identityKey.length !== 32 || ephemeralKey.length !== 32) throw new ProtobufError('ik and ek must be 32 bytes');
  return {
    preKeyId: requireUint32(fields, 1, 'pk_id'),
    signedPreKeyId: requireUint32(fields, 2, 'spk_id'),
    identityKey,
    ephemeralKey,
    message: requireBytes(fields, 5, 'message'),
  };
}
