// What the bot says about itself: disco#info and disco#items (XEP-0030), entity capabilities in
// its presence (XEP-0115), its software version (XEP-0092), and nodes answered by the flow.
import { callerAllowed, type CallerAccess } from '../caller-access';
import type { XmppError } from '../errors';
import { answerOnce, type EncodedAnswer } from '../iq/flow-answer';
import { answerTooLarge, type IncomingIq, type IqAnswer } from '../iq/iq-responder';
import { NS_CAPS, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING, NS_VERSION } from '../namespaces';
import { DEFAULT_PENDING_LIMITS, PendingLimit, type PendingLimits, type RefusalReport } from '../pending-limit';
import type { ClientPort } from '../port';
import type { Presence } from '../presence/own-presence';
import { errorElement } from '../stanza-error';
import { capsVer } from './caps';
import { buildInfo, buildItems, type DiscoInfo, type DiscoItem, type Identity } from './disco-stanza';

/** Where our capabilities are described (the 'node' of XEP-0115). */
export const CAPS_NODE = 'https://flows.nodered.org/node/node-red-contrib-xmpp-flows';

export interface SoftwareVersion {
  name: string;
  version: string;
  /** Only when the user opts in. */
  os?: string | undefined;
}

export type NodeAnswer = DiscoInfo | DiscoItem[] | undefined;

/**
 * Answers one query for a flow's node, once: undefined means item-not-found. Returns the error
 * when the answer cannot be sent (over the size limit); the asker then gets item-not-found.
 */
export type DiscoRespond = (answer: NodeAnswer) => XmppError | undefined;

/** Takes one disco query for a node the flow handles; must end with respond() (a throw answers item-not-found). */
export type NodeAnswerer = (kind: 'info' | 'items', from: string, respond: DiscoRespond) => void;

export interface NodeAnswering {
  /** Who may ask; anyone else gets item-not-found, as for a node that does not exist. */
  access: CallerAccess;
  /** Queries waiting for the flow at once, per asker and in total. */
  limits?: PendingLimits | undefined;
  /** Hears of refusals by the limits: the first of a burst, then counts. */
  onRefused?: RefusalReport | undefined;
}

interface AnsweredNode {
  answerer: NodeAnswerer;
  access: CallerAccess;
  limit: PendingLimit;
}

export interface SelfDescriptionSettings {
  identity: Identity;
  items: DiscoItem[];
  version: SoftwareVersion;
}

export type SelfDescriptionPort = Pick<ClientPort, 'xml' | 'maxStanzaBytes' | 'handleIq'>;

export class SelfDescription {
  private readonly features = new Map<string, number>();
  private readonly extraIdentities = new Map<string, { identity: Identity; count: number }>();
  private readonly answerers = new Map<string, AnsweredNode>();
  private ver: string;

