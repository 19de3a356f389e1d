// presence-gate: lets a msg through only while its recipient is present; otherwise diverts it
// to output 2, drops it, or holds it until the recipient comes back.
//
// Status: while the connection is not online the node shows the connection's status (as every
// node using it does); once online it shows its own: present / absent (reason) / N held.
//
// Held messages: a JSON copy of each msg (with its _msgid) is kept in the node's context, in the
// context store named by the "store" field (empty: the default store), under the key "held".
// With a persistent store (localfilesystem) they survive a restart of Node-RED; after a restart
// their done() is gone, so an expiry reaches Catch nodes through node.error(err, msg) instead.
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { absenceOf, type AbsenceReason } from './lib/gate-absence';
import { bareJid, parseJid } from './core/jid';
import { XmppError } from './core/errors';
import { connectionOf } from './lib/connection';
import { HoldQueue, type HeldEntry } from './lib/gate-hold-queue';
import { shortJid } from './lib/status-text';

interface PresenceGateDef extends NodeDef {
  server: string;
  /** The recipient when msg.to is not set. */
  to: string;
  /** What happens to a msg for an absent recipient. */
  mode: string;
  /** Shows of the best resource that count as absent. */
  blockDnd: boolean;
  blockAway: boolean;
  blockXa: boolean;
  /** Hold mode: at most this many messages per recipient. */
  holdCount: string | number;
  /** Hold mode: seconds a message may wait. */
  holdAge: string | number;
  /** The context store for held messages; empty for the default one. */
  store: string;
}

type Mode = 'divert' | 'drop' | 'hold';
type Done = (err?: Error) => void;
type Send = (msg: Array<NodeMessage | null>) => void;

const MODES = new Set<string>(['divert', 'drop', 'hold']);
const CONTEXT_KEY = 'held';

