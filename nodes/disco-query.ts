// disco-query: XEP-0030 service discovery (and XEP-0092 software version).
//
// Query mode: each msg asks an entity (msg.to or the node's JID) for disco#info, disco#items,
// its software version, or walks its items tree; the answer replaces msg.payload.
//
// Answer mode: the flow answers disco queries for one disco node name, from the listed askers
// (nobody unless listed, or anyone when chosen; others get item-not-found, as for a node that
// does not exist). Each query comes out as a msg with a reply handle (msg._disco.reply and
// msg.xmpp.reply); the flow sends the msg back into a disco-query node in answer mode with the
// answer in msg.payload (like HTTP In / HTTP Response). Pending replies live in a map shared by
// all disco-query nodes, keyed by that handle; the connection bounds how many wait at once; no
// reply within the timeout answers item-not-found.
import { randomBytes } from 'node:crypto';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { BurstLog, type BurstLine } from './core/burst-log';
import type { XmppError } from './core/errors';
import type { Refusal } from './core/pending-limit';
import type { DiscoRespond, NodeAnswer } from './core/disco/self-description';
import { clientOf, connectionOf, type XmppConnection } from './lib/connection';
import { queryPayload, readAnswer, readQuery, replyIdOf, timeoutOf, type AskedPayload, type DiscoQuery } from './lib/disco-msg';
import { describeError, nodeError } from './lib/node-error';
import { NodeListeners } from './lib/node-listeners';
import { OwnStatus } from './lib/own-status';
import type { Translate } from './lib/status-text';
import { readServing, type ServingFields } from './lib/serving';

interface DiscoQueryDef extends NodeDef, ServingFields {
  server: string;
  /** 'query' (ask others) or 'answer' (the flow answers for `node`). */
  mode: string;
  to: string;
  /** 'info' | 'items' | 'version' | 'walk'. */
  query: string;
  node: string;
  depth: string | number;
  /** Seconds. */
  timeout: string | number;
}

type Done = (err?: Error) => void;
type Send = (msg: NodeMessage) => void;

interface PendingReply {
  kind: 'info' | 'items';
  /** The disco node name the query was for. */
  discoNode: string;
  owner: string;
  /** Answers the asker; returns the error when the answer cannot be sent. */
  settle: DiscoRespond;
}

/** Every query waiting for the flow's reply, by reply handle, across all disco-query nodes. */
const pending = new Map<string, PendingReply>();

