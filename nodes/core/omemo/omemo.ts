// OMEMO (XEP-0384, versions 0.3 and 2) for one account: our device (store file), published with
// its bundles on PEP after each login; messages that arrive encrypted are decrypted before anyone
// hears of them; messages to send are encrypted for every trusted device of the recipient and our
// own other devices. The cryptography is the engine factory's (engine.ts is the contract).
import { bareOf } from '../jid';
import { Listeners } from '../listeners';
import { MessageExtension } from '../messages/message-extension';
import type { OutgoingMessage } from '../messages/message-stanza';
import type { Messages } from '../messages/messages';
import type { Disco } from '../disco/disco';
import type { ClientPort } from '../port';
import type { XmlElement } from '../xmpp-lib';
import { readDeviceList } from './device-list-stanza';
import { DeviceLists } from './device-lists';
import type { OmemoEngineFactory, OmemoVersion } from './engine';
import { EncryptionError } from './encryption-error';
import { fingerprintForms } from './fingerprint-forms';
import { HealLimit } from './heal-limit';
import { encryptionHint, FALLBACK_BODY, storeHint } from './message-hints';
import { OmemoAccount } from './omemo-account';
import type { OmemoNotice } from './omemo-notice';
import { OmemoReceiver, type ReceiveCounts } from './omemo-receiver';
import { OmemoSender } from './omemo-sender';
import { CURRENT_ITEM, OMEMO_VERSIONS, VERSIONS_PREFERRED } from './omemo-versions';
import { OwnDevices } from './own-devices';
import { Pep, readPepEvent } from './pep';
import { displayFingerprint, type VerifiedFingerprints } from './trust';

export type OmemoPort = Pick<ClientPort, 'xml' | 'jid' | 'send' | 'request' | 'on' | 'onLogin' | 'warn'>;

export interface OmemoOptions {
  factory: OmemoEngineFactory;
  /** The account's store file (see store-file.ts's storePath). */
  storePath: string;
  /** Verified fingerprints per contact: from then on only those devices of the contact are trusted. */
  verified: VerifiedFingerprints;
  /** Our device's label in OMEMO 2's device list. */
  label?: string | undefined;
  /** The versions we write in, newest first where a device publishes several (default both); we read both always. */
  versions?: readonly OmemoVersion[] | undefined;
  /** Parses XML text (the OMEMO 2 envelope). */
  parse: (text: string) => XmlElement;
  /** How long a fetched device list is used before it is asked for again (default 5 min). */
  deviceListMaxAgeMs?: number | undefined;
  /** At most one new key exchange per device this often, to heal a broken session (default 10 min). */
  healIntervalMs?: number | undefined;
  now?: (() => number) | undefined;
}

/** 'possible': encrypted when the recipient has a trusted device, else in clear; 'required': never in clear. */
export type EncryptionRequirement = 'possible' | 'required';

export interface OwnFingerprint {
  version: OmemoVersion;
  device: number;
  /** Lowercase hex in groups of eight. */
  fingerprint: string;
}

export class Omemo {
  private readonly notices: Listeners<[OmemoNotice]>;
  private readonly opened: Promise<OmemoAccount | undefined>;
  private readonly lists: DeviceLists;
  private readonly pep: Pep;
  private readonly healLimit: HealLimit;
  private readonly bundleDue = new Set<OmemoVersion>();
  private receiver: OmemoReceiver | undefined;
  private sender: OmemoSender | undefined;
  private own: OwnDevices | undefined;
  /** Sends are prepared one after another, so the messages leave in the order they were given. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly port: OmemoPort,
    messages: Pick<Messages, 'setDecoder'>,
    disco: Pick<Disco, 'addFeature'>,
    private readonly options: OmemoOptions,
  ) {
    this.notices = new Listeners((error) => port.warn(error));
    this.lists = new DeviceLists(options.deviceListMaxAgeMs ?? 5 * 60_000, options.now);
    this.healLimit = new HealLimit(options.healIntervalMs ?? 10 * 60_000, options.now);
    this.pep = new Pep(port);
    // XEP-0163 4: +notify in our capabilities makes the server send us device list changes.
    for (const version of ['0.3', '2'] as const) disco.addFeature(`${OMEMO_VERSIONS[version].deviceListNode}+notify`);
    this.opened = this.open();
    messages.setDecoder((stanza, message) => {
      if (this.receiver) return this.receiver.receive(stanza, message);
      // Before the store is read: only OMEMO messages wait for it.
      if (!stanza.getChild('encrypted', OMEMO_VERSIONS['0.3'].ns) && !stanza.getChild('encrypted', OMEMO_VERSIONS['2'].ns)) return undefined;
      return this.opened.then(() => (this.receiver ? this.receiver.receive(stanza, message) : 'drop'));
    });
    port.on('message', (stanza) => this.pepEvent(stanza));
    port.onLogin((resumed) => {
      if (!resumed) void this.publish();
    });
  }

  /** Problems and events for the log (never a key). */
  onNotice(listener: (notice: OmemoNotice) => void): () => void {
    return this.notices.add(listener);
  }

