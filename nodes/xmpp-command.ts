// xmpp-command: XEP-0050 ad-hoc commands with XEP-0004 forms, both ways.
//
// serve: the node offers one command (node name, human name) to the callers it lets in (listed
//        JIDs or domains, roster contacts, or anyone); others get forbidden and do not see it.
//        Each step comes out as a msg (msg.command, msg.from, msg.payload = the typed values) with
//        a reply handle (msg._command.id); the flow answers through an xmpp-command node in
//        "reply" mode with msg.form (the next stage) or a completion (msg.payload, msg.note).
//        No reply within the timeout gives the caller an error. Pending steps live in a map
//        shared by all xmpp-command nodes, as iq-rpc's calls do.
// reply: answers the step named by msg._command.id.
// call:  runs another entity's commands: msg.to, msg.command (empty: the list), msg.sessionid,
//        msg.payload (the values); the returned form or note comes out with the session id.
import { randomBytes } from 'node:crypto';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { CommandRespond } from './core/commands/command-server';
import { bareOf } from './core/jid';
import { callerAllowed } from './core/caller-access';
import type { FormError } from './core/forms/form-error';
import { clientOf, connectionOf, type XmppConnection } from './lib/connection';
import { commandTimeoutOf, readCommandCall, readCommandReply, replyIdOf, responseFields, stepMsg } from './lib/command-msg';
import { describeError, nodeError } from './lib/node-error';
import { NodeListeners } from './lib/node-listeners';
import { OwnStatus } from './lib/own-status';
import { listOf, positiveNumber } from './lib/msg-fields';
import type { Translate } from './lib/status-text';

interface XmppCommandDef extends NodeDef {
  server: string;
  /** 'serve' | 'reply' | 'call'. */
  mode: string;
  /** serve: the command's node name; call: the default command. */
  command: string;
  /** serve: the name clients show. */
  label: string;
  /** serve: 'listed' (the default) | 'roster' | 'anyone'. */
  access: string;
  /** serve: comma separated bare JIDs or domains. */
  callers: string;
  /** Seconds: the flow's time to reply (serve) or the wait for an answer (call). */
  timeout: string | number;
  /** serve: minutes a session waits for its caller's next step (default 10). */
  sessionTtl: string | number;
  /** call: the default target. */
  to: string;
}

type Done = (err?: Error) => void;
type Send = (msg: NodeMessage | (NodeMessage | null)[]) => void;

interface PendingStep {
  owner: string;
  respond: CommandRespond;
  timer: NodeJS.Timeout;
}

/** Every served step waiting for the flow's reply, by msg._command.id, across all xmpp-command nodes. */
const pending = new Map<string, PendingStep>();

