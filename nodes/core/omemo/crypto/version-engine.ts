// The OmemoEngine of one version: our bundle, sessions per peer device, and encrypt/decrypt of
// <encrypted> contents; everything version-specific comes from its VersionProfile.
import { randomInt } from 'node:crypto';
import { Decrypted, DeviceKey, EncryptedElement, OmemoEngine, OmemoError, OmemoVersion, PublicBundle } from '../engine';
import { equalBytes } from './bytes';
import { DeviceIdentity } from './device-identity';
import { DoubleRatchet } from './double-ratchet';
import { PreKeys, PreKeysJson } from './pre-keys';
import { ProtobufError } from './protobuf';
import { Session, SessionJson } from './session';
import { VersionProfile } from './version-profile';
import { x3dhActive, x3dhPassive } from './x3dh';

export interface VersionEngineJson {
  preKeys: PreKeysJson;
  sessions: { jid: string; device: number; session: SessionJson }[];
}

function sessionKey(jid: string, device: number): string {
  return `${jid}\u0000${device}`;
}

export class VersionEngine implements OmemoEngine {
  readonly version: OmemoVersion;
  private readonly sessions = new Map<string, { jid: string; device: number; session: Session }>();

  constructor(
    private readonly profile: VersionProfile,
    readonly deviceId: number,
    readonly identity: DeviceIdentity,
    private readonly preKeys: PreKeys,
  ) {
    this.version = profile.version;
  }

  static restore(profile: VersionProfile, deviceId: number, identity: DeviceIdentity, json: VersionEngineJson): VersionEngine {
    const engine = new VersionEngine(profile, deviceId, identity, PreKeys.fromJson(json.preKeys));
    for (const { jid, device, session } of json.sessions) {
      engine.sessions.set(sessionKey(jid, device), { jid, device, session: Session.fromJson(profile.rootInfo, session) });
    }
    return engine;
  }

  toJson(): VersionEngineJson {
    return {
      preKeys: this.preKeys.toJson(),
      sessions: [...this.sessions.values()].map(({ jid, device, session }) => ({ jid, device, session: session.toJson() })),
    };
  }

  snapshot(): Record<string, unknown> {
    return { deviceId: this.deviceId, identity: Buffer.from(this.identity.seed).toString('base64'), [this.version]: this.toJson() };
  }

  ownBundle(): PublicBundle {
    const signed = this.preKeys.signedPreKey;
    return {
      identityKey: this.profile.publishedIdentity(this.identity),
      signedPreKeyId: signed.id,
      signedPreKey: this.profile.publishKey(signed.pub),
      signedPreKeySignature: signed.signature,
      preKeys: this.preKeys.publicPreKeys().map(({ id, pub }) => ({ id, key: this.profile.publishKey(pub) })),
    };
  }

  /** A new signed pre-key (the XMPP side publishes the bundle again); the previous one stays usable once more. */
  rotateSignedPreKey(): void {
    this.preKeys.rotateSigned(this.profile, this.identity);
  }

  hasSession(jid: string, device: number): boolean {
    return this.sessions.has(sessionKey(jid, device));
  }

  startSession(jid: string, device: number, bundle: PublicBundle): void {
    const p = this.profile;
    let peer: { identity: Uint8Array; signedPreKey: Uint8Array; preKey: Uint8Array };
    const chosen = bundle.preKeys.length > 0 ? bundle.preKeys[randomInt(bundle.preKeys.length)] : undefined;
    if (!chosen) throw new OmemoError('bad-bundle', 'the bundle has no pre-keys');
    try {
      peer = { identity: p.identityCurve(bundle.identityKey), signedPreKey: p.readKey(bundle.signedPreKey), preKey: p.readKey(chosen.key) };
    } catch (err) {
      throw new OmemoError('bad-bundle', `malformed key in the bundle: ${(err as Error).message}`);
    }
    if (!p.verifySignedPreKey(bundle.identityKey, peer.signedPreKey, bundle.signedPreKeySignature)) {
      throw new OmemoError('bad-bundle', 'the signed pre-key signature does not verify');
    }
    let agreed: { sharedSecret: Uint8Array; ephemeralPub: Uint8Array };
    try {
      agreed = x3dhActive(p.x3dhInfo, this.identity.curvePriv, peer);
    } catch {
      throw new OmemoError('bad-bundle', 'a bundle key is a low-order point');
    }
    const session = new Session(
      bundle.identityKey,
      p.identityAd(p.publishedIdentity(this.identity)),
      p.identityAd(bundle.identityKey),
      true,
      false,
      { preKeyId: chosen.id, signedPreKeyId: bundle.signedPreKeyId, ephemeral: agreed.ephemeralPub },
      DoubleRatchet.active(p.rootInfo, agreed.sharedSecret, peer.signedPreKey),
    );
    this.sessions.set(sessionKey(jid, device), { jid, device, session });
  }