export = function register(RED: NodeAPI): void {
  function DiscoQuery(this: Node, def: DiscoQueryDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const connection = connectionOf((id) => RED.nodes.getNode(id), def.server);
    if (!connection) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('disco-query.status.no-config') });
      node.error(RED._('disco-query.status.no-config'));
      node.on('input', (_msg: NodeMessageInFlow, _send: Send, done: Done) => done(new Error(RED._('disco-query.status.no-config'))));
      return;
    }
    const conn: XmppConnection = connection;
    const t: Translate = (key, substitutions) => RED._(key, substitutions);
    /** The Error for done(err): localized text, and `code` for flows to branch on. */
    const fail = (error: unknown): Error => nodeError(t, error, 'disco-query');

    const held = new NodeListeners();
    // The node's own word over the connection's status (a config problem, nobody let in).
    let ownStatus: OwnStatus | undefined;
    // Under a flood these would be one line per query: the first at once, then a count per minute.
    const noReplies = new BurstLog<{ kind: string; node: string; from: string; seconds: number }>((line) =>
      node.warn(line.kind === 'first' ? RED._('disco-query.warning.no-reply', line.detail) : RED._('disco-query.warning.no-reply-more', { count: line.count, seconds: Math.round(line.sinceMs / 1000) })),
    );
    held.add(() => noReplies.close());
    if (def.mode === 'answer') {
      const discoNode = (def.node ?? '').trim();
      const serving = readServing(def);
      if (discoNode === '') {
        ownStatus = new OwnStatus(node, () => ({ fill: 'red', shape: 'ring', text: RED._('disco-query.status.no-node') }));
        node.error(RED._('disco-query.error.no-node'));
      } else {
        if (serving.nobody) {
          node.warn(RED._('disco-query.warning.nobody', { node: discoNode }));
          ownStatus = new OwnStatus(node, () => ({ fill: 'yellow', shape: 'ring', text: RED._('disco-query.status.nobody') }));
        }
        held.add(conn.client?.disco.answerNode(discoNode, (kind, from, respond) => ask(discoNode, kind, from, respond), { access: serving.access, limits: serving.limits, onRefused: (line) => warnRefused(line) }));
      }
    }

    function warnRefused(line: BurstLine<Refusal>): void {
      if (line.kind === 'more') {
        node.warn(RED._('disco-query.warning.busy-more', { count: line.count, seconds: Math.round(line.sinceMs / 1000) }));
        return;
      }
      const { bound, limit, caller } = line.detail;
      node.warn(RED._(bound === 'caller' ? 'disco-query.warning.busy-caller' : 'disco-query.warning.busy-total', { limit, caller }));
    }

    /** The Error for an answer the asker could not be given (the asker got item-not-found instead). */
    const unsendable = (error: XmppError): Error => Object.assign(new Error(RED._('disco-query.error.unsendable', { detail: describeError(t, error) })), { code: error.code });

    /** Sends the query into the flow; its reply (or item-not-found after the timeout) goes to `respond`. */
    function ask(discoNode: string, kind: 'info' | 'items', from: string, respond: DiscoRespond): void {
      const reply = randomBytes(9).toString('base64url');
      const timeoutMs = timeoutOf(undefined, def.timeout);
      const timer = setTimeout(() => {
        noReplies.note({ kind, node: discoNode, from, seconds: timeoutMs / 1000 });
        settle(undefined);
      }, timeoutMs);
      const settle: DiscoRespond = (answer) => {
        if (!pending.delete(reply)) return undefined;
        clearTimeout(timer);
        return respond(answer);
      };
      pending.set(reply, { kind, discoNode, owner: node.id, settle });
      const payload: AskedPayload = { kind, node: discoNode, from };
      const msg = { payload, from, topic: discoNode, xmpp: { reply, kind, node: discoNode }, _disco: { reply } };
      node.send(msg as NodeMessage);
    }

    async function query(q: DiscoQuery): Promise<unknown> {
      const disco = clientOf(conn).disco;
      switch (q.kind) {
        case 'info':
          return disco.info(q.to, q.node, q.timeoutMs);
        case 'items':
          return disco.items(q.to, q.node, q.timeoutMs);
        case 'version':
          return disco.version(q.to, q.timeoutMs);
        case 'walk':
          return disco.walk(q.to, q.node, q.depth, q.timeoutMs);
      }
    }

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const fields = msg as unknown as Record<string, unknown>;
      if (def.mode === 'answer') {
        // A reply from the flow to a query that came out of some disco-query node.
        const reply = replyIdOf(fields);
        const waiting = reply === undefined ? undefined : pending.get(reply);
        if (!waiting) {
          done(Object.assign(new Error(RED._('disco-query.error.no-pending')), { code: 'no-pending' }));
          return;
        }
        let answer: NodeAnswer;
        try {
          answer = readAnswer(waiting.kind, msg.payload);
        } catch (error) {
          waiting.settle(undefined); // the asker is not left waiting: item-not-found
          done(fail(error));
          return;
        }
        // Built and measured now: an answer the server would refuse is never sent.
        const refused = waiting.settle(answer);
        done(refused ? unsendable(refused) : undefined);
        return;
      }
      let q: DiscoQuery;
      try {
        q = readQuery(fields, { to: def.to, query: def.query, node: def.node, depth: def.depth, timeout: def.timeout });
      } catch (error) {
        done(fail(error));
        return;
      }
      query(q).then(
        (answer) => {
          msg.payload = queryPayload(q.kind, answer);
          send(msg);
          done();
        },
        (error: unknown) => done(fail(error)),
      );
    });

    conn.register(node, ownStatus?.sink);

    node.on('close', (removed: boolean, finished: () => void) => {
      // Queries this node put into the flow are answered item-not-found rather than left waiting.
      for (const waiting of [...pending.values()]) if (waiting.owner === node.id) waiting.settle(undefined);
      held.end();
      ownStatus?.close();
      conn.deregister(node, removed).then(finished, finished);
    });
  }

  RED.nodes.registerType('disco-query', DiscoQuery as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
