// A stand-in for the OMEMO cryptography (until crypto/ is merged, and for tests of the XMPP side
// alone): it keeps the contract's behaviour — sessions, key exchanges that use a pre-key,
// replays and tampering refused, snapshots that continue every session — with none of its
// secrecy (the message key travels in clear inside the key element). Never use outside tests.
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt } from 'node:crypto';
import { OmemoError, type DeviceKey, type EncryptedElement, type EngineState, type OmemoEngine, type OmemoEngineFactory, type OmemoVersion, type PublicBundle } from '../../nodes/core/omemo/engine';

interface SessionState {
  /** Random, made by whoever started the session: a key exchange with a new one starts anew. */
  id: string;
  sent: number;
  /** Counters received, to refuse a replay. */
  received: number[];
  /** Whether the peer has answered yet (until then our messages are key exchanges). */
  confirmed: boolean;
}

interface DeviceState {
  deviceId: number;
  identity: string;
  preKeys: { id: number; key: string }[];
  nextPreKey: number;
  sessions: Record<string, Record<string, SessionState>>;
  /** Session ids of key exchanges already taken (a replayed key exchange is refused). */
  taken: string[];
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** The signature a fake bundle carries: a hash that breaks when any key changes. */
function signature(identity: Uint8Array, spk: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(identity).update(spk).digest());
}

class FakeEngine implements OmemoEngine {
  constructor(
    readonly version: OmemoVersion,
    private readonly state: DeviceState,
  ) {}

  get deviceId(): number {
    return this.state.deviceId;
  }

  private identity(): Uint8Array {
    const raw = Buffer.from(this.state.identity, 'hex');
    // 0.3 carries the key type byte in front, as libsignal does.
    return new Uint8Array(this.version === '0.3' ? Buffer.concat([Buffer.from([5]), raw]) : raw);
  }

  ownBundle(): PublicBundle {
    const spk = new Uint8Array(createHash('sha256').update(`spk ${this.state.identity}`).digest());
    const identityKey = this.identity();
    return {
      identityKey,
      signedPreKeyId: 1,
      signedPreKey: spk,
      signedPreKeySignature: signature(identityKey, spk),
      preKeys: this.state.preKeys.map((p) => ({ id: p.id, key: new Uint8Array(Buffer.from(p.key, 'hex')) })),
    };
  }

  private sessions(): Record<string, SessionState> {
    return (this.state.sessions[this.version] ??= {});
  }

  private session(jid: string, device: number): SessionState | undefined {
    return this.sessions()[`${jid} ${device}`];
  }

  hasSession(jid: string, device: number): boolean {
    return this.session(jid, device) !== undefined;
  }

  startSession(jid: string, device: number, bundle: PublicBundle): void {
    if (hex(signature(bundle.identityKey, bundle.signedPreKey)) !== hex(bundle.signedPreKeySignature)) throw new OmemoError('bad-bundle', 'signature');
    this.sessions()[`${jid} ${device}`] = { id: randomBytes(8).toString('hex'), sent: 0, received: [], confirmed: false };
  }