  /** The store is read (or a new device made). */
  async ready(): Promise<boolean> {
    return (await this.opened) !== undefined;
  }

  /** Our device id and the fingerprints to compare on the phone, per version. */
  async fingerprints(): Promise<OwnFingerprint[]> {
    const account = await this.opened;
    if (!account) return [];
    return (['2', '0.3'] as const).map((version) => ({
      version,
      device: account.deviceId,
      fingerprint: displayFingerprint(fingerprintForms(this.options.factory, version, account.engines[version].ownBundle().identityKey)[0] ?? ''),
    }));
  }

  get counts(): ReceiveCounts | undefined {
    return this.receiver?.counts;
  }

  /**
   * The message to send in place of `message`: encrypted for the recipient's trusted devices and
   * our own other ones, with a fallback body and hints in clear. undefined when it goes in clear
   * ('possible' and no trusted device). Rejects with EncryptionError 'no-devices' or
   * 'no-trusted-devices' when required and impossible.
   */
  async seal(message: OutgoingMessage, requirement: EncryptionRequirement): Promise<OutgoingMessage | undefined> {
    // Encrypted one after another (each ratchet step in the order given); the writes of the store
    // that follow are shared, and resolve in the same order, so the messages leave in order.
    const prepared = this.queue.then(() => this.prepare(message, requirement));
    this.queue = prepared.catch(() => undefined);
    const sealed = await prepared;
    if (!sealed) return undefined;
    try {
      // What we sent must be remembered before it leaves: a lost ratchet step would reuse keys.
      await (await this.opened)?.save();
    } catch {
      this.notice({ code: 'store-failed', jid: bareOf(this.port.jid) });
      throw new EncryptionError('store-failed');
    }
    return sealed;
  }

  /** Waits for the store's writes under way and gives the store file free. */
  async close(): Promise<void> {
    await (await this.opened)?.close();
  }

  private async prepare(message: OutgoingMessage, requirement: EncryptionRequirement): Promise<OutgoingMessage | undefined> {
    const account = await this.opened;
    const plain = (code: 'no-devices' | 'no-trusted-devices' | 'encrypted-rooms-unsupported' | 'store-failed', detail: string): undefined => {
      if (requirement === 'required') throw new EncryptionError(code, detail);
      return undefined;
    };
    if (!account || !this.sender) return plain('store-failed', bareOf(message.to));
    if (message.type === 'groupchat') return plain('encrypted-rooms-unsupported', message.to);
    const to = bareOf(message.to);
    const recipients = await this.sender.recipients(to);
    if (recipients.listed === 0) return plain('no-devices', to);
    if (recipients.trusted.length === 0) return plain('no-trusted-devices', `${to} (${recipients.listed})`);
    const parts = this.sender.encrypt(message.body, [...recipients.trusted, ...recipients.own]);
    const xml = this.port.xml;
    const elements = [...parts.map((p) => p.element), ...parts.map((p) => encryptionHint(xml, p.version)), storeHint(xml)];
    // The subject would travel in clear: it is left out.
    return { to: message.to, type: message.type, body: FALLBACK_BODY, thread: message.thread, id: message.id, requestReceipt: message.requestReceipt, extension: new MessageExtension(elements) };
  }

