// What differs between OMEMO 0.3 and OMEMO 2 below the engine: key encodings, signatures, info strings,
// message and key-exchange formats, payload encryption. One implementation per version.
import { OmemoVersion } from '../engine';
import { DeviceIdentity } from './device-identity';
import { MessageCodec } from './double-ratchet';

export interface KeyExchangeFields {
  preKeyId: number;
  signedPreKeyId: number;
  /** The sender's identity key as its bundle publishes it. */
  identity: Uint8Array;
  /** Raw Curve25519 ephemeral (base) key. */
  ephemeral: Uint8Array;
  /** The ratchet message it carries. */
  message: Uint8Array;
}

export interface VersionProfile {
  readonly version: OmemoVersion;
  readonly x3dhInfo: string;
  readonly rootInfo: string;
  /** Our identity key as this version's bundle publishes it. */
  publishedIdentity(identity: DeviceIdentity): Uint8Array;
  /** The Curve25519 key behind a published identity; throws RangeError when it is not a usable key. */
  identityCurve(published: Uint8Array): Uint8Array;
  /** The identity's encoding in X3DH's associated data. */
  identityAd(published: Uint8Array): Uint8Array;
  /** Bundle encoding of a Curve25519 pre-key or signed pre-key, and back (RangeError if malformed). */
  publishKey(raw: Uint8Array): Uint8Array;
  readKey(published: Uint8Array): Uint8Array;
  signSignedPreKey(identity: DeviceIdentity, signedPreKey: Uint8Array): Uint8Array;
  verifySignedPreKey(publishedIdentity: Uint8Array, signedPreKey: Uint8Array, signature: Uint8Array): boolean;
  /** The MAC's associated data for a message sent by one side of a session. */
  macAd(activeAd: Uint8Array, passiveAd: Uint8Array, senderIsActive: boolean): Uint8Array;
  codec(macAd: Uint8Array): MessageCodec;
  encodeKeyExchange(fields: KeyExchangeFields): Uint8Array;
  /** Throws ProtobufError for malformed input. */
  decodeKeyExchange(data: Uint8Array): KeyExchangeFields;
  encryptPayload(plaintext: Uint8Array): { payload: Uint8Array; iv?: Uint8Array; keyMaterial: Uint8Array };
  keyTransport(): { iv?: Uint8Array; keyMaterial: Uint8Array };
  /** Undefined when the payload's tag does not verify. */
  decryptPayload(keyMaterial: Uint8Array, payload: Uint8Array, iv: Uint8Array | undefined): Uint8Array | undefined;
}