function positive(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : Number(String(value ?? '').trim() || NaN);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export = function register(RED: NodeAPI): void {
  function PresenceGate(this: Node, def: PresenceGateDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const connection = connectionOf((id) => RED.nodes.getNode(id), def.server);
    if (!connection) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('presence-gate.status.no-config') });
      node.error(RED._('presence-gate.status.no-config'));
      node.on('input', (_msg: NodeMessageInFlow, _send: Send, done: Done) => done(new Error(RED._('presence-gate.status.no-config'))));
      return;
    }
    const mode: Mode = MODES.has(def.mode) ? (def.mode as Mode) : 'divert';
    const blocked = new Set<string>();
    if (def.blockDnd !== false) blocked.add('dnd');
    if (def.blockAway === true) blocked.add('away');
    if (def.blockXa === true) blocked.add('xa');
    const maxCount = Math.floor(positive(def.holdCount, 100));
    const maxAgeS = positive(def.holdAge, 3600);
    const store = typeof def.store === 'string' && def.store.trim() !== '' ? def.store.trim() : undefined;
    const defaultTo = (def.to ?? '').trim();
    const queue = new HoldQueue<NodeMessage>({ maxCount, maxAgeMs: maxAgeS * 1000 });
    const asked = new Set<string>();
    let dropped = 0;
    let last: { recipient: string; reason: AbsenceReason | undefined } | undefined;
    let closed = false;

    // ---- status: the connection's while it is not online, ours after that
    const showStatus = node.status.bind(node);
    let connectionStatus: NodeStatus = {};
    let online = false;
    const gateStatus = (): NodeStatus | undefined => {
      const suffix = dropped > 0 ? ` · ${RED._('presence-gate.status.dropped', { count: dropped })}` : '';
      const held = queue.count();
      if (held > 0) {
        const recipients = queue.recipients();
        const text =
          recipients.length === 1
            ? RED._('presence-gate.status.held', { count: held, jid: shortJid(recipients[0] as string) })
            : RED._('presence-gate.status.held-many', { count: held, recipients: recipients.length });
        return { fill: 'yellow', shape: 'ring', text: text + suffix };
      }
      if (!last) return dropped > 0 ? { fill: 'grey', shape: 'ring', text: RED._('presence-gate.status.dropped', { count: dropped }) } : undefined;
      if (last.reason === undefined) return { fill: 'green', shape: 'dot', text: RED._('presence-gate.status.present', { jid: shortJid(last.recipient) }) + suffix };
      return {
        fill: 'grey',
        shape: 'ring',
        text: RED._('presence-gate.status.absent', { jid: shortJid(last.recipient), reason: RED._(`presence-gate.reason.${last.reason}`) }) + suffix,
      };
    };
    const render = (): void => {
      if (closed) return;
      showStatus((online ? gateStatus() : undefined) ?? connectionStatus);
    };
    // The config node hands its status to every registered user through user.status(): the gate
    // registers a stand-in that is the node in every other respect (id, flow for Catch routing).
    const user = Object.create(node, {
      status: {
        value: (status: NodeStatus | string): void => {
          connectionStatus = typeof status === 'string' ? { text: status } : status;
          const wasOnline = online;
          online = connectionStatus.fill === 'green';
          if (online && !wasOnline) revisitHeld();
          render();
        },
      },
    }) as Node;

    // ---- presence
    const reasonFor = (recipient: string): AbsenceReason | undefined => absenceOf(connection.presenceOf(recipient), blocked, connection.seesPresenceOf(recipient));
    const askOnce = (recipient: string): void => {
      if (asked.has(recipient)) return;
      asked.add(recipient);
      connection.askSubscription(recipient).catch((error: unknown) => {
        asked.delete(recipient); // not connected: ask again with the next msg
        node.debug(connection.describe(error));
      });
    };

    // ---- holding
    const persist = (): void => {
      node.context().set(CONTEXT_KEY, queue.count() > 0 ? queue.snapshot() : undefined, store, (err?: Error) => {
        if (err) node.warn(RED._('presence-gate.error.store', { store: store ?? 'default', detail: err.message }));
      });
    };
    const holdError = (key: 'hold-full' | 'hold-expired' | 'removed', recipient: string): Error =>
      Object.assign(new Error(RED._(`presence-gate.error.${key}`, { recipient, count: maxCount, seconds: maxAgeS })), { code: key });
    const failHeld = (entry: HeldEntry<NodeMessage>, err: Error): void => {
      if (entry.done) entry.done(err);
      else node.error(err, entry.msg); // restored after a restart: no done() any more, Catch nodes still see it
    };
    let expiryTimer: NodeJS.Timeout | undefined;
    const scheduleExpiry = (): void => {
      if (expiryTimer) clearTimeout(expiryTimer);
      expiryTimer = undefined;
      const next = queue.nextExpiry();
      if (next === undefined || closed) return;
      expiryTimer = setTimeout(
        () => {
          expiryTimer = undefined;
          const expired = queue.expire(Date.now());
          for (const { recipient, entry } of expired) failHeld(entry, holdError('hold-expired', recipient));
          if (expired.length > 0) persist();
          scheduleExpiry();
          render();
        },
        Math.max(0, next - Date.now()) + 5,
      );
    };
    const release = (recipient: string): void => {
      const entries = queue.take(recipient);
      if (entries.length === 0) return;
      persist();
      scheduleExpiry();
      for (const entry of entries) {
        node.send([entry.msg, null]);
        entry.done?.();
      }
    };

    /** After (re)connecting: ask again for recipients whose subscription request could not be sent, release the present. */
    function revisitHeld(): void {
      if (!ready) return;
      for (const recipient of queue.recipients()) {
        const reason = reasonFor(recipient);
        if (reason === undefined) release(recipient);
        else if (reason === 'not-subscribed') askOnce(recipient);
      }
    }

    // ---- input
    const handle = (msg: NodeMessageInFlow, done: Done): void => {
      let recipient: string;
      try {
        const given = (msg as { to?: unknown }).to;
        const to = given === undefined || given === null || given === '' ? defaultTo : given;
        if (to === '') throw new XmppError('no-recipient');
        recipient = bareJid(parseJid(to));
      } catch (error) {
        done(connection.fail(error));
        return;
      }
      const reason = reasonFor(recipient);
      last = { recipient, reason };
      if (reason === 'not-subscribed') askOnce(recipient);
      if (reason === undefined) {
        release(recipient); // anything still held goes first, to keep the order
        node.send([msg, null]);
        done();
      } else if (mode === 'divert') {
        (msg as NodeMessage & { gate?: unknown }).gate = { reason, recipient };
        node.send([null, msg]);
        done();
      } else if (mode === 'drop') {
        dropped += 1;
        done();
      } else {
        let copy: NodeMessage;
        try {
          // An HTTP request's req/res cannot wait (nor survive a restart): the held copy goes
          // without them, and the notice on output 2 below still has them to answer with.
          const { req: _req, res: _res, ...rest } = msg as NodeMessage & { req?: unknown; res?: unknown };
          void _req;
          void _res;
          copy = JSON.parse(JSON.stringify(rest)) as NodeMessage;
        } catch (error) {
          done(connection.fail(new XmppError('invalid-payload', error instanceof Error ? error.message : String(error))));
          return;
        }
        if (!queue.add(recipient, { msg: copy, at: Date.now(), done })) {
          done(holdError('hold-full', recipient));
        } else {
          persist();
          scheduleExpiry();
          // A notice that it was held (say, to answer an HTTP request with 202); the msg itself
          // goes out of output 1 when the recipient is back.
          (msg as NodeMessage & { gate?: unknown }).gate = { reason, recipient, held: true };
          node.send([null, msg]);
        }
      }
      render();
    };

    // Held messages from before a restart or redeploy come back first; inputs wait for them.
    let ready = false;
    const waiting: Array<() => void> = [];
    node.context().get(CONTEXT_KEY, store, (err: Error | undefined, value: unknown) => {
      if (err) node.warn(RED._('presence-gate.error.store', { store: store ?? 'default', detail: err.message }));
      else queue.restore(value);
      ready = true;
      scheduleExpiry();
      if (online) revisitHeld();
      for (const run of waiting.splice(0)) run();
      render();
    });

    node.on('input', (msg: NodeMessageInFlow, _send: Send, done: Done) => {
      if (ready) handle(msg, done);
      else waiting.push(() => handle(msg, done));
    });

    const unsubscribe = connection.onPresence((contact) => {
      if (!ready || queue.count(contact.jid) === 0) return;
      if (reasonFor(contact.jid) === undefined) {
        release(contact.jid);
        render();
      }
    });
    connection.register(user);

    node.on('close', (removed: boolean, done: () => void) => {
      unsubscribe();
      if (expiryTimer) clearTimeout(expiryTimer);
      if (removed) {
        // The node is gone and its context with it: held messages end as errors, never silently.
        for (const recipient of queue.recipients()) for (const entry of queue.take(recipient)) failHeld(entry, holdError('removed', recipient));
      }
      closed = true;
      connection.deregister(user, removed).then(done, done);
    });
  }

  RED.nodes.registerType('presence-gate', PresenceGate);
};
