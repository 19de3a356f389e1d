// What the bot says about itself: disco#info and disco#items (XEP-0030), entity capabilities in
// its presence (XEP-0115), its software version (XEP-0092), and nodes answered by the flow.
import { NS_CAPS, capsVer } from './caps';
import { NS_DISCO_INFO, NS_DISCO_ITEMS, buildInfo, buildItems, type DiscoInfo, type DiscoItem, type Identity } from './disco-stanza';
import type { IqAnswer, Session } from './session';
import type { XmlElement, XmlFactory } from './xmpp-lib';


export const NS_VERSION = 'jabber:iq:version';
export const NS_PING = 'urn:xmpp:ping';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** Where our capabilities are described (the 'node' of XEP-0115). */
export const CAPS_NODE = 'https://flows.nodered.org/node/node-red-contrib-xmpp-flows';

export interface SoftwareVersion {
  name: string;
  version: string;
  /** Only when the user opts in. */
  os?: string | undefined;
}

/** Answers a disco query for a node the flow handles; undefined means item-not-found. */
export type NodeAnswerer = (kind: 'info' | 'items', from: string) => Promise<DiscoInfo | DiscoItem[] | undefined>;

function errorElement(xml: XmlFactory, type: string, condition: string): XmlElement {
  return xml('error', { type }, xml(condition, { xmlns: NS_STANZAS }));
}

/**
 * Outlives sessions: nodes add features and node answerers whenever they start, and each new
 * session of the connection is attached to answer with all of them.
 */
export class SelfDescription {
  private readonly features = new Map<string, number>();
  private readonly extraIdentities = new Map<string, { identity: Identity; count: number }>();
  private readonly answerers = new Map<string, NodeAnswerer>();
  private session: Session | undefined;
  private ver = '';

  constructor(
    private readonly identity: Identity,
    private readonly items: DiscoItem[],
    private readonly version: SoftwareVersion,
  ) {
    for (const feature of [NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING, NS_VERSION, NS_CAPS]) this.features.set(feature, 1);
    this.ver = capsVer(this.info());
  }

  /** Answers for us on this session (and puts our capabilities in its presence); returns the detacher. */
  attach(session: Session): () => void {
    this.session = session;
    const undo = [
      session.handleIq('get', NS_DISCO_INFO, 'query', (stanza, query) => this.answerInfo(query, stanza.attrs.from ?? '')),
      session.handleIq('get', NS_DISCO_ITEMS, 'query', (stanza, query) => this.answerItems(query, stanza.attrs.from ?? '')),
      session.handleIq('get', NS_VERSION, 'query', () => this.answerVersion()),
      session.decoratePresence(() => (session.xml ? [session.xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node: CAPS_NODE, ver: this.ver })] : [])),
    ];
    return () => {
      for (const remove of undo) remove();
      if (this.session === session) this.session = undefined;
    };
  }

  /** Our disco#info. */
  info(): DiscoInfo {
    return { identities: [this.identity, ...[...this.extraIdentities.values()].map((e) => e.identity)], features: [...this.features.keys()].sort(), forms: [] };
  }

  /** Announces another identity (automation/rpc while an RPC server runs, say) until removed. */
  addIdentity(identity: Identity): () => void {
    const key = `${identity.category}/${identity.type}/${identity.lang ?? ''}/${identity.name ?? ''}`;
    const entry = this.extraIdentities.get(key) ?? { identity, count: 0 };
    entry.count += 1;
    this.extraIdentities.set(key, entry);
    this.changed();
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      entry.count -= 1;
      if (entry.count <= 0) this.extraIdentities.delete(key);
      this.changed();
    };
  }

  get capsVer(): string {
    return this.ver;
  }

  /** Announces a feature while the returned function has not been called (counted: nodes may share one). */
  addFeature(feature: string): () => void {
    this.features.set(feature, (this.features.get(feature) ?? 0) + 1);
    this.changed();
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      const count = (this.features.get(feature) ?? 1) - 1;
      if (count <= 0) this.features.delete(feature);
      else this.features.set(feature, count);
      this.changed();
    };
  }

  /** Lets the flow answer disco queries for one node name; returns the remover. */
  answerNode(node: string, answerer: NodeAnswerer): () => void {
    this.answerers.set(node, answerer);
    return () => {
      if (this.answerers.get(node) === answerer) this.answerers.delete(node);
    };
  }

  private changed(): void {
    const ver = capsVer(this.info());
    if (ver === this.ver) return;
    this.ver = ver;
    this.session?.refreshPresence(); // contacts learn the new capabilities from our presence
  }

  private async answerInfo(query: XmlElement, from: string): Promise<IqAnswer> {
    const xml = this.session?.xml;
    if (!xml) return undefined;
    const node = query.attrs.node;
    if (!node || node === `${CAPS_NODE}#${this.ver}`) return buildInfo(xml, this.info(), node);
    const answerer = this.answerers.get(node);
    const answer = answerer ? await answerer('info', from) : undefined;
    if (!answer || Array.isArray(answer)) return errorElement(xml, 'cancel', 'item-not-found');
    return buildInfo(xml, answer, node);
  }

  private async answerItems(query: XmlElement, from: string): Promise<IqAnswer> {
    const xml = this.session?.xml;
    if (!xml) return undefined;
    const node = query.attrs.node;
    if (!node) return buildItems(xml, this.items);
    const answerer = this.answerers.get(node);
    const answer = answerer ? await answerer('items', from) : undefined;
    if (!answer || !Array.isArray(answer)) return errorElement(xml, 'cancel', 'item-not-found');
    return buildItems(xml, answer, node);
  }

  private answerVersion(): IqAnswer {
    const xml = this.session?.xml;
    if (!xml) return undefined;
    const { name, version, os } = this.version;
    return xml('query', { xmlns: NS_VERSION }, xml('name', {}, name), xml('version', {}, version), os ? xml('os', {}, os) : undefined);
  }
}
