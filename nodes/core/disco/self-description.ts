// What the bot says about itself: disco#info and disco#items (XEP-0030), entity capabilities in
// its presence (XEP-0115), its software version (XEP-0092), and nodes answered by the flow.
import { NS_CAPS, capsVer } from './caps';
import { callerAllowed, type CallerAccess } from '../caller-access';
import { NS_DISCO_INFO, NS_DISCO_ITEMS, buildInfo, buildItems, type DiscoInfo, type DiscoItem, type Identity } from './disco-stanza';
import type { XmppError } from '../errors';
import { errorReply, replyTooLarge } from '../iq/iq-reply';
import { DEFAULT_PENDING_LIMITS, PendingLimit, type PendingLimits, type RefusalReport } from '../pending-limit';
import type { IqAnswer, Session } from '../session/session';
import type { XmlElement } from '../xmpp-lib';

export const NS_VERSION = 'jabber:iq:version';
export const NS_PING = 'urn:xmpp:ping';

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
  limits?: PendingLimits;
  /** Hears of refusals by the limits: the first of a burst, then counts. */
  onRefused?: RefusalReport;
}

interface AnsweredNode {
  answerer: NodeAnswerer;
  access: CallerAccess;
  limit: PendingLimit;
}

/**
 * Outlives sessions: nodes add features and node answerers whenever they start, and each new
 * session of the connection is attached to answer with all of them.
 */
export class SelfDescription {
  private readonly features = new Map<string, number>();
  private readonly extraIdentities = new Map<string, { identity: Identity; count: number }>();
  private readonly answerers = new Map<string, AnsweredNode>();
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
      session.handleIq('get', NS_DISCO_INFO, 'query', (stanza, query) => this.answerInfo(stanza, query)),
      session.handleIq('get', NS_DISCO_ITEMS, 'query', (stanza, query) => this.answerItems(stanza, query)),
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
    this.session?.refreshPresence(); // contacts learn the new capabilities from our presence
  }

  private answerInfo(stanza: XmlElement, query: XmlElement): IqAnswer | Promise<IqAnswer> {
    const xml = this.session?.xml;
    if (!xml) return undefined;
    const node = query.attrs.node;
    if (!node || node === `${CAPS_NODE}#${this.ver}`) return buildInfo(xml, this.info(), node);
    return this.askFlow(stanza, node, 'info');
  }

  private answerItems(stanza: XmlElement, query: XmlElement): IqAnswer | Promise<IqAnswer> {
    const xml = this.session?.xml;
    if (!xml) return undefined;
    const node = query.attrs.node;
    if (!node) return buildItems(xml, this.items);
    return this.askFlow(stanza, node, 'items');
  }

  /**
   * A query for a node some flow answers. Someone not let in gets exactly what a node nobody
   * answers for gets (item-not-found), so a stranger cannot tell which nodes exist; beyond the
   * limits the asker gets resource-constraint at once, without the flow.
   */
  private askFlow(stanza: XmlElement, node: string, kind: 'info' | 'items'): IqAnswer | Promise<IqAnswer> {
    const session = this.session;
    const xml = session?.xml;
    if (!session || !xml) return undefined;
    const from = stanza.attrs.from ?? '';
    const entry = this.answerers.get(node);
    const notFound = errorReply(xml, 'cancel', 'item-not-found');
    if (!entry || !callerAllowed(from, entry.access)) return notFound;
    const release = entry.limit.enter(from);
    if (!release) return errorReply(xml, 'wait', 'resource-constraint');
    const limit = session.maxStanzaBytes;
    return new Promise<IqAnswer>((resolve) => {
      let answered = false;
      const respond: DiscoRespond = (answer) => {
        if (answered) return undefined;
        answered = true;
        release();
        const element = kind === 'info' ? (answer && !Array.isArray(answer) ? buildInfo(xml, answer, node) : undefined) : Array.isArray(answer) ? buildItems(xml, answer, node) : undefined;
        const tooLarge = element ? replyTooLarge(xml, stanza, element, limit) : undefined;
        resolve(element && !tooLarge ? element : notFound);
        return tooLarge;
      };
      try {
        entry.answerer(kind, from, respond);
      } catch {
        respond(undefined);
      }
    });
  }

  private answerVersion(): IqAnswer {
    const xml = this.session?.xml;
    if (!xml) return undefined;
    const { name, version, os } = this.version;
    return xml('query', { xmlns: NS_VERSION }, xml('name', {}, name), xml('version', {}, version), os ? xml('os', {}, os) : undefined);
  }
}
