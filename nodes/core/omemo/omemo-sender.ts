// A message to encrypt: the devices of the recipient and our own other devices are found (their
// lists and bundles fetched, sessions started as needed), the trusted ones chosen, each written
// to in the newest version it publishes, and one <encrypted> made per version in use.
import { bareOf } from '../jid';
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import { readBundle } from './bundle-stanza';
import { readDeviceList } from './device-list-stanza';
import type { DeviceLists } from './device-lists';
import { buildEncrypted } from './encrypted-stanza';
import { OmemoError, type OmemoEngineFactory, type OmemoVersion } from './engine';
import type { OmemoAccount } from './omemo-account';
import type { OmemoNotice } from './omemo-notice';
import { CURRENT_ITEM, OMEMO_VERSIONS } from './omemo-versions';
import type { Pep } from './pep';
import { fingerprintForms } from './fingerprint-forms';
import { buildEnvelope } from './sce-envelope';
import { isTrusted, type VerifiedFingerprints } from './trust';

export interface SenderContext {
  xml: XmlFactory;
  /** The versions we write in, newest first. */
  versions: readonly OmemoVersion[];
  account: OmemoAccount;
  factory: OmemoEngineFactory;
  pep: Pick<Pep, 'fetch'>;
  lists: DeviceLists;
  verified: () => VerifiedFingerprints;
  ownJid: () => string;
  notice: (notice: OmemoNotice) => void;
}

export interface Target {
  jid: string;
  version: OmemoVersion;
  device: number;
}

/** What the recipient has: every device it lists, and those we will write to. */
export interface Recipients {
  listed: number;
  trusted: Target[];
  /** Our own other devices we trust (they get a copy, as other clients do). */
  own: Target[];
}

export class OmemoSender {
  constructor(private readonly ctx: SenderContext) {}

  /** The devices of `to` and of our own account, each in the version it is written to, the trusted ones only. */
  async recipients(to: string): Promise<Recipients> {
    const recipient = bareOf(to);
    const own = bareOf(this.ctx.ownJid());
    const theirs = await this.devicesOf(recipient);
    const ours = recipient === own ? [] : (await this.devicesOf(own)).filter((t) => t.device !== this.ctx.account.deviceId);
    const listed = theirs.filter((t) => !(recipient === own && t.device === this.ctx.account.deviceId));
    return { listed: listed.length, trusted: await this.usable(listed), own: await this.usable(ours) };
  }

  /** One <encrypted> per version in use; the plaintext is the body (0.3) or its SCE envelope (2). */
  encrypt(body: string | undefined, targets: Target[]): { version: OmemoVersion; element: XmlElement }[] {
    const out: { version: OmemoVersion; element: XmlElement }[] = [];
    for (const version of this.ctx.versions) {
      const devices = targets.filter((t) => t.version === version).map(({ jid, device }) => ({ jid, device }));
      if (devices.length === 0) continue;
      let plaintext: Uint8Array | undefined;
      if (body !== undefined) {
        const text = version === '2' ? buildEnvelope(this.ctx.xml, body, bareOf(this.ctx.ownJid())).toString() : body;
        plaintext = new Uint8Array(Buffer.from(text, 'utf8'));
      }
      const element = this.ctx.account.engines[version].encrypt(plaintext, devices);
      out.push({ version, element: buildEncrypted(this.ctx.xml, element) });
    }
    return out;
  }

  /** Starts a new session with one device from its bundle (to heal a broken one); false when its bundle is unusable. */
  async restart(jid: string, version: OmemoVersion, device: number): Promise<boolean> {
    return this.session({ jid, version, device }, true);
  }

  /** Each device id once, in the newest version that lists it. */
  private async devicesOf(jid: string): Promise<Target[]> {
    const byDevice = new Map<number, OmemoVersion>();
    for (const version of this.ctx.versions) {
      for (const id of await this.listOf(jid, version)) if (!byDevice.has(id)) byDevice.set(id, version);
    }
    return [...byDevice].map(([device, version]) => ({ jid, version, device }));
  }

  private async listOf(jid: string, version: OmemoVersion): Promise<number[]> {
    const cached = this.ctx.lists.fresh(jid, version);
    if (cached) return cached;
    let ids: number[] = [];
    try {
      const items = await this.ctx.pep.fetch(jid, OMEMO_VERSIONS[version].deviceListNode);
      const item = items.find((i) => i.id === CURRENT_ITEM) ?? items[0];
      ids = readDeviceList(version, item?.payload).map((d) => d.id);
    } catch {
      // No PEP for this account, or it refuses us: no devices of this version.
    }
    this.ctx.lists.set(jid, version, ids);
    return ids;
  }

  /** The targets with a session (started now if needed) and a trusted identity. */
  private async usable(targets: Target[]): Promise<Target[]> {
    const ok: Target[] = [];
    for (const target of targets) {
      if (!(await this.session(target, false))) continue;
      const known = this.ctx.account.known.get(target.jid, target.version, target.device);
      if (known && isTrusted(this.ctx.verified(), target.jid, [known.fingerprint, ...(known.otherForms ?? [])], known)) ok.push(target);
    }
    return ok;
  }

  private async session(target: Target, fresh: boolean): Promise<boolean> {
    const { account, factory } = this.ctx;
    const engine = account.engines[target.version];
    const known = account.known.get(target.jid, target.version, target.device);
    if (!fresh && engine.hasSession(target.jid, target.device) && known) return true;
    const where = OMEMO_VERSIONS[target.version].bundle(target.device);
    try {
      // 0.3 has one node per device: whatever its item is called, it is the bundle.
      const items = await this.ctx.pep.fetch(target.jid, where.node, target.version === '2' ? where.item : undefined);
      const item = target.version === '2' ? items.find((i) => i.id === where.item) : items[0];
      const bundle = readBundle(target.version, item?.payload);
      if (!bundle) {
        this.ctx.notice({ code: 'bad-bundle', jid: target.jid, device: target.device, detail: item ? 'unreadable' : 'missing' });
        return false;
      }
      const forms = fingerprintForms(factory, target.version, bundle.identityKey);
      const seen = account.known.observe(target.jid, target.version, target.device, forms);
      if (seen.changed) this.ctx.notice({ code: 'key-changed', jid: target.jid, device: target.device });
      // A device we would not trust gets no session: nothing of ours is ratcheted for it.
      if (!isTrusted(this.ctx.verified(), target.jid, forms, seen.before)) return false;
      if (fresh || !engine.hasSession(target.jid, target.device)) engine.startSession(target.jid, target.device, bundle);
      return true;
    } catch (error) {
      const detail = error instanceof OmemoError ? error.code : 'fetch-failed';
      this.ctx.notice({ code: 'bad-bundle', jid: target.jid, device: target.device, detail });
      return false;
    }
  }
}
