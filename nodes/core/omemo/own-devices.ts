// Our device in our own device lists and our bundles on our own PEP nodes, both versions, all
// open to anyone (access_model=open, so contacts without a subscription can start sessions). When
// another of our clients publishes the list without us, we put ourselves back.
import { bareOf } from '../jid';
import type { ClientPort } from '../port';
import { buildBundle } from './bundle-stanza';
import { buildDeviceList, readDeviceList, type ListedDevice } from './device-list-stanza';
import type { DeviceLists } from './device-lists';
import type { OmemoVersion } from './engine';
import type { OmemoAccount } from './omemo-account';
import { CURRENT_ITEM, OMEMO_VERSIONS } from './omemo-versions';
import type { Pep } from './pep';

const OPEN = { 'pubsub#access_model': 'open' };

export class OwnDevices {
  /** The lists as last published or seen, labels included (OMEMO 2 keeps other clients' labels). */
  private readonly published = new Map<OmemoVersion, ListedDevice[]>();

  constructor(
    private readonly port: Pick<ClientPort, 'xml' | 'jid'>,
    private readonly pep: Pick<Pep, 'publish' | 'fetch'>,
    private readonly lists: DeviceLists,
    private readonly account: OmemoAccount,
    private readonly label: string | undefined,
  ) {}

  /** After a login: our lists (as they are on the server, with us added) and our bundles. */
  async publishAll(): Promise<void> {
    const own = bareOf(this.port.jid);
    for (const version of ['2', '0.3'] as const) {
      const items = await this.pep.fetch(own, OMEMO_VERSIONS[version].deviceListNode);
      const item = items.find((i) => i.id === CURRENT_ITEM) ?? items[0];
      await this.keepListed(version, readDeviceList(version, item?.payload), true);
      await this.publishBundle(version);
    }
  }

  /**
   * A list of ours as the server has it now (a fetch or a notification): noted, and published
   * again with us in it when we are missing. Returns whether it published.
   */
  async keepListed(version: OmemoVersion, devices: ListedDevice[], always = false): Promise<boolean> {
    const ours = this.account.deviceId;
    this.lists.set(bareOf(this.port.jid), version, devices.map((d) => d.id));
    this.published.set(version, devices);
    if (!always && devices.some((d) => d.id === ours)) return false;
    const withUs = devices.some((d) => d.id === ours) ? devices : [...devices, { id: ours, label: this.label }];
    await this.pep.publish(OMEMO_VERSIONS[version].deviceListNode, CURRENT_ITEM, buildDeviceList(this.port.xml, version, withUs), OPEN);
    this.lists.set(bareOf(this.port.jid), version, withUs.map((d) => d.id));
    this.published.set(version, withUs);
    return true;
  }

  /** Our bundle as the engine has it now (after a key exchange used a pre-key, say). */
  async publishBundle(version: OmemoVersion): Promise<void> {
    const where = OMEMO_VERSIONS[version].bundle(this.account.deviceId);
    const bundle = buildBundle(this.port.xml, version, this.account.engines[version].ownBundle());
    await this.pep.publish(where.node, where.item, bundle, { ...OPEN, ...OMEMO_VERSIONS[version].bundleOptions });
  }
}