  private async open(): Promise<OmemoAccount | undefined> {
    const own = bareOf(this.port.jid);
    let account: OmemoAccount;
    try {
      account = await OmemoAccount.open(own, this.options.storePath, this.options.factory);
    } catch (error) {
      this.notice({ code: 'store-failed', jid: own, detail: (error as NodeJS.ErrnoException).code ?? 'error' });
      return undefined;
    }
    if (account.origin.kind === 'created') this.notice({ code: 'device-created', jid: own, device: account.deviceId });
    if (account.origin.kind === 'replaced') this.notice({ code: 'store-replaced', jid: own, device: account.deviceId, detail: account.origin.reason });
    const notice = (n: OmemoNotice): void => this.notice(n);
    const verified = (): VerifiedFingerprints => this.options.verified;
    this.own = new OwnDevices(this.port, this.pep, this.lists, account, this.options.label);
    this.sender = new OmemoSender({ xml: this.port.xml, versions: this.options.versions ?? VERSIONS_PREFERRED, account, factory: this.options.factory, pep: this.pep, lists: this.lists, verified, ownJid: () => this.port.jid, notice });
    this.receiver = new OmemoReceiver({
      account,
      factory: this.options.factory,
      verified,
      parse: this.options.parse,
      ownJid: () => this.port.jid,
      notice,
      heal: (jid, version, device) => void this.heal(jid, version, device),
      preKeyUsed: (version) => this.republishBundle(version),
      unknownDevice: (jid) => {
        if (jid !== own) this.lists.forget(jid);
      },
    });
    return account;
  }

  private async publish(): Promise<void> {
    await this.opened;
    try {
      await this.own?.publishAll();
    } catch (error) {
      this.notice({ code: 'publish-failed', jid: bareOf(this.port.jid), detail: detailOf(error) });
    }
  }

  /** After a key exchange: once per version, however many arrive at once. */
  private republishBundle(version: OmemoVersion): void {
    if (this.bundleDue.has(version)) return;
    this.bundleDue.add(version);
    setImmediate(() => {
      this.bundleDue.delete(version);
      this.own?.publishBundle(version).catch((error: unknown) => this.notice({ code: 'publish-failed', jid: bareOf(this.port.jid), detail: detailOf(error) }));
    });
  }

  /** A key transport message with a new session, as clients answer a message they cannot decrypt. */
  private async heal(jid: string, version: OmemoVersion, device: number): Promise<void> {
    if (!this.sender || !this.healLimit.take(jid, device)) return;
    const account = await this.opened;
    if (!account || !(await this.sender.restart(jid, version, device))) return;
    const [part] = this.sender.encrypt(undefined, [{ jid, version, device }]);
    if (!part) return;
    try {
      await account.save();
      const xml = this.port.xml;
      await this.port.send(xml('message', { to: jid, type: 'chat' }, part.element, storeHint(xml)));
    } catch (error) {
      this.port.warn(error);
    }
  }

  /** Device list notifications: a contact's list replaces what we knew; ours must keep us in it. */
  private pepEvent(stanza: XmlElement): void {
    const own = bareOf(this.port.jid);
    const event = readPepEvent(stanza, own);
    if (!event) return;
    for (const version of ['0.3', '2'] as const) {
      if (event.node !== OMEMO_VERSIONS[version].deviceListNode) continue;
      const item = event.items.find((i) => i.id === CURRENT_ITEM) ?? event.items[0];
      if (!item) continue;
      const devices = readDeviceList(version, item.payload);
      if (event.from !== own) {
        this.lists.set(event.from, version, devices.map((d) => d.id));
        continue;
      }
      void this.opened.then(() =>
        this.own?.keepListed(version, devices).catch((error: unknown) => this.notice({ code: 'publish-failed', jid: own, detail: detailOf(error) })),
      );
    }
  }

  private notice(notice: OmemoNotice): void {
    this.notices.emit(notice);
  }
}

function detailOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'condition' in error && typeof error.condition === 'string') return error.condition;
  if (typeof error === 'object' && error !== null && 'code' in error) return String((error as { code: unknown }).code);
  return 'error';
}
