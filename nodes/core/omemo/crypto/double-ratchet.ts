// The Double Ratchet (Signal's specification, with header in clear as OMEMO sends it): root chain by
// HKDF-SHA-256, message chains by HMAC-SHA-256 (0x01 → message key, 0x02 → next chain key), bounded
// skipped-message keys, and decryption that changes nothing until the message has proved authentic.
import { OmemoError } from '../engine';
import { equalBytes, fromBase64, toBase64, toHex } from './bytes';
import { hkdfSha256 } from './hkdf';
import { hmacSha256 } from './hmac';
import { ProtobufError } from './protobuf';
import { RatchetHeader } from './ratchet-header';
import { x25519, x25519GeneratePrivate, x25519PublicKey } from './x25519';

/** Most keys one message may make us skip (a DoS bound; python-omemo's default is the same 1,000). */
export const MAX_SKIP_PER_MESSAGE = 1000;
/** Most skipped keys kept per session; the oldest go first. */
export const MAX_SKIPPED_STORED = 1000;
/** Ratchet keys of the peer we moved past, remembered so a replay from an old chain is named as one. */
const OLD_CHAINS_REMEMBERED = 50;

/** How one version puts a message on the wire: the ratchet only derives keys and keeps counts. */
export interface MessageCodec {
  /** Throws ProtobufError for bytes that are not a message of this version. */
  readHeader(data: Uint8Array): RatchetHeader;
  seal(messageKey: Uint8Array, header: RatchetHeader, plaintext: Uint8Array): Uint8Array;
  /** Undefined when the MAC does not verify. */
  open(messageKey: Uint8Array, data: Uint8Array): Uint8Array | undefined;
}

interface Chains {
  rootKey: Uint8Array;
  ownPriv: Uint8Array;
  theirPub?: Uint8Array;
  sendChain?: Uint8Array;
  sendN: number;
  prevSendN: number;
  recvChain?: Uint8Array;
  recvN: number;
}

export interface RatchetJson {
  rootKey: string;
  ownPriv: string;
  theirPub?: string;
  sendChain?: string;
  sendN: number;
  prevSendN: number;
  recvChain?: string;
  recvN: number;
  skipped: [string, string][];
  oldChains: string[];
}

function rootStep(rootInfo: string, rootKey: Uint8Array, dh: Uint8Array): { rootKey: Uint8Array; chainKey: Uint8Array } {
  const okm = hkdfSha256(dh, rootKey, rootInfo, 64);
  return { rootKey: okm.slice(0, 32), chainKey: okm.slice(32, 64) };
}

function chainStep(chainKey: Uint8Array): { messageKey: Uint8Array; chainKey: Uint8Array } {
  return { messageKey: hmacSha256(chainKey, Uint8Array.of(0x01)), chainKey: hmacSha256(chainKey, Uint8Array.of(0x02)) };
}

function skippedId(ratchetKey: Uint8Array, n: number): string {
  return `${toHex(ratchetKey)}:${n}`;
}

export class DoubleRatchet {
  private constructor(
    private readonly rootInfo: string,
    private chains: Chains,
    private readonly skipped: Map<string, Uint8Array>,
    private readonly oldChains: string[],
  ) {}

  /** Alice: the peer's signed pre-key is her first ratchet key; she can send at once. */
  static active(rootInfo: string, sharedSecret: Uint8Array, peerSignedPreKey: Uint8Array): DoubleRatchet {
    const ownPriv = x25519GeneratePrivate();
    const { rootKey, chainKey } = rootStep(rootInfo, sharedSecret, x25519(ownPriv, peerSignedPreKey));
    return new DoubleRatchet(rootInfo, { rootKey, ownPriv, theirPub: peerSignedPreKey, sendChain: chainKey, sendN: 0, prevSendN: 0, recvN: 0 }, new Map(), []);
  }

  /** Bob: his signed pre-key is his first ratchet key; the first message he decrypts gives him chains. */
  static passive(rootInfo: string, sharedSecret: Uint8Array, ownSignedPreKeyPriv: Uint8Array): DoubleRatchet {
    return new DoubleRatchet(rootInfo, { rootKey: sharedSecret, ownPriv: ownSignedPreKeyPriv, sendN: 0, prevSendN: 0, recvN: 0 }, new Map(), []);
  }

  static fromJson(rootInfo: string, json: RatchetJson): DoubleRatchet {
    const optional = (text: string | undefined) => (text === undefined ? undefined : fromBase64(text));
    return new DoubleRatchet(
      rootInfo,
      {
        rootKey: fromBase64(json.rootKey),
        ownPriv: fromBase64(json.ownPriv),
        theirPub: optional(json.theirPub),
        sendChain: optional(json.sendChain),
        sendN: json.sendN,
        prevSendN: json.prevSendN,
        recvChain: optional(json.recvChain),
        recvN: json.recvN,
      },
      new Map(json.skipped.map(([id, key]) => [id, fromBase64(key)])),
      [...json.oldChains],
    );
  }

