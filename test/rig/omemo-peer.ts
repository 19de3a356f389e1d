// Drives test/rig/slix-omemo.py: an OMEMO 0.3 + OMEMO 2 client made of slixmpp and python-omemo 1.0
// (Debian's packages), the independent implementation our OMEMO code is tested against.
import { execFileSync } from 'node:child_process';
import { SlixChild } from './slix-child';

const PYTHON = '/usr/bin/python3';

export type OmemoVersion = '0.3' | '2';
/** How the peer decides on keys it has not seen: trust all blindly, blind trust before verification, or leave undecided. */
export type OmemoTrustMode = 'all' | 'btbv' | 'manual';
/** python-omemo's trust level names as this peer uses them. */
export type OmemoTrust = 'undecided' | 'blind' | 'trusted' | 'distrusted';

export interface OmemoDeviceDetail {
  id: number;
  fingerprint: string;
  trust: OmemoTrust;
  /** The versions the device was ever listed in, and those it is listed in now. */
  versions: OmemoVersion[];
  active: OmemoVersion[];
  label: string | null;
}

export interface OmemoDevicesEvent {
  event: 'devices';
  tag: string | null;
  jid: string;
  /** Device ids python-omemo knows as active, per version (devices whose bundle could not be had are left out). */
  devices: Record<OmemoVersion, number[]>;
  details: OmemoDeviceDetail[];
  /** After refresh: the device lists as the server holds them now. */
  remote?: Record<OmemoVersion, number[]>;
}

export interface OmemoMessageEvent {
  event: 'message';
  from: string;
  body: string | null;
  protocol: OmemoVersion;
  device: number;
  trust: OmemoTrust;
  fingerprint: string;
  /** OMEMO 2 only: the SCE envelope's affixes (null for 0.3). */
  sce: { to: string | null; from: string | null; affixes: string[] } | null;
}

export interface OmemoUndecryptableEvent {
  event: 'undecryptable';
  from: string;
  protocol: OmemoVersion;
  device: number | null;
  /** python-omemo's exception class (e.g. DecryptionFailed, MessageNotForUs, NoSession) or sce / sce-from-mismatch. */
  reason: string;
  detail: string;
}

export interface OmemoSentEvent {
  event: 'sent';
  tag: string;
  protocol?: OmemoVersion;
  /** [bare JID, device id] of every key in the message (the sender's other devices included). */
  recipients?: [string, number][];
  /** Devices python-omemo could not encrypt for (no bundle, failed key exchange). */
  errors?: { jid: string; device: number; protocol: string; error: string }[];
}

export type OmemoPeerEvent =
  | { event: 'ready'; jid: string; device: number; fingerprints: Record<OmemoVersion, string>; identityKey: string }
  | OmemoMessageEvent
  | { event: 'empty'; from: string; protocol: OmemoVersion; device: number }
  | OmemoUndecryptableEvent
  | { event: 'plain'; from: string; body: string }
  | OmemoDevicesEvent
  | OmemoSentEvent
  | { event: 'trusted'; tag: string; jid: string; devices: number[]; trust: OmemoTrust }
  | { event: 'error'; tag: string | null; reason: string; detail: string };

/** A command the peer answered with an error event (reason: python-omemo's exception class, or the script's own word). */
export class OmemoCommandError extends Error {
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

export interface OmemoPeerOptions {
  port: number;
  /** A full JID: the resource tells devices of one account apart. */
  jid: string;
  password: string;
  /** Where the device lives (id, keys, sessions): the same directory is the same device again. */
  storeDir: string;
  trust?: OmemoTrustMode;
}

/** Installs Debian's python-omemo stack with apt-get when missing and we are root; otherwise says what to install. */
let omemoChecked = false;

export function ensureOmemo(): void {
  if (omemoChecked) return;
  try {
    // Found, not imported: importing the backends' etree helpers costs ~1.5 s of CPU (xmlschema
    // builds its schemas), which each peer pays anyway. Those helpers need xmlschema, which the
    // Debian packages only suggest.
    const modules = ['omemo', 'oldmemo', 'twomemo', 'xmlschema'];
    execFileSync(PYTHON, ['-c', `import importlib.util, sys; sys.exit(0 if all(importlib.util.find_spec(m) for m in ${JSON.stringify(modules)}) else 1)`], { stdio: 'ignore' });
    omemoChecked = true;
    return;
  } catch {
    if (process.getuid?.() !== 0) {
      throw new Error('python-omemo is missing. Run as root: apt-get install -y --no-install-recommends python3-omemo python3-oldmemo python3-twomemo python3-xmlschema');
    }
  }
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'python3-omemo', 'python3-oldmemo', 'python3-twomemo', 'python3-xmlschema'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  omemoChecked = true;
}

export class OmemoPeer {
  /** Bound full JID, own device id and identity fingerprint (Curve25519 hex, one key for both versions). */
  jid = '';
  device = 0;
  fingerprint = '';
  private tags = 0;

