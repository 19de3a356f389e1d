// Our side of X3DH for one version: the signed pre-key (and the one before it, while peers may still use
// it) and the one-time pre-keys, each removed once a session was built with it and replaced.
import { fromBase64, toBase64 } from './bytes';
import { DeviceIdentity } from './device-identity';
import { VersionProfile } from './version-profile';
import { x25519GeneratePrivate, x25519PublicKey } from './x25519';

export const PRE_KEY_COUNT = 100;
/** libsignal stores pre-key ids in 24 bits; staying below keeps 0.3 peers happy, and 2 does not care. */
const MAX_PRE_KEY_ID = 0xffffff;

export interface SignedPreKey {
  id: number;
  priv: Uint8Array;
  pub: Uint8Array;
  signature: Uint8Array;
}

export interface PreKeysJson {
  signedPreKey: { id: number; priv: string; signature: string };
  previousSignedPreKey?: { id: number; priv: string; signature: string };
  preKeys: [number, string][];
  nextPreKeyId: number;
}

export class PreKeys {
  private constructor(
    private signed: SignedPreKey,
    private previousSigned: SignedPreKey | undefined,
    /** Private and public halves; the public one is kept because every bundle publication needs all of them. */
    private readonly oneTime: Map<number, { priv: Uint8Array; pub: Uint8Array }>,
    private nextId: number,
  ) {}

  static generate(profile: VersionProfile, identity: DeviceIdentity): PreKeys {
    const store = new PreKeys(makeSigned(profile, identity, 1), undefined, new Map(), 1);
    store.replenish();
    return store;
  }

  static fromJson(json: PreKeysJson): PreKeys {
    const signed = (s: { id: number; priv: string; signature: string }): SignedPreKey => {
      const priv = fromBase64(s.priv);
      return { id: s.id, priv, pub: x25519PublicKey(priv), signature: fromBase64(s.signature) };
    };
    return new PreKeys(
      signed(json.signedPreKey),
      json.previousSignedPreKey && signed(json.previousSignedPreKey),
      new Map(json.preKeys.map(([id, text]) => {
        const priv = fromBase64(text);
        return [id, { priv, pub: x25519PublicKey(priv) }];
      })),
      json.nextPreKeyId,
    );
  }

  toJson(): PreKeysJson {
    const signed = (s: SignedPreKey) => ({ id: s.id, priv: toBase64(s.priv), signature: toBase64(s.signature) });
    return {
      signedPreKey: signed(this.signed),
      previousSignedPreKey: this.previousSigned && signed(this.previousSigned),
      preKeys: [...this.oneTime].map(([id, { priv }]) => [id, toBase64(priv)]),
      nextPreKeyId: this.nextId,
    };
  }

  get signedPreKey(): SignedPreKey {
    return this.signed;
  }

  /** Public halves, for the bundle. */
  publicPreKeys(): { id: number; pub: Uint8Array }[] {
    return [...this.oneTime].map(([id, { pub }]) => ({ id, pub }));
  }

  findSigned(id: number): SignedPreKey | undefined {
    if (this.signed.id === id) return this.signed;
    return this.previousSigned?.id === id ? this.previousSigned : undefined;
  }

  findPreKey(id: number): Uint8Array | undefined {
    return this.oneTime.get(id)?.priv;
  }

  /** Forward secrecy of the first message rests on each one-time key being used once: remove it and refill. */
  consume(id: number): void {
    this.oneTime.delete(id);
    this.replenish();
  }

  /** A new signed pre-key; the previous one keeps working for key exchanges already on their way. */
  rotateSigned(profile: VersionProfile, identity: DeviceIdentity): void {
    this.previousSigned = this.signed;
    this.signed = makeSigned(profile, identity, (this.signed.id % MAX_PRE_KEY_ID) + 1);
  }

  private replenish(): void {
    while (this.oneTime.size < PRE_KEY_COUNT) {
      const id = this.nextId;
      this.nextId = (this.nextId % MAX_PRE_KEY_ID) + 1;
      if (!this.oneTime.has(id)) {
        const priv = x25519GeneratePrivate();
        this.oneTime.set(id, { priv, pub: x25519PublicKey(priv) });
      }
    }
  }
}

function makeSigned(profile: VersionProfile, identity: DeviceIdentity, id: number): SignedPreKey {
  const priv = x25519GeneratePrivate();
  const pub = x25519PublicKey(priv);
  return { id, priv, pub, signature: profile.signSignedPreKey(identity, pub) };
}
