// OMEMO 2 (urn:xmpp:omemo:2, XEP-0384 0.8+) as python-omemo's twomemo speaks it: Ed25519 identity keys,
// "OMEMO X3DH"/"OMEMO Root Chain"/"OMEMO Message Key Material", a 16-byte MAC over
// initiator ‖ responder identity ‖ OMEMOMessage, AES-256-CBC + HMAC payloads.
import { concat, equalBytes } from './bytes';
import { aesCbcDecrypt, aesCbcEncrypt } from './aes-cbc';
import { ed25519Sign, ed25519Verify } from './ed25519';
import { hmacSha256 } from './hmac';
import { ed25519PublicToX25519 } from './key-conversion';
import { expandMessageKey } from './message-key';
import { decryptPayload2, encryptPayload2, keyTransport2 } from './payload-2';
import { VersionProfile } from './version-profile';
import { decodeAuthenticatedMessage, decodeKeyExchange, decodeOmemoMessage, encodeAuthenticatedMessage, encodeKeyExchange, encodeOmemoMessage, MAC_LENGTH } from './wire-2';

const MESSAGE_KEYS_INFO = 'OMEMO Message Key Material';

function rawKey(published: Uint8Array): Uint8Array {
  if (published.length !== 32) throw new RangeError('OMEMO 2 keys are 32 bytes');
  return published;
}

export const profile2: VersionProfile = {
  version: '2',
  x3dhInfo: 'OMEMO X3DH',
  rootInfo: 'OMEMO Root Chain',
  publishedIdentity: (identity) => identity.edPub,
  identityCurve: (published) => ed25519PublicToX25519(rawKey(published)),
  identityAd: (published) => concat(rawKey(published)),
  publishKey: rawKey,
  readKey: rawKey,
  signSignedPreKey: (identity, signedPreKey) => ed25519Sign(identity.seed, signedPreKey),
  verifySignedPreKey: (publishedIdentity, signedPreKey, signature) => ed25519Verify(publishedIdentity, signedPreKey, signature),
  // OMEMO 2 keeps initiator ‖ responder in both directions.
  macAd: (activeAd, passiveAd) => concat(activeAd, passiveAd),
  codec: (macAd) => ({
    readHeader: (data) => decodeOmemoMessage(decodeAuthenticatedMessage(data).message).header,
    seal: (messageKey, header, plaintext) => {
      const keys = expandMessageKey(messageKey, MESSAGE_KEYS_INFO);
      const message = encodeOmemoMessage(header, aesCbcEncrypt(keys.encryptionKey, keys.iv, plaintext));
      return encodeAuthenticatedMessage(hmacSha256(keys.authenticationKey, concat(macAd, message)).slice(0, MAC_LENGTH), message);
    },
    open: (messageKey, data) => {
      const { mac, message } = decodeAuthenticatedMessage(data);
      const keys = expandMessageKey(messageKey, MESSAGE_KEYS_INFO);
      const expected = hmacSha256(keys.authenticationKey, concat(macAd, message)).slice(0, MAC_LENGTH);
      if (!equalBytes(expected, mac)) return undefined;
      try {
        return aesCbcDecrypt(keys.encryptionKey, keys.iv, decodeOmemoMessage(message).ciphertext);
      } catch {
        return undefined;
      }
    },
  }),
  encodeKeyExchange: (fields) =>
    encodeKeyExchange({ preKeyId: fields.preKeyId, signedPreKeyId: fields.signedPreKeyId, identityKey: fields.identity, ephemeralKey: fields.ephemeral, message: fields.message }),
  decodeKeyExchange: (data) => {
    const kex = decodeKeyExchange(data);
    return { preKeyId: kex.preKeyId, signedPreKeyId: kex.signedPreKeyId, identity: kex.identityKey, ephemeral: kex.ephemeralKey, message: kex.message };
  },
  encryptPayload: encryptPayload2,
  keyTransport: keyTransport2,
  decryptPayload: (keyMaterial, payload) => decryptPayload2(keyMaterial, payload),
};
