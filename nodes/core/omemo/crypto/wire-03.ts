// OMEMO 0.3's wire formats (libsignal's, as oldmemo.proto has them): WhisperMessage and
// PreKeyWhisperMessage, each after a version byte 0x33; a WhisperMessage ends in an 8-byte MAC.
import { concat } from './bytes';
import { decodeFields, encodeFields, ProtobufError, requireBytes, requireUint32 } from './protobuf';
import { RatchetHeader } from './ratchet-header';

export const VERSION_BYTE = 0x33;
export const MAC_LENGTH = 8;
/** libsignal's type byte of a Curve25519 ("DJB") public key. */
export const KEY_TYPE_DJB = 0x05;

export function serializeKey(raw: Uint8Array): Uint8Array {
  if (raw.length !== 32) throw new RangeError('Curve25519 key must be 32 bytes');
  return concat(Uint8Array.of(KEY_TYPE_DJB), raw);
}

export function parseKey(serialized: Uint8Array): Uint8Array {
  if (serialized.length !== 33 || serialized[0] !== KEY_TYPE_DJB) throw new ProtobufError('public key not in 0x05 ‖ key form');
  return serialized.slice(1);
}

/** 0x33 ‖ WhisperMessage{ratchetKey=1, counter=2, previousCounter=3, ciphertext=4}: the bytes the MAC covers. */
export function encodeWhisperBody(header: RatchetHeader, ciphertext: Uint8Array): Uint8Array {
  return concat(
    Uint8Array.of(VERSION_BYTE),
    encodeFields([
      { field: 1, value: serializeKey(header.ratchetKey) },
      { field: 2, value: header.n },
      { field: 3, value: header.pn },
      { field: 4, value: ciphertext },
    ]),
  );
}

export interface WhisperMessage {
  header: RatchetHeader;
  ciphertext: Uint8Array;
  /** 0x33 ‖ protobuf: what the MAC was computed over. */
  body: Uint8Array;
  mac: Uint8Array;
}

export function decodeWhisperMessage(data: Uint8Array): WhisperMessage {
  if (data.length < 1 + MAC_LENGTH || data[0] !== VERSION_BYTE) throw new ProtobufError('not a version 3 WhisperMessage');
  const body = data.slice(0, data.length - MAC_LENGTH);
  const fields = decodeFields(body.subarray(1), { 1: 'bytes', 2: 'uint32', 3: 'uint32', 4: 'bytes' });
  return {
    header: {
      ratchetKey: parseKey(requireBytes(fields, 1, 'ratchetKey')),
      n: requireUint32(fields, 2, 'counter'),
      pn: requireUint32(fields, 3, 'previousCounter'),
    },
    ciphertext: requireBytes(fields, 4, 'ciphertext'),
    body,
    mac: data.slice(data.length - MAC_LENGTH),
  };
}

export interface PreKeyWhisperMessage {
  preKeyId: number;
  signedPreKeyId: number;
  /** Raw Curve25519 keys (without 0x05). */
  baseKey: Uint8Array;
  identityKey: Uint8Array;
  /** The whole WhisperMessage, version byte and MAC included. */
  message: Uint8Array;
}

/** 0x33 ‖ PreKeyWhisperMessage{preKeyId=1, baseKey=2, identityKey=3, message=4, signedPreKeyId=6}; registrationId (5) is left out as python-omemo does. */
export function encodePreKeyWhisperMessage(kex: PreKeyWhisperMessage): Uint8Array {
  return concat(
    Uint8Array.of(VERSION_BYTE),
    encodeFields([
      { field: 1, value: kex.preKeyId },
      { field: 2, value: serializeKey(kex.baseKey) },
      { field: 3, value: serializeKey(kex.identityKey) },
      { field: 4, value: kex.message },
      { field: 6, value: kex.signedPreKeyId },
    ]),
  );
}

export function decodePreKeyWhisperMessage(data: Uint8Array): PreKeyWhisperMessage {
  if (data.length < 1 || data[0] !== VERSION_BYTE) throw new ProtobufError('not a version 3 PreKeyWhisperMessage');
  const fields = decodeFields(data.subarray(1), { 1: 'uint32', 2: 'bytes', 3: 'bytes', 4: 'bytes', 5: 'uint32', 6: 'uint32' });
  return {
    preKeyId: requireUint32(fields, 1, 'preKeyId'),
    signedPreKeyId: requireUint32(fields, 6, 'signedPreKeyId'),
    baseKey: parseKey(requireBytes(fields, 2, 'baseKey')),
    identityKey: parseKey(requireBytes(fields, 3, 'identityKey')),
    message: requireBytes(fields, 4, 'message'),
  };
}
