// presence-gate: lets a msg through only while its recipient is present; otherwise diverts it
// to output 2, drops it, or holds it until the recipient comes back.
//
// Status: while the connection is not online the node shows the connection's status (as every
// node using it does); once online it shows its own: present / absent (reason) / N held.
//
// State in the node's context, in the context store named by the "store" field (empty: the
// default store), so that it survives a restart with a persistent store (lib/gate-store.ts):
// - held messages: only the kept properties of each msg (lib/gate-kept-msg.ts), one key per
//   recipient ('held:<bare JID, encoded>'), so holding one more msg rewrites only that
//   recipient's list; after a restart their done() is gone, so an expiry reaches Catch nodes
//   through node.error(err, msg) instead;
// - 'asks': the presence requests it made, to withdraw the unanswered ones (lib/gate-asker.ts).
// Earlier versions kept every held msg whole under one key 'held': read once, then removed.
// A redeploy hands the same state to the new instance directly (lib/gate-carry-over.ts).
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow, NodeStatus } from 'node-red';
import { absenceOf, type AbsenceReason } from './lib/gate-absence';
import { bareJid, parseJid } from './core/jid';
import { XmppError } from './core/errors';
import { connectionOf } from './lib/connection';
import { HoldQueue, type HeldEntry, type HeldSnapshot, type HoldRefusal } from './lib/gate-hold-queue';
import { keptMsg, type KeptMsg } from './lib/gate-kept-msg';
import type { PersistedAsks } from './lib/gate-asks';
import { GateAsker, askPortOf } from './lib/gate-asker';
import { describeError, nodeError } from './lib/node-error';
import { GateStore } from './lib/gate-store';
import { CarryOver } from './lib/gate-carry-over';
import { shortJid, type Translate } from './lib/status-text';
import { timerDelay } from './lib/timer-delay';

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
  /** Hold mode: at most this many messages in all. */
  holdTotal?: string | number;
  /** Hold mode: at most this many recipients with held messages. */
  holdRecipients?: string | number;
  /** At most this many of our subscription requests waiting for an answer (0: never ask). */
  maxAsks?: string | number;
  /** Hours after which an unanswered subscription request is withdrawn. */
  askHours?: string | number;
  /** The context store for held messages and requests; empty for the default one. */
  store: string;
}

type Mode = 'divert' | 'drop' | 'hold';
type Done = (err?: Error) => void;
type Send = (msg: Array<NodeMessageInFlow | KeptMsg | null>) => void;

const MODES = new Set<string>(['divert', 'drop', 'hold']);
/** Defaults for fields that flows of earlier versions do not have. */
const DEFAULT_HOLD_TOTAL = 1000;
const DEFAULT_HOLD_RECIPIENTS = 100;
const DEFAULT_MAX_ASKS = 100;
const DEFAULT_ASK_HOURS = 24;
// Withdrawals on removal get this long, within the 15 s Node-RED gives a close handler.
const REMOVAL_WITHDRAW_MS = 10_000;

