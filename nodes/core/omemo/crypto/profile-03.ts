// OMEMO 0.3 (eu.siacs.conversations.axolotl) as libsignal and python-omemo's oldmemo speak it: 0x05-typed
// Curve25519 keys, "WhisperText"/"WhisperRatchet"/"WhisperMessageKeys", an 8-byte MAC over
// sender ‖ receiver identity ‖ message, AES-128-GCM payloads.
import { concat, equalBytes } from './bytes';
import { aesCbcDecrypt, aesCbcEncrypt } from './aes-cbc';
import { signWithSignBit, verifyWithSignBit } from './curve-signature';
import { hmacSha256 } from './hmac';
import { expandMessageKey } from './message-key';
import { decryptPayload03, encryptPayload03, keyTransport03 } from './payload-03';
import { ProtobufError } from './protobuf';
import { VersionProfile } from './version-profile';
import { decodePreKeyWhisperMessage, decodeWhisperMessage, encodePreKeyWhisperMessage, encodeWhisperBody, MAC_LENGTH, parseKey, serializeKey } from './wire-03';

const MESSAGE_KEYS_INFO = 'WhisperMessageKeys';

function readKey(published: Uint8Array): Uint8Array {
  try {
    return parseKey(published);
  } catch {
    throw new RangeError('0.3 keys are 33 bytes, 0x05 ‖ Curve25519');
  }
}

export const profile03: VersionProfile = {
  version: '0.3',
  x3dhInfo: 'WhisperText',
  rootInfo: 'WhisperRatchet',
  publishedIdentity: (identity) => serializeKey(identity.curvePub),
  identityCurve: readKey,
  identityAd: (published) => concat(published),
  publishKey: serializeKey,
  readKey,
  // The signature covers the 33-byte serialized key, as libsignal signs it.
  signSignedPreKey: (identity, signedPreKey) => signWithSignBit(identity.seed, identity.edPub, serializeKey(signedPreKey)),
  verifySignedPreKey: (publishedIdentity, signedPreKey, signature) => verifyWithSignBit(readKey(publishedIdentity), serializeKey(signedPreKey), signature),
  // libsignal MACs sender ‖ receiver, so the order flips with the direction.
  macAd: (activeAd, passiveAd, senderIsActive) => (senderIsActive ? concat(activeAd, passiveAd) : concat(passiveAd, activeAd)),
  codec: (macAd) => ({
    readHeader: (data) => decodeWhisperMessage(data).header,
    seal: (messageKey, header, plaintext) => {
      const keys = expandMessageKey(messageKey, MESSAGE_KEYS_INFO);
      const body = encodeWhisperBody(header, aesCbcEncrypt(keys.encryptionKey, keys.iv, plaintext));
      return concat(body, hmacSha256(keys.authenticationKey, concat(macAd, body)).slice(0, MAC_LENGTH));
    },
    open: (messageKey, data) => {
      const message = decodeWhisperMessage(data);
      const keys = expandMessageKey(messageKey, MESSAGE_KEYS_INFO);
      const mac = hmacSha256(keys.authenticationKey, concat(macAd, message.body)).slice(0, MAC_LENGTH);
      if (!equalBytes(mac, message.mac)) return undefined;
      try {
        return aesCbcDecrypt(keys.encryptionKey, keys.iv, message.ciphertext);
      } catch {
        return undefined;
      }
    },
  }),
  encodeKeyExchange: (fields) =>
    encodePreKeyWhisperMessage({
      preKeyId: fields.preKeyId,
      signedPreKeyId: fields.signedPreKeyId,
      baseKey: fields.ephemeral,
      identityKey: readKey(fields.identity),
      message: fields.message,
    }),
  decodeKeyExchange: (data) => {
    const kex = decodePreKeyWhisperMessage(data);
    if (kex.message.length === 0) throw new ProtobufError('empty message');
    return { preKeyId: kex.preKeyId, signedPreKeyId: kex.signedPreKeyId, identity: serializeKey(kex.identityKey), ephemeral: kex.baseKey, message: kex.message };
  },
  encryptPayload: encryptPayload03,
  keyTransport: keyTransport03,
  decryptPayload: (keyMaterial, payload, iv) => (iv ? decryptPayload03(keyMaterial, payload, iv) : undefined),
};