export = function register(RED: NodeAPI): void {
  function XmppCommand(this: Node, def: XmppCommandDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const noConfig = RED._('xmpp-command.status.no-config');
    const connection = connectionOf((id) => RED.nodes.getNode(id), def.server);
    if (!connection) {
      node.status({ fill: 'red', shape: 'ring', text: noConfig });
      node.error(noConfig);
      node.on('input', (_msg: NodeMessageInFlow, _send: Send, done: Done) => done(new Error(noConfig)));
      return;
    }
    const conn: XmppConnection = connection;
    const mode = ['serve', 'reply', 'call'].includes(def.mode) ? def.mode : 'call';
    const t: Translate = (key, substitutions) => RED._(key, substitutions);
    const fail = (error: unknown): Error => nodeError(t, error, 'xmpp-command');
    const held = new NodeListeners();
    let ownStatus: OwnStatus | undefined;

    if (mode === 'serve') {
      const commandNode = (def.command ?? '').trim();
      const callers = listOf(def.callers);
      const access = def.access === 'anyone' || def.access === 'roster' ? def.access : 'listed';
      const may = (from: string): boolean => {
        if (access === 'anyone') return true;
        if (access === 'roster') return Boolean(conn.client?.contacts.rosterItem(bareOf(from)));
        return callerAllowed(from, { mode: 'listed', callers });
      };
      const timeoutMs = commandTimeoutOf(undefined, def.timeout);
      if (commandNode === '') {
        ownStatus = new OwnStatus(node, () => ({ fill: 'red', shape: 'ring', text: RED._('xmpp-command.status.no-command') }));
        node.error(RED._('xmpp-command.error.no-command'));
      } else {
        if (access === 'listed' && callers.length === 0) {
          node.warn(RED._('xmpp-command.warning.nobody'));
          ownStatus = new OwnStatus(node, () => ({ fill: 'yellow', shape: 'ring', text: RED._('xmpp-command.status.nobody') }));
        }
        held.add(
          conn.client?.commands.serve(
            {
              node: commandNode,
              name: (def.label ?? '').trim() || commandNode,
              may,
              answerTimeoutMs: timeoutMs,
              sessionTtlMs: Math.round((positiveNumber(def.sessionTtl) ?? 10) * 60_000),
              describe: (error: FormError) => RED._(`xmpp-command.form-error.${error.code}`, { field: error.field }),
            },
            (call, respond) => {
              const id = randomBytes(9).toString('base64url');
              // The core answers the caller when the time is up; this only forgets the handle.
              const timer = setTimeout(() => {
                if (pending.delete(id)) node.warn(RED._('xmpp-command.warning.no-reply', { command: call.node, from: call.from, seconds: timeoutMs / 1000 }));
              }, timeoutMs);
              pending.set(id, { owner: node.id, respond, timer });
              node.send(stepMsg(call, id) as NodeMessage);
            },
          ),
        );
      }
    }

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const fields = msg as unknown as Record<string, unknown>;
      if (mode === 'serve' || mode === 'reply') {
        const id = replyIdOf(fields);
        if (mode === 'serve' && id === undefined) {
          done(Object.assign(new Error(RED._('xmpp-command.error.serve-input')), { code: 'serve-input' }));
          return;
        }
        const waiting = id === undefined ? undefined : pending.get(id);
        if (!waiting || id === undefined) {
          done(Object.assign(new Error(RED._('xmpp-command.error.no-pending')), { code: 'no-pending' }));
          return;
        }
        pending.delete(id);
        clearTimeout(waiting.timer);
        let reply;
        try {
          reply = readCommandReply(fields);
        } catch (error) {
          waiting.respond({ kind: 'done', note: { type: 'error', text: RED._('xmpp-command.note.flow-error') } });
          done(fail(error));
          return;
        }
        const refused = waiting.respond(reply);
        done(refused ? Object.assign(new Error(RED._('xmpp-command.error.unsendable', { detail: describeError(t, refused) })), { code: refused.code }) : undefined);
        return;
      }
      let request;
      try {
        request = readCommandCall(fields, { to: def.to, node: def.command, timeout: def.timeout });
      } catch (error) {
        done(fail(error));
        return;
      }
      const asked = request;
      Promise.resolve()
        .then(async () => {
          const commands = clientOf(conn).commands;
          if (asked.kind === 'list') {
            const items = await commands.list(asked.to, asked.timeoutMs);
            Object.assign(fields, { payload: items.map((item) => ({ node: item.node ?? '', name: item.name ?? '', jid: item.jid })) });
            return;
          }
          const response = await commands.run({ to: asked.to, node: asked.node, sessionid: asked.sessionid, action: asked.action, values: asked.values }, asked.timeoutMs);
          Object.assign(fields, responseFields(response));
        })
        .then(
          () => {
            send(msg);
            done();
          },
          (error: unknown) => done(fail(error)),
        );
    });

    conn.register(node, ownStatus?.sink);

    node.on('close', (removed: boolean, finished: () => void) => {
      // Steps this node put into the flow are ended with an error note rather than left waiting.
      for (const [id, waiting] of [...pending]) {
        if (waiting.owner !== node.id) continue;
        pending.delete(id);
        clearTimeout(waiting.timer);
        waiting.respond({ kind: 'done', note: { type: 'error', text: RED._('xmpp-command.note.stopped') } });
      }
      held.end();
      ownStatus?.close();
      conn.deregister(node, removed).then(finished, finished);
    });
  }

  RED.nodes.registerType('xmpp-command', XmppCommand as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