function positive(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : Number(String(value ?? '').trim() || NaN);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** A whole number of at least 0 (0 counts), else the fallback. */
function wholeOrZero(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : Number(String(value ?? '').trim() || NaN);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : fallback;
}

// With Node-RED's default settings a redeploy deletes the gate's context: a closing gate leaves
// what it holds and the requests it has to withdraw to the gate that takes its place.
const carryOver = new CarryOver<{ held: HeldSnapshot<KeptMsg>; asks: PersistedAsks }>();

/** What is kept of a msg read back from the store, or undefined when it cannot be kept. */
function reduceStored(msg: object): KeptMsg | undefined {
  try {
    return keptMsg(msg);
  } catch {
    return undefined;
  }
}

export = function register(RED: NodeAPI): void {
  carryOver.watch(RED.events);
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
    const t: Translate = (key, substitutions) => RED._(key, substitutions);
    const fail = (error: unknown): Error => nodeError(t, error, 'presence-gate');
    const client = connection.client;
    if (!client) {
      // A configuration that cannot work: its status says why, and every msg fails with it.
      connection.register(node);
      node.on('input', (_msg: NodeMessageInFlow, _send: Send, done: Done) => done(fail(connection.problem ?? new XmppError('not-connected'))));
      node.on('close', (removed: boolean, done: () => void) => void connection.deregister(node, removed).then(done, done));
      return;
    }
    const contacts = client.contacts;
    const mode: Mode = MODES.has(def.mode) ? (def.mode as Mode) : 'divert';
    const blocked = new Set<string>();
    if (def.blockDnd !== false) blocked.add('dnd');
    if (def.blockAway === true) blocked.add('away');
    if (def.blockXa === true) blocked.add('xa');
    const maxCount = Math.floor(positive(def.holdCount, 100));
    const maxAgeS = positive(def.holdAge, 3600);
    const maxTotal = Math.floor(positive(def.holdTotal, DEFAULT_HOLD_TOTAL));
    const maxRecipients = Math.floor(positive(def.holdRecipients, DEFAULT_HOLD_RECIPIENTS));
    const maxAsks = wholeOrZero(def.maxAsks, DEFAULT_MAX_ASKS);
    const askHours = positive(def.askHours, DEFAULT_ASK_HOURS);
    const store = typeof def.store === 'string' && def.store.trim() !== '' ? def.store.trim() : undefined;
    const defaultTo = (def.to ?? '').trim();
    const queue = new HoldQueue<KeptMsg>({ maxCount, maxAgeMs: maxAgeS * 1000, maxTotal, maxRecipients });
    const saved = new GateStore(node.context(), store, (err) => node.warn(RED._('presence-gate.error.store', { store: store ?? 'default', detail: err.message })));
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
    // The connection's status comes here (registered as the gate's status sink), under the gate's own.
    const connectionStatusSink = (status: NodeStatus): void => {
      connectionStatus = status;
      const wasOnline = online;
      online = connectionStatus.fill === 'green';
      asker.setOnline(online);
      if (online && !wasOnline) revisitHeld();
      render();
    };

    // ---- presence
    const reasonFor = (recipient: string): AbsenceReason | undefined => absenceOf(contacts.presenceOf(recipient), blocked, contacts.seesPresenceOf(recipient));

    // ---- presence requests: bounded, remembered, withdrawn when unanswered (lib/gate-asker.ts)
    const asker = new GateAsker(askPortOf(contacts), maxAsks, askHours * 3_600_000, {
      wanted: (recipient) => reasonFor(recipient) === 'not-subscribed',
      room: () => {
        for (const recipient of queue.recipients()) if (reasonFor(recipient) === 'not-subscribed') asker.ask(recipient);
      },
      persist: (asks) => saved.saveAsks(asks),
      full: () => node.warn(RED._('presence-gate.warning.asks-full', { count: maxAsks, hours: askHours })),
      withdrawn: (recipient) => node.debug(RED._('presence-gate.log.withdrawn', { recipient })),
      failed: (error) => node.debug(describeError(t, error)),
    });

    // ---- holding
    const persistHeld = (recipient: string): void => saved.saveHeld(recipient, queue.entriesOf(recipient));
    const holdError = (key: HoldRefusal | 'hold-expired' | 'removed', recipient: string): Error =>
      Object.assign(new Error(RED._(`presence-gate.error.${key}`, { recipient, count: maxCount, seconds: maxAgeS, total: maxTotal, recipients: maxRecipients })), { code: key });
    const failHeld = (entry: HeldEntry<KeptMsg>, err: Error): void => {
      if (entry.done) entry.done(err);
      else node.error(err, entry.msg); // restored after a restart: no done() any more, Catch nodes still see it
    };
    let expiryTimer: NodeJS.Timeout | undefined;
    const scheduleExpiry = (): void => {
      if (expiryTimer) clearTimeout(expiryTimer);
      expiryTimer = undefined;
      const next = queue.nextExpiry();
      if (next === undefined || closed) return;
      expiryTimer = setTimeout(() => {
        expiryTimer = undefined;
        const expired = queue.expire(Date.now());
        for (const { recipient, entry } of expired) failHeld(entry, holdError('hold-expired', recipient));
        for (const recipient of new Set(expired.map((x) => x.recipient))) persistHeld(recipient);
        scheduleExpiry();
        render();
      }, timerDelay(next - Date.now()));
    };
    const release = (recipient: string): void => {
      const entries = queue.take(recipient);
      if (entries.length === 0) return;
      persistHeld(recipient);
      scheduleExpiry();
      for (const entry of entries) {
        node.send([entry.msg, null]);
        entry.done?.();
      }
    };

    /** After (re)connecting: ask again where a request could not be sent, release the present. */
    function revisitHeld(): void {
      if (!ready) return;
      for (const recipient of queue.recipients()) {
        const reason = reasonFor(recipient);
        if (reason === undefined) release(recipient);
        else if (reason === 'not-subscribed') asker.ask(recipient);
      }
    }

    // ---- input
    const hold = (msg: NodeMessageInFlow, recipient: string, reason: AbsenceReason, done: Done): void => {
      let kept: KeptMsg;
      try {
        // Only what sending it on needs: held messages go to the context store, which may be a
        // world-readable file; an HTTP request's req/res could not wait anyway.
        kept = keptMsg(msg);
      } catch (error) {
        done(fail(new XmppError('invalid-payload', error instanceof Error ? error.message : String(error))));
        return;
      }
      const refusal = queue.refusal(recipient);
      if (refusal !== undefined) {
        done(holdError(refusal, recipient));
        return;
      }
      queue.add(recipient, { msg: kept, at: Date.now(), done });
      persistHeld(recipient);
      if (!expiryTimer) scheduleExpiry(); // a new msg expires after every one held before it
      // A notice that it was held (say, to answer an HTTP request with 202); the msg itself
      // goes out of output 1 when the recipient is back.
      (msg as NodeMessageInFlow & { gate?: unknown }).gate = { reason, recipient, held: true };
      node.send([null, msg]);
    };

    const handle = (msg: NodeMessageInFlow, done: Done): void => {
      let recipient: string;
      try {
        const given = (msg as { to?: unknown }).to;
        const to = given === undefined || given === null || given === '' ? defaultTo : given;
        if (to === '') throw new XmppError('no-recipient');
        recipient = bareJid(parseJid(to));
      } catch (error) {
        done(fail(error));
        return;
      }
      const reason = reasonFor(recipient);
      last = { recipient, reason };
      if (reason === 'not-subscribed') asker.ask(recipient);
      if (reason === undefined) {
        release(recipient); // anything still held goes first, to keep the order
        node.send([msg, null]);
        done();
      } else if (mode === 'divert') {
        (msg as NodeMessageInFlow & { gate?: unknown }).gate = { reason, recipient };
        node.send([null, msg]);
        done();
      } else if (mode === 'drop') {
        dropped += 1;
        done();
      } else {
        hold(msg, recipient, reason, done);
      }
      render();
    };

    // Held messages and requests from before a restart or redeploy come back first; inputs wait for them.
    let ready = false;
    const waiting: Array<() => void> = [];
    const resume = (asks: unknown): void => {
      ready = true;
      scheduleExpiry();
      asker.resume(asks);
      if (online) revisitHeld();
      for (const run of waiting.splice(0)) run();
      render();
    };
    const carried = carryOver.take(node.id);
    if (carried) {
      // The same state is in the context only if a store is configured: written again either way.
      for (const recipient of queue.restore(carried.held)) persistHeld(recipient);
      saved.saveAsks(carried.asks);
      resume(carried.asks);
    } else {
      saved.load((state) => {
        for (const [recipient, list] of Object.entries(state.held)) queue.restore({ [recipient]: list }, reduceStored);
        if (state.legacy !== undefined) {
          // Kept in the new form (and only the kept properties) before the old key goes.
          for (const recipient of queue.restore(state.legacy, reduceStored)) persistHeld(recipient);
          saved.dropLegacy();
        }
        resume(state.asks);
      });
    }

    node.on('input', (msg: NodeMessageInFlow, _send: Send, done: Done) => {
      if (ready) handle(msg, done);
      else waiting.push(() => handle(msg, done));
    });

    const unsubscribe = contacts.onPresence((contact) => {
      if (!ready || queue.count(contact.jid) === 0) return;
      if (reasonFor(contact.jid) === undefined) {
        release(contact.jid);
        render();
      }
    });
    // Every roster push lands here too: only what waits for the roster acts on it.
    const unlistenRoster = contacts.onRoster(() => asker.rosterChanged());
    connection.register(node, connectionStatusSink);

    node.on('close', (removed: boolean, done: () => void) => {
      unsubscribe();
      unlistenRoster();
      if (expiryTimer) clearTimeout(expiryTimer);
      closed = true;
      let withdrawn = Promise.resolve();
      if (removed) {
        // The node is gone and its context with it: held messages end as errors, never silently,
        // and its requests are withdrawn now or never.
        for (const recipient of queue.recipients()) for (const entry of queue.take(recipient)) failHeld(entry, holdError('removed', recipient));
        withdrawn = asker.withdrawAll(REMOVAL_WITHDRAW_MS);
      } else {
        asker.close();
        // A redeploy: the next gate with this id takes over (done() stays behind, as after a restart).
        if (ready) carryOver.leave(node.id, { held: queue.snapshot(), asks: asker.snapshot() });
      }
      void withdrawn.then(() => connection.deregister(node, removed)).then(done, done);
    });
  }

  RED.nodes.registerType('presence-gate', PresenceGate);
};
