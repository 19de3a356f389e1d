// disco-query: XEP-0030 service discovery (and XEP-0092 software version).
//
// Query mode: each msg asks an entity (msg.to or the node's JID) for disco#info, disco#items,
// its software version, or walks its items tree; the answer replaces msg.payload.
//
// Answer mode: the flow answers disco queries for one disco node name. Each query comes out as a
// msg with a reply handle (msg._disco.reply and msg.xmpp.reply); the flow sends the msg back into
// a disco-query node in answer mode with the answer in msg.payload (like HTTP In / HTTP Response).
// Pending replies live in a map shared by all disco-query nodes, keyed by that handle; no reply
// within the timeout answers item-not-found.
import { randomBytes } from 'node:crypto';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { DiscoInfo, DiscoItem } from './core/disco-stanza';
import { connectionOf, type XmppConnection } from './lib/connection';
import { DiscoMsgError, queryPayload, readAnswer, readQuery, replyIdOf, timeoutOf, type AskedPayload, type DiscoQuery } from './lib/disco-msg';

interface DiscoQueryDef extends NodeDef {
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
type Answer = DiscoInfo | DiscoItem[] | undefined;

interface PendingReply {
  kind: 'info' | 'items';
  /** The disco node name the query was for. */
  discoNode: string;
  owner: string;
  settle: (answer: Answer) => void;
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

    /** The Error for done(err): localized text, and `code` for flows to branch on. */
    const fail = (error: unknown): Error => {
      if (error instanceof DiscoMsgError) {
        return Object.assign(new Error(RED._(`disco-query.error.${error.code}`, { detail: error.detail }).replace(/ \(\)$/, '')), { code: error.code });
      }
      return conn.fail(error);
    };

    const undo: (() => void)[] = [];
    if (def.mode === 'answer') {
      const discoNode = (def.node ?? '').trim();
      if (discoNode === '') {
        node.status({ fill: 'red', shape: 'ring', text: RED._('disco-query.status.no-node') });
        node.error(RED._('disco-query.error.no-node'));
      } else {
        undo.push(conn.answerDiscoNode(discoNode, (kind, from) => ask(discoNode, kind, from)));
      }
    }

    /** Sends the query into the flow and resolves with the flow's reply, or undefined after the timeout. */
    function ask(discoNode: string, kind: 'info' | 'items', from: string): Promise<Answer> {
      const reply = randomBytes(9).toString('base64url');
      const timeoutMs = timeoutOf(undefined, def.timeout);
      return new Promise<Answer>((resolve) => {
        const timer = setTimeout(() => {
          node.warn(RED._('disco-query.warning.no-reply', { kind, node: discoNode, from, seconds: timeoutMs / 1000 }));
          settle(undefined);
        }, timeoutMs);
        const settle = (answer: Answer): void => {
          if (!pending.delete(reply)) return;
          clearTimeout(timer);
          resolve(answer);
        };
        pending.set(reply, { kind, discoNode, owner: node.id, settle });
        const payload: AskedPayload = { kind, node: discoNode, from };
        const msg = { payload, from, topic: discoNode, xmpp: { reply, kind, node: discoNode }, _disco: { reply } };
        node.send(msg as NodeMessage);
      });
    }

    async function query(q: DiscoQuery): Promise<unknown> {
      switch (q.kind) {
        case 'info':
          return conn.discoInfo(q.to, q.node, q.timeoutMs);
        case 'items':
          return conn.discoItems(q.to, q.node, q.timeoutMs);
        case 'version':
          return conn.softwareVersion(q.to, q.timeoutMs);
        case 'walk':
          return conn.discoWalk(q.to, q.node, q.depth, q.timeoutMs);
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
        let answer: Answer;
        try {
          answer = readAnswer(waiting.kind, msg.payload);
        } catch (error) {
          waiting.settle(undefined); // the asker is not left waiting: item-not-found
          done(fail(error));
          return;
        }
        waiting.settle(answer);
        done();
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

    conn.register(node);

    node.on('close', (removed: boolean, finished: () => void) => {
      for (const remove of undo) remove();
      // Queries this node put into the flow are answered item-not-found rather than left waiting.
      for (const waiting of [...pending.values()]) if (waiting.owner === node.id) waiting.settle(undefined);
      conn.deregister(node, removed).then(finished, finished);
    });
  }

  RED.nodes.registerType('disco-query', DiscoQuery as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
