// xmpp-out: sends msg.payload as a message, or our presence, a subscription answer or a roster
// change; done() once written, done(err) when it cannot be.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { isMessageType, type MessageType } from './core/message-stanza';
import { connectionOf } from './lib/connection';
import { outgoingMessage } from './lib/message-msg';
import { presenceAction, runPresenceAction } from './lib/presence-msg';

interface XmppOutDef extends NodeDef {
  server: string;
  to: string;
  msgType: string;
  subject: string;
  /** Refuse at once while offline instead of waiting in the connection's outbox. */
  failFast: boolean;
}

export = function register(RED: NodeAPI): void {
  function XmppOut(this: Node, def: XmppOutDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const connection = connectionOf((id) => RED.nodes.getNode(id), def.server);
    if (!connection) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('xmpp-out.status.no-config') });
      node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) => {
        done(new Error(RED._('xmpp-out.status.no-config')));
      });
      return;
    }
    const defaults = {
      to: (def.to ?? '').trim(),
      type: (isMessageType(def.msgType) ? def.msgType : 'chat') as MessageType,
      subject: def.subject ?? '',
    };

    node.on('input', (msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) => {
      let sent: Promise<void>;
      try {
        // msg.presence, msg.subscription or msg.roster make it a presence action, else a message.
        const action = presenceAction(msg, defaults.to);
        sent = action ? runPresenceAction(connection, action) : connection.sendMessage(outgoingMessage(msg, defaults, connection.jid), { queue: !def.failFast });
      } catch (error) {
        done(connection.fail(error));
        return;
      }
      sent.then(
        () => done(),
        (error: unknown) => done(connection.fail(error)),
      );
    });
    connection.register(node);

    node.on('close', (removed: boolean, done: () => void) => {
      connection.deregister(node, removed).then(done, done);
    });
  }

  RED.nodes.registerType('xmpp-out', XmppOut);
};
