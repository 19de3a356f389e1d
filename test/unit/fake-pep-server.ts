// A server for fake ports that keeps PEP nodes (publish with publish-options, items, owner
// configure) and carries messages between the accounts it serves, as the real one would: enough
// for two OMEMO modules to find each other's devices and write to each other.
import { bareOf } from '../../nodes/core/jid';
import { xmppLib, type XmlElement } from '../../nodes/core/xmpp-lib';
import { FakePort } from './fake-port';

const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';

export class FakePepServer {
  /** owner bare JID → node → item id → payload (XML text) */
  readonly nodes = new Map<string, Map<string, Map<string, string>>>();
  /** Node settings given by publish-options or configure (access model, max items). */
  readonly settings = new Map<string, Record<string, string>>();
  private readonly ports = new Map<string, FakePort>();
  /** Messages held back instead of delivered (to deliver later, out of order). */
  hold = false;
  readonly held: { to: FakePort; text: string }[] = [];
  /** Lets a test change a message on its way (text in, text out). */
  tamper: ((text: string) => string) | undefined;
  /** Publishes refused with precondition-not-met until the node is configured (a node made with other settings). */
  readonly strictNodes = new Set<string>();

  /** A port for this full JID, served by this server. */
  connect(jid: string): FakePort {
    const port = new FakePort();
    port.jid = jid;
    this.ports.set(jid, port);
    port.answer = (iq) => this.answer(jid, iq);
    const send = port.send.bind(port);
    port.send = (stanza, options) => {
      const sent = send(stanza, options);
      if (stanza.name === 'message') this.route(jid, stanza);
      return sent;
    };
    return port;
  }

  items(owner: string, node: string): Map<string, string> | undefined {
    return this.nodes.get(bareOf(owner))?.get(node);
  }

  /** Delivers what was held, in the order given. */
  release(order: number[]): void {
    const held = this.held.splice(0);
    for (const i of order) {
      const entry = held[i];
      if (entry) entry.to.deliver(entry.text);
    }
  }

  private route(from: string, stanza: XmlElement): void {
    const to = stanza.attrs.to ?? '';
    let text = stanza.toString().replace('<message ', `<message from="${from}" `);
    if (this.tamper) text = this.tamper(text);
    for (const [jid, port] of this.ports) {
      if (jid !== to && bareOf(jid) !== to) continue;
      if (this.hold) this.held.push({ to: port, text });
      else port.deliver(text);
    }
  }

  /** Sends a PEP notification of `owner`'s node to every port (as +notify subscribers). */
  private notify(owner: string, node: string, itemId: string, payload: string): void {
    for (const [, port] of this.ports) {
      port.deliver(`<message from="${owner}" type="headline"><event xmlns="http://jabber.org/protocol/pubsub#event"><items node="${node}"><item id="${itemId}">${payload}</item></items></event></message>`);
    }
  }

  private answer(jid: string, iq: XmlElement): XmlElement {
    const xml = xmppLib().xml;
    const result = xml('iq', { type: 'result', id: iq.attrs.id, from: iq.attrs.to });
    const pubsub = iq.getChild('pubsub', NS_PUBSUB);
    const owner = bareOf(iq.attrs.to ?? jid);
    const configure = iq.getChild('pubsub', `${NS_PUBSUB}#owner`)?.getChild('configure');
    if (configure) {
      const node = configure.attrs.node ?? '';
      this.strictNodes.delete(node);
      this.settings.set(`${owner} ${node}`, formValues(configure.getChild('x')));
      return result;
    }
    const publish = pubsub?.getChild('publish');
    if (publish) {
      const node = publish.attrs.node ?? '';
      if (this.strictNodes.has(node)) {
        return xppError(iq, 'conflict', '<precondition-not-met xmlns="http://jabber.org/protocol/pubsub#errors"/>');
      }
      const item = publish.getChild('item');
      const id = item?.attrs.id ?? 'current';
      const payload = item?.getChildElements()[0]?.toString() ?? '';
      const byNode = this.nodes.get(owner) ?? new Map<string, Map<string, string>>();
      this.nodes.set(owner, byNode);
      const items = byNode.get(node) ?? new Map<string, string>();
      byNode.set(node, items);
      items.set(id, payload);
      this.settings.set(`${owner} ${node}`, formValues(pubsub?.getChild('publish-options')?.getChild('x')));
      this.notify(owner, node, id, payload);
      return result;
    }
    const itemsEl = pubsub?.getChild('items');
    if (itemsEl) {
      const node = itemsEl.attrs.node ?? '';
      const items = this.items(owner, node);
      if (!items) return xppError(iq, 'item-not-found');
      const wanted = itemsEl.getChild('item')?.attrs.id;
      const chosen = [...items].filter(([id]) => wanted === undefined || id === wanted);
      return xmppLib().parse(`<iq type="result" id="${iq.attrs.id ?? ''}" from="${owner}"><pubsub xmlns="${NS_PUBSUB}"><items node="${node}">${chosen.map(([id, p]) => `<item id="${id}">${p}</item>`).join('')}</items></pubsub></iq>`);
    }
    return result;
  }
}

function formValues(x: XmlElement | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of x?.getChildren('field') ?? []) {
    const name = field.attrs.var;
    if (name && name !== 'FORM_TYPE') values[name] = field.getChildText('value') ?? '';
  }
  return values;
}

function xppError(iq: XmlElement, condition: string, extra = ''): XmlElement {
  return xmppLib().parse(`<iq type="error" id="${iq.attrs.id ?? ''}"><error type="cancel"><${condition} xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>${extra}</error></iq>`);
}