  private constructor(private readonly child: SlixChild<OmemoPeerEvent>) {}

  /** Logs in, loads or makes the device, publishes bundles and device lists; resolves when ready. */
  static async start(options: OmemoPeerOptions): Promise<OmemoPeer> {
    ensureOmemo();
    const args = [String(options.port), options.jid, options.password, options.storeDir, options.trust ?? 'all'];
    const peer = new OmemoPeer(new SlixChild<OmemoPeerEvent>('slix-omemo.py', args, `OMEMO peer ${options.jid}`));
    const ready = await peer.child.ready(30_000);
    if (ready.event === 'ready') {
      peer.jid = ready.jid;
      peer.device = ready.device;
      peer.fingerprint = ready.fingerprints['2'];
    }
    return peer;
  }

  get bareJid(): string {
    return this.jid.split('/')[0] ?? '';
  }

  /** Every event so far (the index of the next one is `mark()`). */
  get events(): readonly OmemoPeerEvent[] {
    return this.child.events;
  }

  mark(): number {
    return this.child.events.length;
  }

  /** Encrypts body for every trusted device of `to` (and our other devices) with one version and sends it. */
  async send(to: string, body: string, version: OmemoVersion, options: { tamper?: boolean } = {}): Promise<OmemoSentEvent> {
    return (await this.ask({ op: 'send', to, body, version, tamper: options.tamper === true }, 'sent', `sending to ${to}`)) as OmemoSentEvent;
  }

  /** A plain, unencrypted chat message. */
  async sendPlain(to: string, body: string): Promise<void> {
    await this.ask({ op: 'plain', to, body }, 'sent', `sending plain to ${to}`);
  }

  /** Subscribes to the JID's device lists, fetches both and returns what python-omemo then knows (and the lists as fetched). */
  async refresh(jid: string): Promise<OmemoDevicesEvent> {
    return (await this.ask({ op: 'refresh', jid }, 'devices', `refreshing ${jid}`)) as OmemoDevicesEvent;
  }

  /** What python-omemo knows of the JID's devices now, without fetching the lists. */
  async devices(jid: string): Promise<OmemoDevicesEvent> {
    return (await this.ask({ op: 'devices', jid }, 'devices', `devices of ${jid}`)) as OmemoDevicesEvent;
  }

  /** Sets the trust of a device of `jid` (by id or fingerprint): true = trusted, false = distrusted, or a level by name. */
  async trust(jid: string, which: { device: number } | { fingerprint: string }, trusted: boolean | OmemoTrust): Promise<number[]> {
    const level = typeof trusted === 'string' ? { level: trusted } : { trusted };
    const answer = await this.ask({ op: 'trust', jid, ...which, ...level }, 'trusted', `trust in ${jid}`);
    return answer.event === 'trusted' ? answer.devices : [];
  }

  /** The first decrypted message (from event index `from` on) that matches. */
  async message(match: (event: OmemoMessageEvent) => boolean = () => true, timeoutMs = 10_000, from = 0): Promise<OmemoMessageEvent> {
    return (await this.child.waitFor((e) => e.event === 'message' && match(e), timeoutMs, 'an OMEMO message', from)) as OmemoMessageEvent;
  }

  /** The first undecryptable report (from event index `from` on) that matches. */
  async undecryptable(match: (event: OmemoUndecryptableEvent) => boolean = () => true, timeoutMs = 10_000, from = 0): Promise<OmemoUndecryptableEvent> {
    return (await this.child.waitFor((e) => e.event === 'undecryptable' && match(e), timeoutMs, 'an undecryptable report', from)) as OmemoUndecryptableEvent;
  }

  /** Any event that matches (from event index `from` on). */
  waitFor(match: (event: OmemoPeerEvent) => boolean, timeoutMs = 10_000, what = 'an OMEMO peer event', from = 0): Promise<OmemoPeerEvent> {
    return this.child.waitFor(match, timeoutMs, what, from);
  }

  stop(): Promise<void> {
    return this.child.stop();
  }

  private async ask(command: Record<string, unknown>, answer: OmemoPeerEvent['event'], what: string): Promise<OmemoPeerEvent> {
    this.tags += 1;
    const tag = `t${this.tags}`;
    this.child.command({ tag, ...command });
    const event = await this.child.waitFor((e) => 'tag' in e && e.tag === tag && (e.event === answer || e.event === 'error'), 20_000, what);
    if (event.event === 'error') throw new OmemoCommandError(event.reason, event.detail);
    return event;
  }
}