  toJson(): RatchetJson {
    const c = this.chains;
    const optional = (value: Uint8Array | undefined) => (value === undefined ? undefined : toBase64(value));
    return {
      rootKey: toBase64(c.rootKey),
      ownPriv: toBase64(c.ownPriv),
      theirPub: optional(c.theirPub),
      sendChain: optional(c.sendChain),
      sendN: c.sendN,
      prevSendN: c.prevSendN,
      recvChain: optional(c.recvChain),
      recvN: c.recvN,
      skipped: [...this.skipped].map(([id, key]) => [id, toBase64(key)]),
      oldChains: [...this.oldChains],
    };
  }

  encrypt(plaintext: Uint8Array, codec: MessageCodec): Uint8Array {
    const c = this.chains;
    if (!c.sendChain) throw new OmemoError('no-session', 'this session has not received its first message yet');
    const header: RatchetHeader = { ratchetKey: x25519PublicKey(c.ownPriv), n: c.sendN, pn: c.prevSendN };
    const { messageKey, chainKey } = chainStep(c.sendChain);
    c.sendChain = chainKey;
    c.sendN += 1;
    return codec.seal(messageKey, header, plaintext);
  }

  /**
   * Opens a message without touching this ratchet; `commit` makes the new state the ratchet's. The
   * caller commits only once everything the message carries has verified (the payload's tag included).
   */
  decrypt(data: Uint8Array, codec: MessageCodec): { plaintext: Uint8Array; commit: () => void } {
    let header: RatchetHeader;
    try {
      header = codec.readHeader(data);
    } catch (err) {
      if (err instanceof ProtobufError) throw new OmemoError('bad-message', `malformed message: ${err.message}`);
      throw err;
    }
    const id = skippedId(header.ratchetKey, header.n);
    const stored = this.skipped.get(id);
    if (stored) {
      const plaintext = codec.open(stored, data);
      if (!plaintext) throw new OmemoError('tampered', 'message authentication failed');
      return { plaintext, commit: () => this.skipped.delete(id) };
    }
    const theirHex = toHex(header.ratchetKey);
    if (this.oldChains.includes(theirHex)) throw new OmemoError('replayed', 'message of an earlier chain whose key was already used');

    const work: Chains = { ...this.chains };
    const newSkipped: [string, Uint8Array][] = [];
    const skipTo = (until: number) => {
      if (!work.recvChain) return;
      if (until - work.recvN > MAX_SKIP_PER_MESSAGE) throw new OmemoError('too-many-skipped', `message would skip ${until - work.recvN} keys`);
      while (work.recvN < until) {
        const step = chainStep(work.recvChain);
        newSkipped.push([skippedId(work.theirPub ?? new Uint8Array(0), work.recvN), step.messageKey]);
        work.recvChain = step.chainKey;
        work.recvN += 1;
      }
    };
    let retired: string | undefined;
    if (!work.theirPub || !equalBytes(work.theirPub, header.ratchetKey) || !work.recvChain) {
      if (work.theirPub && work.recvChain) {
        skipTo(header.pn);
        retired = toHex(work.theirPub);
      }
      let dh: Uint8Array;
      try {
        dh = x25519(work.ownPriv, header.ratchetKey);
      } catch {
        throw new OmemoError('bad-message', 'ratchet key is not a usable Curve25519 key');
      }
      const recv = rootStep(this.rootInfo, work.rootKey, dh);
      work.theirPub = header.ratchetKey;
      work.recvChain = recv.chainKey;
      work.recvN = 0;
      work.ownPriv = x25519GeneratePrivate();
      const send = rootStep(this.rootInfo, recv.rootKey, x25519(work.ownPriv, header.ratchetKey));
      work.rootKey = send.rootKey;
      work.prevSendN = work.sendChain ? work.sendN : 0;
      work.sendChain = send.chainKey;
      work.sendN = 0;
    }
    if (header.n < work.recvN) throw new OmemoError('replayed', 'message key already used');
    skipTo(header.n);
    if (!work.recvChain) throw new OmemoError('bad-message', 'no receiving chain');
    const { messageKey, chainKey } = chainStep(work.recvChain);
    work.recvChain = chainKey;
    work.recvN += 1;
    const plaintext = codec.open(messageKey, data);
    if (!plaintext) throw new OmemoError('tampered', 'message authentication failed');
    return {
      plaintext,
      commit: () => {
        this.chains = work;
        for (const [key, value] of newSkipped) this.skipped.set(key, value);
        for (const oldest of this.skipped.keys()) {
          if (this.skipped.size <= MAX_SKIPPED_STORED) break;
          this.skipped.delete(oldest);
        }
        if (retired) {
          this.oldChains.push(retired);
          if (this.oldChains.length > OLD_CHAINS_REMEMBERED) this.oldChains.shift();
        }
      },
    };
  }
}
