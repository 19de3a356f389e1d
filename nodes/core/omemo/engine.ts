// The contract between OMEMO's cryptography (crypto/: X3DH, Double Ratchet, XEdDSA, payload
// encryption, wire formats of 0.3 and 2) and its XMPP side (PEP, stanzas, store file, trust).
// Everything here is bytes and numbers: no XML, no I/O.

/** '0.3' is eu.siacs.conversations.axolotl (Conversations & co.); '2' is urn:xmpp:omemo:2. */
export type OmemoVersion = '0.3' | '2';

/** A device's bundle, each key as the exact bytes carried base64 in that version's bundle. */
export interface PublicBundle {
  /** 0.3: 33 bytes (0x05 ‖ Curve25519); 2: 32 bytes Ed25519. */
  identityKey: Uint8Array;
  signedPreKeyId: number;
  /** 0.3: 33 bytes (0x05 ‖ Curve25519); 2: 32 bytes Curve25519. */
  signedPreKey: Uint8Array;
  signedPreKeySignature: Uint8Array;
  preKeys: { id: number; key: Uint8Array }[];
}

/** One <key rid=…> element: the key material ratcheted for one device. */
export interface DeviceKey {
  jid: string;
  device: number;
  /** 0.3: prekey="true" (a PreKeyWhisperMessage); 2: kex="true" (an OMEMOKeyExchange). */
  kex: boolean;
  data: Uint8Array;
}

/** The content of an <encrypted> element, minus its XML. */
export interface EncryptedElement {
  version: OmemoVersion;
  /** The sender's device id (sid). */
  sender: number;
  /** 0.3 only: the AES-GCM IV of the payload. */
  iv?: Uint8Array;
  /** Absent for a key-transport (empty) message. 0.3: AES-128-GCM ciphertext without tag; 2: AES-256-CBC ciphertext of the SCE envelope. */
  payload?: Uint8Array;
  keys: DeviceKey[];
}

export interface Decrypted {
  /** 0.3: the body's UTF-8; 2: the SCE envelope's bytes (the XMPP side parses it). Absent for key transport. */
  plaintext?: Uint8Array;
  /** The sender device's identity key as in its bundle (for the fingerprint and trust). */
  senderIdentityKey: Uint8Array;
  /** True when this message built a new session (a key exchange): the bundle lost a pre-key and must be published again. */
  usedPreKey: boolean;
}

/** JSON-safe state of one account's OMEMO device (identity, pre-keys, sessions): what the store file holds. */
export type EngineState = Record<string, unknown>;

/** One OMEMO device of our account, speaking one version; the engines of both versions share the device id and the identity. */
export interface OmemoEngine {
  readonly version: OmemoVersion;
  readonly deviceId: number;
  ownBundle(): PublicBundle;
  hasSession(jid: string, device: number): boolean;
  /** Active X3DH from a fetched bundle. Throws OmemoError 'bad-bundle' when the signature does not verify. */
  startSession(jid: string, device: number, bundle: PublicBundle): void;
  /** Encrypts for devices that have sessions (others: OmemoError 'no-session'); plaintext absent = key transport. */
  encrypt(plaintext: Uint8Array | undefined, devices: { jid: string; device: number }[]): EncryptedElement;
  /**
   * Decrypts the key addressed to our device, then the payload. Named failures (OmemoError code):
   * 'not-for-this-device' (no key with our rid), 'no-session' (not a key exchange and no session),
   * 'replayed' (a message key already used), 'tampered' (a MAC or tag fails), 'too-many-skipped'.
   * A failure leaves the session as it was.
   */
  decrypt(fromJid: string, element: EncryptedElement): Decrypted;
  /** The state to store; restoring it gives an engine that continues every session. */
  snapshot(): EngineState;
}

export type OmemoErrorCode = 'bad-bundle' | 'no-session' | 'not-for-this-device' | 'replayed' | 'tampered' | 'too-many-skipped' | 'bad-message';

export class OmemoError extends Error {
  constructor(
    readonly code: OmemoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OmemoError';
  }
}

/**
 * Implemented in crypto/: creates both engines of a new device (random device id, new identity)
 * or restores them from a snapshot, and gives the fingerprint users compare (hex of the
 * Curve25519 identity key for 0.3 as Conversations shows it; hex of the Ed25519 key for 2).
 */
export interface OmemoEngineFactory {
  createDevice(): { deviceId: number; engines: Record<OmemoVersion, OmemoEngine> };
  restoreDevice(state: EngineState): { deviceId: number; engines: Record<OmemoVersion, OmemoEngine> };
  /** Snapshot of the whole device (both engines) to write to the store. */
  snapshotDevice(engines: Record<OmemoVersion, OmemoEngine>): EngineState;
  fingerprint(version: OmemoVersion, identityKey: Uint8Array): string;
}