  encrypt(plaintext: Uint8Array | undefined, devices: { jid: string; device: number }[]): EncryptedElement {
    const key = randomBytes(16);
    const iv = randomBytes(12);
    let payload: Uint8Array | undefined;
    if (plaintext) {
      const cipher = createCipheriv('aes-128-gcm', key, iv);
      // The IV rides in front of the payload (OMEMO 2 has no <iv>; 0.3 gets it in <iv> too).
      payload = new Uint8Array(Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
    }
    const keys: DeviceKey[] = devices.map(({ jid, device }) => {
      const session = this.session(jid, device);
      if (!session) throw new OmemoError('no-session', `${jid} ${device}`);
      session.sent += 1;
      const kex = !session.confirmed;
      const data = Buffer.from(JSON.stringify({ s: session.id, n: session.sent, k: key.toString('hex'), ik: this.state.identity }));
      return { jid, device, kex, data: new Uint8Array(data) };
    });
    const element: EncryptedElement = { version: this.version, sender: this.deviceId, keys };
    if (payload) element.payload = payload;
    if (this.version === '0.3') element.iv = new Uint8Array(iv);
    return element;
  }

  decrypt(fromJid: string, element: EncryptedElement): { plaintext?: Uint8Array; senderIdentityKey: Uint8Array; usedPreKey: boolean } {
    const mine = element.keys.find((k) => k.device === this.deviceId);
    if (!mine) throw new OmemoError('not-for-this-device', String(this.deviceId));
    let header: { s: string; n: number; k: string; ik: string };
    try {
      header = JSON.parse(Buffer.from(mine.data).toString('utf8')) as typeof header;
    } catch {
      throw new OmemoError('tampered', 'key');
    }
    const current = this.session(fromJid, element.sender);
    const fresh = mine.kex && current?.id !== header.s;
    if (fresh && this.state.taken.includes(header.s)) throw new OmemoError('replayed', 'key exchange');
    if (!fresh && (!current || current.id !== header.s)) throw new OmemoError('no-session', `${fromJid} ${element.sender}`);
    if (!fresh && current?.received.includes(header.n)) throw new OmemoError('replayed', String(header.n));
    if (current && !fresh && header.n > Math.max(0, ...current.received) + 1000) throw new OmemoError('too-many-skipped', String(header.n));
    let plaintext: Uint8Array | undefined;
    if (element.payload) {
      if (this.version === '0.3' && !element.iv) throw new OmemoError('bad-message', 'iv');
      const data = Buffer.from(element.payload);
      try {
        const decipher = createDecipheriv('aes-128-gcm', Buffer.from(header.k, 'hex'), data.subarray(0, 12));
        decipher.setAuthTag(data.subarray(data.length - 16));
        plaintext = new Uint8Array(Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]));
      } catch {
        throw new OmemoError('tampered', 'tag');
      }
    }
    // Only a message that decrypted changes the session.
    let usedPreKey = false;
    let session = current;
    if (fresh || !session) {
      session = { id: header.s, sent: 0, received: [], confirmed: true };
      this.sessions()[`${fromJid} ${element.sender}`] = session;
      this.state.taken.push(header.s);
      const used = this.state.preKeys.shift();
      if (used) {
        usedPreKey = true;
        this.state.preKeys.push({ id: this.state.nextPreKey++, key: randomBytes(32).toString('hex') });
      }
    }
    session.received.push(header.n);
    session.confirmed = true;
    const raw = Buffer.from(header.ik, 'hex');
    const senderIdentityKey = new Uint8Array(this.version === '0.3' ? Buffer.concat([Buffer.from([5]), raw]) : raw);
    return plaintext ? { plaintext, senderIdentityKey, usedPreKey } : { senderIdentityKey, usedPreKey };
  }

  snapshot(): EngineState {
    return JSON.parse(JSON.stringify(this.state)) as EngineState;
  }
}

function engines(state: DeviceState): Record<OmemoVersion, OmemoEngine> {
  return { '0.3': new FakeEngine('0.3', state), '2': new FakeEngine('2', state) };
}

export class FakeOmemoFactory implements OmemoEngineFactory {
  createDevice(): { deviceId: number; engines: Record<OmemoVersion, OmemoEngine> } {
    const state: DeviceState = {
      deviceId: randomInt(1, 2 ** 31 - 1),
      identity: randomBytes(32).toString('hex'),
      preKeys: Array.from({ length: 3 }, (_, i) => ({ id: i + 1, key: randomBytes(32).toString('hex') })),
      nextPreKey: 4,
      sessions: {},
      taken: [],
    };
    return { deviceId: state.deviceId, engines: engines(state) };
  }

  restoreDevice(state: EngineState): { deviceId: number; engines: Record<OmemoVersion, OmemoEngine> } {
    const device = JSON.parse(JSON.stringify(state)) as DeviceState;
    if (typeof device.deviceId !== 'number' || typeof device.identity !== 'string') throw new OmemoError('bad-message', 'state');
    return { deviceId: device.deviceId, engines: engines(device) };
  }

  snapshotDevice(all: Record<OmemoVersion, OmemoEngine>): EngineState {
    return all['2'].snapshot();
  }

  fingerprint(version: OmemoVersion, identityKey: Uint8Array): string {
    return hex(version === '0.3' && identityKey.length === 33 ? identityKey.subarray(1) : identityKey);
  }
}
