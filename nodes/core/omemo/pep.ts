// Personal eventing (XEP-0163 over XEP-0060) as OMEMO uses it: publish one item with
// publish-options, fetch a node's items from an account, read the notifications that arrive.
import { XmppError } from '../errors';
import { bareOf } from '../jid';
import { NS_DATA, NS_PUBLISH_OPTIONS, NS_PUBSUB, NS_PUBSUB_EVENT, NS_PUBSUB_OWNER } from '../namespaces';
import type { ClientPort } from '../port';
import type { XmlElement, XmlFactory } from '../xmpp-lib';

export type PepPort = Pick<ClientPort, 'xml' | 'request'>;

export interface PepItem {
  id: string;
  payload: XmlElement | undefined;
}

export interface PepEvent {
  /** The account whose node changed (a bare JID). */
  from: string;
  node: string;
  items: PepItem[];
}

function optionsForm(xml: XmlFactory, formType: string, options: Record<string, string>): XmlElement {
  return xml(
    'x',
    { xmlns: NS_DATA, type: 'submit' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, formType)),
    ...Object.entries(options).map(([name, value]) => xml('field', { var: name }, xml('value', {}, value))),
  );
}

function itemsOf(parent: XmlElement | undefined): PepItem[] {
  return (parent?.getChildren('item') ?? []).map((item) => ({ id: item.attrs.id ?? '', payload: item.getChildElements()[0] }));
}

export class Pep {
  constructor(
    private readonly port: PepPort,
    private readonly timeoutMs = 30_000,
  ) {}

  /**
   * Publishes one item to our own node with publish-options. A node that exists with other
   * settings refuses them (precondition-not-met): it is then configured to them and the item
   * published again, as XEP-0060 7.1.5 suggests.
   */
  async publish(node: string, itemId: string, payload: XmlElement, options: Record<string, string>): Promise<void> {
    const xml = this.port.xml;
    const iq = (): XmlElement =>
      xml(
        'iq',
        { type: 'set' },
        xml('pubsub', { xmlns: NS_PUBSUB }, xml('publish', { node }, xml('item', { id: itemId }, payload)), xml('publish-options', {}, optionsForm(xml, NS_PUBLISH_OPTIONS, options))),
      );
    try {
      await this.port.request(iq(), this.timeoutMs);
    } catch (error) {
      // precondition-not-met comes as the stanza condition 'conflict' (XEP-0060 7.1.5).
      if (!(error instanceof XmppError && error.condition === 'conflict')) throw error;
      await this.configure(node, options);
      await this.port.request(iq(), this.timeoutMs);
    }
  }

  /** The items of `node` at `jid` (only `itemId` when given); [] when the node does not exist. */
  async fetch(jid: string, node: string, itemId?: string): Promise<PepItem[]> {
    const xml = this.port.xml;
    const request = xml('iq', { type: 'get', to: jid }, xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node }, itemId !== undefined ? xml('item', { id: itemId }) : undefined)));
    try {
      const answer = await this.port.request(request, this.timeoutMs);
      const items = answer.getChild('pubsub', NS_PUBSUB)?.getChild('items');
      // An answer for another node is no answer to this question.
      if (items && items.attrs.node !== undefined && items.attrs.node !== node) return [];
      return itemsOf(items);
    } catch (error) {
      if (error instanceof XmppError && error.condition === 'item-not-found') return [];
      throw error;
    }
  }

  private async configure(node: string, options: Record<string, string>): Promise<void> {
    const xml = this.port.xml;
    await this.port.request(
      xml('iq', { type: 'set' }, xml('pubsub', { xmlns: NS_PUBSUB_OWNER }, xml('configure', { node }, optionsForm(xml, 'http://jabber.org/protocol/pubsub#node_config', options)))),
      this.timeoutMs,
    );
  }
}

/**
 * The PEP notification a message carries; undefined when it carries none, or when it does not
 * come from an account's bare JID (PEP notifications do; anything else is someone else speaking).
 */
export function readPepEvent(message: XmlElement, ownBareJid: string): PepEvent | undefined {
  const items = message.getChild('event', NS_PUBSUB_EVENT)?.getChild('items');
  const node = items?.attrs.node;
  if (!items || !node) return undefined;
  const from = message.attrs.from || ownBareJid;
  if (from.includes('/') || bareOf(from) !== from) return undefined;
  return { from, node, items: itemsOf(items) };
}