  encrypt(plaintext: Uint8Array | undefined, devices: { jid: string; device: number }[]): EncryptedElement {
    const p = this.profile;
    // Every session is looked up before any ratchet moves, so a missing one changes nothing.
    const targets = devices.map(({ jid, device }) => {
      const entry = this.sessions.get(sessionKey(jid, device));
      if (!entry) throw new OmemoError('no-session', `no session with ${jid} device ${device}`);
      return entry;
    });
    const content = plaintext ? p.encryptPayload(plaintext) : { ...p.keyTransport(), payload: undefined };
    const keys: DeviceKey[] = targets.map(({ jid, device, session }) => {
      const codec = p.codec(p.macAd(session.activeAd, session.passiveAd, session.weAreActive));
      const message = session.ratchet.encrypt(content.keyMaterial, codec);
      // Until the peer answers, it may not have the session yet: every message repeats the key exchange.
      if (session.weAreActive && !session.confirmed) {
        const data = p.encodeKeyExchange({ ...session.kex, identity: p.publishedIdentity(this.identity), message });
        return { jid, device, kex: true, data };
      }
      return { jid, device, kex: false, data: message };
    });
    const element: EncryptedElement = { version: this.version, sender: this.deviceId, keys };
    if (content.iv) element.iv = content.iv;
    if (content.payload) element.payload = content.payload;
    return element;
  }

  decrypt(fromJid: string, element: EncryptedElement): Decrypted {
    if (element.version !== this.version) throw new OmemoError('bad-message', `an OMEMO ${element.version} element given to the ${this.version} engine`);
    const candidates = element.keys.filter((k) => k.device === this.deviceId);
    if (candidates.length === 0) throw new OmemoError('not-for-this-device', `no key for device ${this.deviceId}`);
    // Another account's device may share our id (0.3 keys carry no JID): try each; a failure changes nothing.
    let firstError: unknown;
    for (const key of candidates) {
      try {
        return this.decryptKey(fromJid, element, key);
      } catch (err) {
        if (!(err instanceof OmemoError)) throw err;
        firstError ??= err;
      }
    }
    throw firstError;
  }

  private decryptKey(fromJid: string, element: EncryptedElement, key: DeviceKey): Decrypted {
    const p = this.profile;
    const id = sessionKey(fromJid, element.sender);
    const existing = this.sessions.get(id)?.session;

    let session: Session;
    let message: Uint8Array;
    let built: { preKeyId: number } | undefined;
    if (key.kex) {
      const kex = this.decodeKeyExchange(key.data);
      message = kex.message;
      const same =
        existing &&
        !existing.weAreActive &&
        equalBytes(existing.theirIdentity, kex.identity) &&
        equalBytes(existing.kex.ephemeral, kex.ephemeral) &&
        existing.kex.preKeyId === kex.preKeyId &&
        existing.kex.signedPreKeyId === kex.signedPreKeyId;
      if (existing && same) {
        session = existing;
      } else {
        session = this.buildPassive(kex);
        built = { preKeyId: kex.preKeyId };
      }
    } else {
      if (!existing) throw new OmemoError('no-session', `no session with ${fromJid} device ${element.sender}`);
      session = existing;
      message = key.data;
    }

    // The sender is the initiator exactly when we are not.
    const codec = p.codec(p.macAd(session.activeAd, session.passiveAd, !session.weAreActive));
    const opened = session.ratchet.decrypt(message, codec);
    let plaintext: Uint8Array | undefined;
    if (element.payload) {
      plaintext = p.decryptPayload(opened.plaintext, element.payload, element.iv);
      if (!plaintext) throw new OmemoError('tampered', 'the payload does not authenticate');
    }
    opened.commit();
    session.confirmed = true;
    if (built) {
      this.sessions.set(id, { jid: fromJid, device: element.sender, session });
      this.preKeys.consume(built.preKeyId);
    }
    const result: Decrypted = { senderIdentityKey: session.theirIdentity, usedPreKey: built !== undefined };
    if (plaintext) result.plaintext = plaintext;
    return result;
  }

  private decodeKeyExchange(data: Uint8Array) {
    try {
      return this.profile.decodeKeyExchange(data);
    } catch (err) {
      if (err instanceof ProtobufError || err instanceof RangeError) throw new OmemoError('bad-message', `malformed key exchange: ${err.message}`);
      throw err;
    }
  }

  /** A session from a peer's key exchange; nothing is stored until its first message has decrypted. */
  private buildPassive(kex: { preKeyId: number; signedPreKeyId: number; identity: Uint8Array; ephemeral: Uint8Array }): Session {
    const p = this.profile;
    const signed = this.preKeys.findSigned(kex.signedPreKeyId);
    const preKey = this.preKeys.findPreKey(kex.preKeyId);
    // A used or unknown pre-key means the peer works from an old bundle: it must start over from the new one.
    if (!signed) throw new OmemoError('no-session', `signed pre-key ${kex.signedPreKeyId} is not ours (any more)`);
    if (!preKey) throw new OmemoError('no-session', `pre-key ${kex.preKeyId} is not ours (any more)`);
    let sharedSecret: Uint8Array;
    try {
      sharedSecret = x3dhPassive(
        p.x3dhInfo,
        { identityPriv: this.identity.curvePriv, signedPreKeyPriv: signed.priv, preKeyPriv: preKey },
        { identity: p.identityCurve(kex.identity), ephemeral: kex.ephemeral },
      );
    } catch {
      throw new OmemoError('bad-message', 'the key exchange carries an unusable key');
    }
    return new Session(
      kex.identity,
      p.identityAd(kex.identity),
      p.identityAd(p.publishedIdentity(this.identity)),
      false,
      true,
      { preKeyId: kex.preKeyId, signedPreKeyId: kex.signedPreKeyId, ephemeral: kex.ephemeral },
      DoubleRatchet.passive(p.rootInfo, sharedSecret, signed.priv),
    );
  }
}
