// One Double Ratchet session with one peer device, and what it must remember about how it was built:
// who started it (the MAC's identity order depends on it), and the key exchange to repeat until the
// peer has answered (libsignal and python-omemo both resend it until then).
import { fromBase64, toBase64 } from './bytes';
import { DoubleRatchet, RatchetJson } from './double-ratchet';

export interface KeyExchangeRef {
  preKeyId: number;
  signedPreKeyId: number;
  /** Raw Curve25519 ephemeral key of the initiator. */
  ephemeral: Uint8Array;
}

export interface SessionJson {
  theirIdentity: string;
  activeAd: string;
  passiveAd: string;
  weAreActive: boolean;
  confirmed: boolean;
  kex: { preKeyId: number; signedPreKeyId: number; ephemeral: string };
  ratchet: RatchetJson;
}

export class Session {
  constructor(
    /** The peer's identity key exactly as its bundle and key exchange carry it. */
    readonly theirIdentity: Uint8Array,
    /** X3DH associated-data encodings of the initiator's and the responder's identity. */
    readonly activeAd: Uint8Array,
    readonly passiveAd: Uint8Array,
    readonly weAreActive: boolean,
    public confirmed: boolean,
    readonly kex: KeyExchangeRef,
    readonly ratchet: DoubleRatchet,
  ) {}

  static fromJson(rootInfo: string, json: SessionJson): Session {
    return new Session(
      fromBase64(json.theirIdentity),
      fromBase64(json.activeAd),
      fromBase64(json.passiveAd),
      json.weAreActive,
      json.confirmed,
      { preKeyId: json.kex.preKeyId, signedPreKeyId: json.kex.signedPreKeyId, ephemeral: fromBase64(json.kex.ephemeral) },
      DoubleRatchet.fromJson(rootInfo, json.ratchet),
    );
  }

  toJson(): SessionJson {
    return {
      theirIdentity: toBase64(this.theirIdentity),
      activeAd: toBase64(this.activeAd),
      passiveAd: toBase64(this.passiveAd),
      weAreActive: this.weAreActive,
      confirmed: this.confirmed,
      kex: { preKeyId: this.kex.preKeyId, signedPreKeyId: this.kex.signedPreKeyId, ephemeral: toBase64(this.kex.ephemeral) },
      ratchet: this.ratchet.toJson(),
    };
  }
}