  constructor(
    private readonly port: SelfDescriptionPort,
    private readonly presence: Pick<Presence, 'decorate' | 'refresh'>,
    private readonly settings: SelfDescriptionSettings,
  ) {
    for (const feature of [NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING, NS_VERSION, NS_CAPS]) this.features.set(feature, 1);
    this.ver = capsVer(this.info());
    port.handleIq('get', NS_DISCO_INFO, 'query', (iq) => this.answerInfo(iq));
    port.handleIq('get', NS_DISCO_ITEMS, 'query', (iq) => this.answerItems(iq));
    port.handleIq('get', NS_VERSION, 'query', () => this.answerVersion());
    presence.decorate(() => [port.xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node: CAPS_NODE, ver: this.ver })]);
  }

  /** Our disco#info. */
  info(): DiscoInfo {
    return { identities: [this.settings.identity, ...[...this.extraIdentities.values()].map((e) => e.identity)], features: [...this.features.keys()].sort(), forms: [] };
  }

  /** Announces another identity (automation/rpc while an RPC server runs, say) until removed. */
  addIdentity(identity: Identity): () => void {
    const key = `${identity.category}/${identity.type}/${identity.lang ?? ''}/${identity.name ?? ''}`;
    const entry = this.extraIdentities.get(key) ?? { identity, count: 0 };
    entry.count += 1;
    this.extraIdentities.set(key, entry);
    this.changed();
    return once(() => {
      entry.count -= 1;
      if (entry.count <= 0) this.extraIdentities.delete(key);
      this.changed();
    });
  }

  /** Announces a feature while the returned function has not been called (counted: nodes may share one). */
  addFeature(feature: string): () => void {
    this.features.set(feature, (this.features.get(feature) ?? 0) + 1);
    this.changed();
    return once(() => {
      const count = (this.features.get(feature) ?? 1) - 1;
      if (count <= 0) this.features.delete(feature);
      else this.features.set(feature, count);
      this.changed();
    });
  }

  /** Lets the flow answer disco queries for one node name, to those `access` lets in; returns the remover. */
  answerNode(node: string, answerer: NodeAnswerer, options: NodeAnswering): () => void {
    const entry: AnsweredNode = { answerer, access: options.access, limit: new PendingLimit(options.limits ?? DEFAULT_PENDING_LIMITS, options.onRefused) };
    this.answerers.set(node, entry);
    return () => {
      if (this.answerers.get(node) === entry) this.answerers.delete(node);
      entry.limit.close();
    };
  }

  private changed(): void {
    const ver = capsVer(this.info());
    if (ver === this.ver) return;
    this.ver = ver;
    this.presence.refresh(); // contacts learn the new capabilities from our presence
  }

  private answerInfo(iq: IncomingIq): IqAnswer | Promise<IqAnswer> {
    const node = iq.child.attrs.node;
    if (!node || node === `${CAPS_NODE}#${this.ver}`) return buildInfo(this.port.xml, this.info(), node);
    return this.askFlow(iq, node, 'info');
  }

  private answerItems(iq: IncomingIq): IqAnswer | Promise<IqAnswer> {
    const node = iq.child.attrs.node;
    if (!node) return buildItems(this.port.xml, this.settings.items);
    return this.askFlow(iq, node, 'items');
  }

  /**
   * A query for a node some flow answers. Someone not let in gets exactly what a node nobody
   * answers for gets (item-not-found), so a stranger cannot tell which nodes exist; beyond the
   * limits the asker gets resource-constraint at once, without the flow.
   */
  private askFlow(iq: IncomingIq, node: string, kind: 'info' | 'items'): IqAnswer | Promise<IqAnswer> {
    const xml = this.port.xml;
    const entry = this.answerers.get(node);
    const notFound = errorElement(xml, 'cancel', 'item-not-found');
    if (!entry || !callerAllowed(iq.from, entry.access)) return notFound;
    const release = entry.limit.enter(iq.from);
    if (!release) return errorElement(xml, 'wait', 'resource-constraint');
    const limit = this.port.maxStanzaBytes;
    const encode = (answer: NodeAnswer): EncodedAnswer => {
      const element = kind === 'info' ? (answer && !Array.isArray(answer) ? buildInfo(xml, answer, node) : undefined) : Array.isArray(answer) ? buildItems(xml, answer, node) : undefined;
      const tooLarge = element ? answerTooLarge(xml, iq, element, limit) : undefined;
      return { element: element && !tooLarge ? element : notFound, error: tooLarge };
    };
    return answerOnce<NodeAnswer>(release, encode, (respond) => entry.answerer(kind, iq.from, respond), undefined);
  }

  private answerVersion(): IqAnswer {
    const xml = this.port.xml;
    const { name, version, os } = this.settings.version;
    return xml('query', { xmlns: NS_VERSION }, xml('name', {}, name), xml('version', {}, version), os ? xml('os', {}, os) : undefined);
  }
}

/** A remover that acts once, however often it is called. */
function once(remove: () => void): () => void {
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    remove();
  };
}
