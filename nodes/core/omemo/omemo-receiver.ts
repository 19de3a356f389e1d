// An <encrypted> message that reaches us, read: the key for our device is decrypted, then the
// payload; the result replaces the fallback body, with who sent it from which device and whether
// we trust that device. Every failure is named and the message dropped; none ends the connection.
import { bareOf } from '../jid';
import type { IncomingMessage, MessageEncryption } from '../messages/message-stanza';
import type { XmlElement } from '../xmpp-lib';
import { encryptedChildren, readEncrypted } from './encrypted-stanza';
import { OmemoError, type EncryptedElement, type OmemoEngineFactory, type OmemoVersion } from './engine';
import type { OmemoAccount } from './omemo-account';
import type { OmemoNotice } from './omemo-notice';
import { fingerprintForms } from './fingerprint-forms';
import { readEnvelope } from './sce-envelope';
import { isTrusted, type VerifiedFingerprints } from './trust';

export interface ReceiverContext {
  account: OmemoAccount;
  factory: OmemoEngineFactory;
  verified: () => VerifiedFingerprints;
  parse: (text: string) => XmlElement;
  ownJid: () => string;
  notice: (notice: OmemoNotice) => void;
  /** A device we have no session with wrote to us: give it a fresh one. */
  heal: (jid: string, version: OmemoVersion, device: number) => void;
  /** A key exchange used one of our pre-keys: the bundle must be published again. */
  preKeyUsed: (version: OmemoVersion) => void;
  /** A message from a device the list we know lacks. */
  unknownDevice: (jid: string) => void;
}

export interface ReceiveCounts {
  decrypted: number;
  notForUs: number;
  refused: number;
  keyTransports: number;
}

/** undefined: not an OMEMO message (the caller passes it on as it is); 'drop': handled, nothing for the flows. */
export type Received = IncomingMessage | 'drop' | undefined;

export class OmemoReceiver {
  readonly counts: ReceiveCounts = { decrypted: 0, notForUs: 0, refused: 0, keyTransports: 0 };
  /** The last decryption changed the engines' state (a key transport does too). */
  private changed = false;

  constructor(private readonly ctx: ReceiverContext) {}

  /**
   * A decrypted message is passed on once the session's new state is on disk: should Node-RED stop
   * in between, the server's copy (stream management, offline storage) decrypts again after the
   * restart, instead of the flow having acted on a message whose ratchet step was lost.
   */
  receive(stanza: XmlElement, message: IncomingMessage): Received | Promise<Received> {
    const children = encryptedChildren(stanza);
    if (children.length === 0) return undefined;
    const { account } = this.ctx;
    const own = bareOf(this.ctx.ownJid());
    const sender = message.from ? bareOf(message.from) : own;
    // The newest version whose header has a key for our device (a sender may write both).
    let chosen: EncryptedElement | undefined;
    let readable = false;
    for (const child of children) {
      const element = readEncrypted(child, own);
      if (!element) continue;
      readable = true;
      if (element.keys.some((k) => k.device === account.deviceId && (element.version === '0.3' || bareOf(k.jid) === own))) {
        chosen = element;
        break;
      }
    }
    if (!readable) return this.refuse({ code: 'bad-message', jid: sender });
    if (!chosen) {
      this.counts.notForUs += 1;
      this.ctx.notice({ code: 'not-for-us', jid: sender });
      return 'drop';
    }
    // Our own message, reflected (a room, or a carbon of what we sent): nothing to decrypt.
    if (sender === own && chosen.sender === account.deviceId) return 'drop';
    const result = this.decrypt(sender, chosen, message);
    if (result === 'drop' && !this.changed) return result;
    this.changed = false;
    return this.ctx.account.save().then(
      () => result,
      () => {
        this.ctx.notice({ code: 'store-failed', jid: own });
        return result;
      },
    );
  }

  private decrypt(sender: string, element: EncryptedElement, message: IncomingMessage): Received {
    const { account, factory } = this.ctx;
    const version = element.version;
    let plaintext: Uint8Array | undefined;
    let forms: string[];
    try {
      const decrypted = account.engines[version].decrypt(sender, element);
      plaintext = decrypted.plaintext;
      forms = fingerprintForms(factory, version, decrypted.senderIdentityKey);
      if (decrypted.usedPreKey) this.ctx.preKeyUsed(version);
    } catch (error) {
      return this.failed(error, sender, version, element.sender);
    }
    const fingerprint = forms[0] ?? '';
    const seen = account.known.observe(sender, version, element.sender, forms);
    if (seen.changed) this.ctx.notice({ code: 'key-changed', jid: sender, device: element.sender });
    if (!seen.before) this.ctx.unknownDevice(sender);
    this.changed = true;
    if (plaintext === undefined) {
      this.counts.keyTransports += 1;
      return 'drop';
    }
    let body: string;
    if (version === '2') {
      const read = readEnvelope(this.ctx.parse, plaintext, sender);
      if ('problem' in read) return this.refuse({ code: read.problem === 'wrong-sender' ? 'wrong-sender' : 'bad-message', jid: sender, device: element.sender });
      body = read.body;
    } else {
      body = Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength).toString('utf8');
    }
    this.counts.decrypted += 1;
    const encryption: MessageEncryption = {
      protocol: version,
      device: element.sender,
      trusted: isTrusted(this.ctx.verified(), sender, forms, seen.before),
      fingerprint,
    };
    // A subject or thread in clear stays as it came; the body is the one the encryption vouches for.
    return { ...message, body, encryption };
  }

  private failed(error: unknown, sender: string, version: OmemoVersion, device: number): Received {
    if (!(error instanceof OmemoError)) return this.refuse({ code: 'bad-message', jid: sender, device });
    switch (error.code) {
      case 'not-for-this-device':
        this.counts.notForUs += 1;
        this.ctx.notice({ code: 'not-for-us', jid: sender, device });
        return 'drop';
      case 'no-session':
        this.counts.refused += 1;
        this.ctx.notice({ code: 'broken-session', jid: sender, device });
        this.ctx.heal(sender, version, device);
        return 'drop';
      case 'replayed':
      case 'tampered':
      case 'too-many-skipped':
        return this.refuse({ code: error.code, jid: sender, device });
      default:
        return this.refuse({ code: 'bad-message', jid: sender, device });
    }
  }

  private refuse(notice: OmemoNotice): 'drop' {
    this.counts.refused += 1;
    this.ctx.notice(notice);
    return 'drop';
  }
}
