// xmpp-in: one msg per incoming chat, normal or headline message.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { IncomingPresence } from './core/presence-stanza';
import { presenceMsg } from './lib/presence-msg';
import { bareOf, parseJid, formatJid } from './core/jid';
import { readMessage } from './core/message-stanza';
import type { XmlElement } from './core/xmpp-lib';
import { connectionOf } from './lib/connection';
import { incomingMsg } from './lib/message-msg';

interface XmppInDef extends NodeDef {
  server: string;
  /** Only messages from this JID (bare: any of its resources); empty for anyone. */
  from: string;
  /** 'any' or one message type. */
  msgType: string;
  /** Also emit messages without a body (chat states, receipts). */
  bodiless: boolean;
  /** A second output for presence: availability changes and subscription stanzas. */
  presence: boolean;
}

const TYPES = new Set(['chat', 'normal', 'headline']);

/** A predicate for the sender filter; a filter that does not parse matches nothing. */
function senderFilter(filter: string): (from: string) => boolean {
  if (filter.trim() === '') return () => true;
  try {
    const jid = parseJid(filter);
    const wanted = formatJid(jid);
    if (jid.resource) return (from) => safeFull(from) === wanted;
    return (from) => bareOf(from) === wanted;
  } catch {
    return () => false;
  }
}

function safeFull(text: string): string {
  try {
    return formatJid(parseJid(text));
  } catch {
    return text;
  }
}

export = function register(RED: NodeAPI): void {
  function XmppIn(this: Node, def: XmppInDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const connection = connectionOf((id) => RED.nodes.getNode(id), def.server);
    if (!connection) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('xmpp-in.status.no-config') });
      node.error(RED._('xmpp-in.status.no-config'));
      return;
    }
    const fromMatches = senderFilter(def.from ?? '');
    const wantedType = TYPES.has(def.msgType) ? def.msgType : 'any';

    const withPresence = def.presence === true;
    // With a presence output, messages go to output 1 and presence to output 2.
    const toOutput = (msg: NodeMessage, output: 0 | 1): void => node.send(withPresence ? (output === 0 ? [msg, null] : [null, msg]) : msg);
    const subscriptions = [
      connection.subscribe('message', (stanza: XmlElement) => {
        const message = readMessage(stanza);
        if (!TYPES.has(message.type)) return;
        if (wantedType !== 'any' && message.type !== wantedType) return;
        if (message.body === undefined && !def.bodiless) return;
        const msg = incomingMsg(message, connection.jid);
        if (!fromMatches(msg.from)) return;
        toOutput(msg, 0);
      }),
    ];
    if (withPresence) {
      const emitPresence = (presence: IncomingPresence): void => {
        const msg = presenceMsg(presence, connection.jid);
        if (fromMatches(msg.from)) toOutput(msg, 1);
      };
      subscriptions.push(
        connection.onPresence((_contact, presence) => emitPresence(presence)),
        connection.onSubscription(emitPresence),
      );
    }
    connection.register(node);

    node.on('close', (removed: boolean, done: () => void) => {
      for (const unsubscribe of subscriptions) unsubscribe();
      connection.deregister(node, removed).then(done, done);
    });
  }

  RED.nodes.registerType('xmpp-in', XmppIn);
};
