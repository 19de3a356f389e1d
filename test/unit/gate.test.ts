// The presence gate's pieces without Node-RED: who counts as absent, the hold queue and its
// limits, what a held msg keeps, the context keys and store form, presence requests, carry-over.
import { strict as assert } from 'node:assert';
import { absenceOf } from '../../nodes/lib/gate-absence';
import { HoldQueue } from '../../nodes/lib/gate-hold-queue';
import { EventEmitter } from 'node:events';
import type { NodeContextData } from 'node-red';
import { util as redUtil } from '@node-red/util';
import { KEPT_PROPERTIES, keptMsg } from '../../nodes/lib/gate-kept-msg';
import { ASKS_KEY, heldKey, LEGACY_HELD_KEY, recipientOfHeldKey } from '../../nodes/lib/gate-context-keys';
import { AskBook, withdrawalOf, type PersistedAsks } from '../../nodes/lib/gate-asks';
import { GateAsker, type AskerHooks, type AskPort } from '../../nodes/lib/gate-asker';
import { XmppError } from '../../nodes/core/errors';
import { GateStore, type StoredGateState } from '../../nodes/lib/gate-store';
import { CarryOver } from '../../nodes/lib/gate-carry-over';
import type { RosterItem } from '../../nodes/core/contacts/roster';
import type { ContactPresence, ResourcePresence } from '../../nodes/core/contacts/presence-tracker';
import { bestResource } from '../../nodes/core/contacts/presence-tracker';

function contact(...resources: Array<Pick<ResourcePresence, 'show' | 'priority'>>): ContactPresence {
  const full = resources.map((r, i) => ({ jid: `dj@example.org/r${i}`, status: undefined, ...r }));
  return { jid: 'dj@example.org', available: full.length > 0, best: bestResource(full), resources: full };
}

describe('presence gate: absence', () => {
  const dndOnly = new Set(['dnd']);
  it('is present with an available resource whose show is not blocked', () => {
    assert.equal(absenceOf(contact({ show: 'available', priority: 0 }), dndOnly, true), undefined);
    assert.equal(absenceOf(contact({ show: 'away', priority: 0 }), dndOnly, true), undefined);
  });
  it('names the blocked show of the best resource', () => {
    assert.equal(absenceOf(contact({ show: 'dnd', priority: 0 }), dndOnly, true), 'dnd');
    assert.equal(absenceOf(contact({ show: 'xa', priority: 0 }), new Set(['xa']), true), 'xa');
    // Same priority: the most available resource counts.
    assert.equal(absenceOf(contact({ show: 'dnd', priority: 0 }, { show: 'chat', priority: 0 }), dndOnly, true), undefined);
    // Higher priority wins over availability.
    assert.equal(absenceOf(contact({ show: 'dnd', priority: 5 }, { show: 'chat', priority: 0 }), dndOnly, true), 'dnd');
  });
  it('is offline without resources, or not-subscribed when we cannot see its presence', () => {
    assert.equal(absenceOf(contact(), dndOnly, true), 'offline');
    assert.equal(absenceOf(contact(), dndOnly, false), 'not-subscribed');
    assert.equal(absenceOf(contact({ show: 'available', priority: 0 }), dndOnly, false), undefined);
  });
});

describe('presence gate: hold queue', () => {
  it('keeps messages per recipient in order and refuses beyond the count', () => {
    const queue = new HoldQueue<{ n: number }>({ maxCount: 2, maxAgeMs: 1000 });
    assert.ok(queue.add('a', { msg: { n: 1 }, at: 0 }));
    assert.ok(queue.add('a', { msg: { n: 2 }, at: 1 }));
    assert.equal(queue.add('a', { msg: { n: 3 }, at: 2 }), false);
    assert.ok(queue.add('b', { msg: { n: 4 }, at: 3 }));
    assert.equal(queue.count(), 3);
    assert.deepEqual(queue.take('a').map((e) => e.msg.n), [1, 2]);
    assert.deepEqual(queue.take('a'), [], 'taken once');
    assert.deepEqual(queue.recipients(), ['b']);
  });
  it('expires messages older than the age', () => {
    const queue = new HoldQueue<{ n: number }>({ maxCount: 10, maxAgeMs: 1000 });
    queue.add('a', { msg: { n: 1 }, at: 0 });
    queue.add('a', { msg: { n: 2 }, at: 500 });
    assert.equal(queue.nextExpiry(), 1000);
    assert.deepEqual(queue.expire(999), []);
    assert.deepEqual(queue.expire(1000).map((x) => [x.recipient, x.entry.msg.n]), [['a', 1]]);
    assert.equal(queue.nextExpiry(), 1500);
    queue.expire(2000);
    assert.equal(queue.nextExpiry(), undefined);
    assert.equal(queue.count(), 0);
  });
  it('survives a JSON round trip, restored messages before newer ones, and ignores junk', () => {
    const queue = new HoldQueue<{ n: number }>({ maxCount: 10, maxAgeMs: 1000 });
    queue.add('a', { msg: { n: 1 }, at: 5, done: () => undefined });
    const saved = JSON.parse(JSON.stringify(queue.snapshot())) as unknown;
    const again = new HoldQueue<{ n: number }>({ maxCount: 10, maxAgeMs: 1000 });
    again.add('a', { msg: { n: 2 }, at: 9 });
    again.restore(saved);
    again.restore({ b: [{ msg: 'x', at: 1 }, null], c: 'nope' });
    again.restore(null);
    assert.deepEqual(again.take('a').map((e) => [e.msg.n, e.at, e.done]), [[1, 5, undefined], [2, 9, undefined]]);
    assert.equal(again.count(), 0);
  });
});

describe('presence gate: hold limits in all', () => {
  it('names the limit that refuses: per recipient first, then recipients, then messages in all', () => {
    const queue = new HoldQueue<{ n: number }>({ maxCount: 2, maxAgeMs: 1000, maxTotal: 3, maxRecipients: 2 });
    assert.equal(queue.refusal('a'), undefined);
    queue.add('a', { msg: { n: 1 }, at: 0 });
    queue.add('a', { msg: { n: 2 }, at: 0 });
    assert.equal(queue.refusal('a'), 'hold-full');
    assert.ok(queue.add('b', { msg: { n: 3 }, at: 0 }));
    assert.equal(queue.refusal('c'), 'hold-recipients-full');
    assert.equal(queue.refusal('b'), 'hold-total-full');
    assert.equal(queue.add('b', { msg: { n: 4 }, at: 0 }), false);
    assert.equal(queue.count(), 3);
    queue.take('a');
    assert.equal(queue.count(), 1, 'the total follows take()');
    assert.equal(queue.refusal('c'), undefined);
  });

  it('keeps the total right through expiry and restore, and restores past the limits', () => {
    const queue = new HoldQueue<{ n: number }>({ maxCount: 1, maxAgeMs: 1000, maxTotal: 1, maxRecipients: 1 });
    queue.add('a', { msg: { n: 1 }, at: 0 });
    assert.equal(queue.expire(1000).length, 1);
    assert.equal(queue.count(), 0);
    const restored = queue.restore({ a: [{ msg: { n: 2 }, at: 5 }, { msg: { n: 3 }, at: 6 }], b: [{ msg: { n: 4 }, at: 7 }] });
    assert.deepEqual(restored, ['a', 'b']);
    assert.equal(queue.count(), 3, 'accepted once, kept whatever the limits');
    assert.equal(queue.refusal('c'), 'hold-recipients-full');
    assert.deepEqual(queue.entriesOf('a'), [{ msg: { n: 2 }, at: 5 }, { msg: { n: 3 }, at: 6 }]);
    assert.deepEqual(queue.entriesOf('z'), []);
  });

  it('lets restore() reduce each msg and drop the ones it refuses', () => {
    const queue = new HoldQueue<{ n: number }>({ maxCount: 10, maxAgeMs: 1000 });
    queue.restore({ a: [{ msg: { n: 1, secret: 'x' }, at: 1 }, { msg: { n: -1 }, at: 2 }] }, (msg) => {
      const { n } = msg as { n: number };
      return n < 0 ? undefined : { n };
    });
    assert.deepEqual(queue.take('a').map((entry) => entry.msg), [{ n: 1 }]);
  });
});

describe('presence gate: what a held msg keeps', () => {
  it('keeps payload, to, topic, subject, thread, type and _msgid as a JSON copy, nothing else', () => {
    const payload = { text: 'hi', when: new Date(0) };
    const msg = { _msgid: 'm1', payload, to: 'ann@example.org/phone', topic: 't', subject: 's', thread: 'th', type: 'chat', apiKey: 'secret', req: { headers: {} }, from: 'x@y', xmpp: { stanza: '<message/>' } };
    const kept = keptMsg(msg);
    assert.deepEqual(kept, { _msgid: 'm1', payload: { text: 'hi', when: '1970-01-01T00:00:00.000Z' }, to: 'ann@example.org/phone', topic: 't', subject: 's', thread: 'th', type: 'chat' });
    assert.notEqual(kept.payload, payload, 'a copy');
    assert.deepEqual([...KEPT_PROPERTIES].sort(), ['_msgid', 'payload', 'subject', 'thread', 'to', 'topic', 'type']);
  });

  it('leaves out what is not there, turns a Buffer into {type, data}, and refuses what JSON cannot write', () => {
    assert.deepEqual(keptMsg({ payload: 'x', topic: undefined }), { payload: 'x' });
    assert.deepEqual(keptMsg({ payload: Buffer.from('hi') }), { payload: { type: 'Buffer', data: [104, 105] } });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.throws(() => keptMsg({ payload: cycle }), TypeError);
    assert.throws(() => keptMsg({ payload: 10n }), TypeError);
  });
});

describe('presence gate: context keys', () => {
  it('gives each recipient one key that Node-RED reads as one property, and reads it back', () => {
    for (const jid of ['ann@example.org', "o'neil@example.org", 'a.b[0]@x.example', '#:(file)::x@y.z', '12345@example.org', 'ü@exämple.org']) {
      const key = heldKey(jid);
      assert.match(key, /^held:[A-Za-z0-9_%-]+$/, key);
      assert.deepEqual(redUtil.normalisePropertyExpression(key), [key], `one part: ${key}`);
      assert.equal(recipientOfHeldKey(key), jid);
    }
    assert.equal(heldKey('ann@example.org'), 'held:ann%40example%2Eorg');
  });

  it('knows no other key as a held-messages key', () => {
    for (const key of [LEGACY_HELD_KEY, ASKS_KEY, 'held:', 'held:%E0%A4%A', 'held:a.b', 'other:ann%40x', 'held:ann@x']) assert.equal(recipientOfHeldKey(key), undefined, key);
  });
});

describe('presence gate: presence requests', () => {
  const item = (change: Partial<RosterItem> = {}): RosterItem => ({ jid: 'x@example.org', name: undefined, subscription: 'none', pending: true, groups: [], ...change });
  const created = { at: 0, created: true };
  const existed = { at: 0, created: false };

  it('removes only an entry its request created that is still bare; otherwise cancels a waiting request or does nothing', () => {
    assert.equal(withdrawalOf(created, item()), 'remove');
    assert.equal(withdrawalOf(created, item({ pending: false })), 'remove', 'refused: still the entry it made');
    assert.equal(withdrawalOf(created, undefined), 'remove', 'the push that adds it may not be here yet');
    assert.equal(withdrawalOf(created, item({ name: 'Ann' })), 'cancel', 'named since: theirs');
    assert.equal(withdrawalOf(created, item({ groups: ['work'] })), 'cancel', 'grouped since: theirs');
    assert.equal(withdrawalOf(created, item({ subscription: 'from' })), 'cancel', 'subscribed to us since');
    assert.equal(withdrawalOf(created, item({ subscription: 'from', pending: false })), 'forget');
    assert.equal(withdrawalOf(created, item({ subscription: 'to', pending: false })), 'forget', 'approved');
    assert.equal(withdrawalOf(created, item({ subscription: 'both', pending: false })), 'forget', 'approved');
    assert.equal(withdrawalOf(existed, item()), 'cancel', 'a contact the user had keeps its entry');
    assert.equal(withdrawalOf(existed, item({ pending: false })), 'forget');
    assert.equal(withdrawalOf(existed, undefined), 'forget');
  });

  it('finds requests that fell due, oldest first, and when the next one will', () => {
    const book = new AskBook(1000);
    book.record('b', { at: 200, created: true });
    book.record('a', { at: 100, created: false });
    book.record('c', { at: 900, created: true });
    assert.deepEqual(book.due(1099), []);
    assert.deepEqual(book.due(1200).map(([jid]) => jid), ['a', 'b']);
    assert.equal(book.nextDueAfter(1200), 1900);
    assert.equal(book.nextDueAfter(1900), undefined);
    assert.equal(book.size, 3);
  });

  it('forgets approved requests, and survives a JSON round trip ignoring junk', () => {
    const book = new AskBook(1000);
    book.record('a', { at: 1, created: true });
    book.record('b', { at: 2, created: false });
    assert.equal(book.forgetApproved((jid) => jid === 'a'), true);
    assert.equal(book.forgetApproved(() => false), false);
    assert.deepEqual(book.entries(), [['b', { at: 2, created: false }]]);
    const again = new AskBook(1000);
    again.record('b', { at: 50, created: true });
    again.restore(JSON.parse(JSON.stringify({ ...book.toJSON(), c: { at: 3, created: true }, d: { at: 'x' }, e: null })));
    again.restore('junk');
    assert.deepEqual(again.toJSON(), { b: { at: 50, created: true }, c: { at: 3, created: true } }, 'a newer request wins');
  });
});

describe('presence gate: the context store form', () => {
  /** A node context in the shape Node-RED gives (asynchronous calls), recording every write. */
  function fakeContext(initial: Record<string, unknown>): { context: NodeContextData; data: Record<string, unknown>; writes: string[] } {
    const data: Record<string, unknown> = { ...initial };
    const writes: string[] = [];
    const context = {
      get: (key: string, _store: string | undefined, cb: (err: Error | undefined, value: unknown) => void) => setImmediate(() => cb(undefined, data[key])),
      set: (key: string, value: unknown, _store: string | undefined, cb: (err?: Error) => void) => {
        writes.push(key);
        if (value === undefined) delete data[key];
        else data[key] = value;
        cb();
      },
      keys: (_store: string | undefined, cb: (err: Error | undefined, keys: string[]) => void) => setImmediate(() => cb(undefined, Object.keys(data))),
    };
    return { context: context as unknown as NodeContextData, data, writes };
  }

  it('writes one recipient key per change and removes it when empty', () => {
    const { context, data, writes } = fakeContext({ [heldKey('a@x.org')]: [{ msg: { payload: 1 }, at: 1 }], other: 5 });
    const store = new GateStore(context, undefined, (err) => assert.fail(err));
    store.saveHeld('b@x.org', [{ msg: { payload: 2 }, at: 2 }]);
    assert.deepEqual(writes, [heldKey('b@x.org')], 'only that recipient');
    store.saveHeld('a@x.org', []);
    store.saveAsks({});
    store.saveAsks({ 'c@x.org': { at: 3, created: true } });
    store.dropLegacy();
    assert.deepEqual(Object.keys(data).sort(), [ASKS_KEY, heldKey('b@x.org'), 'other'].sort());
  });

  it('loads held keys, the asks and the single key of earlier versions, and nothing else', async () => {
    const legacy = { 'a@x.org': [{ msg: { payload: 0, apiKey: 'k' }, at: 0 }] };
    const { context } = fakeContext({ [heldKey('a@x.org')]: [{ msg: { payload: 1 }, at: 1 }], [ASKS_KEY]: { 'c@x.org': { at: 3, created: true } }, [LEGACY_HELD_KEY]: legacy, other: 5, 'held:bad.key': 1 });
    const store = new GateStore(context, 'file', (err) => assert.fail(err));
    const state = await new Promise<StoredGateState>((resolve) => store.load(resolve));
    assert.deepEqual(state, { held: { 'a@x.org': [{ msg: { payload: 1 }, at: 1 }] }, legacy, asks: { 'c@x.org': { at: 3, created: true } } });
    const empty = await new Promise<StoredGateState>((resolve) => new GateStore(fakeContext({}).context, undefined, assert.fail).load(resolve));
    assert.deepEqual(empty, { held: {}, legacy: undefined, asks: undefined });
  });
});

describe('presence gate: carried over a redeploy', () => {
  it('hands a state to the next node with the same id once, and forgets all when the flows stop without a deploy', () => {
    const events = new EventEmitter();
    const carry = new CarryOver<number>();
    carry.watch(events);
    carry.watch(events);
    assert.equal(events.listenerCount('runtime-event'), 1, 'one listener per runtime');
    carry.leave('g1', 1);
    carry.leave('g2', 2);
    events.emit('runtime-event', { id: 'runtime-state', payload: { state: 'stop', deploy: true } });
    assert.equal(carry.take('g1'), 1);
    assert.equal(carry.take('g1'), undefined, 'once');
    events.emit('runtime-event', { id: 'runtime-state', payload: { state: 'start', deploy: false } });
    assert.equal(carry.take('g2'), 2);
    carry.leave('g3', 3);
    events.emit('runtime-event', { id: 'runtime-state', payload: { state: 'stop' } });
    assert.equal(carry.take('g3'), undefined, 'Node-RED stopping: nobody takes over');
  });
});

describe('presence gate: the asker against a fake connection', () => {
  /** A roster and a log of what the asker sent; the roster is unknown (null) until `known` is set. */
  class FakePort implements AskPort {
    known = true;
    readonly roster = new Map<string, RosterItem>();
    readonly sent: string[] = [];
    /** Makes the next removeFromRoster fail with this error. */
    failRemove: Error | undefined;
    rosterItem(jid: string): RosterItem | undefined | null {
      return this.known ? this.roster.get(jid) : null;
    }
    seesPresenceOf(jid: string): boolean {
      const sub = this.roster.get(jid)?.subscription;
      return sub === 'to' || sub === 'both';
    }
    askSubscription(jid: string): Promise<void> {
      this.sent.push(`subscribe ${jid}`);
      const item = this.roster.get(jid) ?? { jid, name: undefined, subscription: 'none', pending: false, groups: [] };
      this.roster.set(jid, { ...item, pending: true });
      return Promise.resolve();
    }
    cancelSubscription(jid: string): Promise<void> {
      this.sent.push(`unsubscribe ${jid}`);
      const item = this.roster.get(jid);
      if (item) item.pending = false;
      return Promise.resolve();
    }
    removeFromRoster(jid: string): Promise<void> {
      this.sent.push(`remove ${jid}`);
      const error = this.failRemove;
      this.failRemove = undefined;
      if (error) return Promise.reject(error);
      this.roster.delete(jid);
      return Promise.resolve();
    }
  }

  function asker(port: FakePort, maxAsks: number, timeoutMs: number, wanted: (jid: string) => boolean = () => true) {
    const events = new EventEmitter();
    const log = { full: 0, persisted: [] as PersistedAsks[], rooms: 0 };
    const hooks: AskerHooks = {
      wanted,
      room: () => {
        log.rooms += 1;
      },
      persist: (asks) => log.persisted.push(asks),
      full: () => {
        log.full += 1;
      },
      withdrawn: (jid) => events.emit('withdrawn', jid),
      failed: (error) => events.emit('failed', error),
    };
    const gateAsker = new GateAsker(port, maxAsks, timeoutMs, hooks);
    return { gateAsker, events, log };
  }
  const once = (events: EventEmitter, name: string): Promise<unknown> => new Promise((resolve) => events.once(name, resolve));

  it('sends at most maxAsks requests, warns once per burst, and makes room when one is approved', () => {
    const port = new FakePort();
    const { gateAsker, log } = asker(port, 2, 60_000);
    gateAsker.resume(undefined);
    gateAsker.setOnline(true);
    for (const jid of ['a@x', 'b@x', 'c@x', 'd@x', 'a@x']) gateAsker.ask(jid);
    assert.deepEqual(port.sent, ['subscribe a@x', 'subscribe b@x']);
    assert.equal(log.full, 1, 'one warning for c and d');
    (port.roster.get('a@x') as RosterItem).subscription = 'to'; // a approved
    gateAsker.ask('c@x');
    assert.deepEqual(port.sent.at(-1), 'subscribe c@x');
    gateAsker.ask('d@x');
    assert.equal(log.full, 2, 'a new burst, a new warning');
    assert.deepEqual(Object.keys(log.persisted.at(-1) ?? {}).sort(), ['b@x', 'c@x']);
  });

  it('never asks with maxAsks 0, nor when a request waits already', () => {
    const port = new FakePort();
    port.roster.set('p@x', { jid: 'p@x', name: 'P', subscription: 'none', pending: true, groups: [] });
    const none = asker(port, 0, 60_000);
    none.gateAsker.resume(undefined);
    none.gateAsker.ask('a@x');
    const some = asker(port, 5, 60_000);
    some.gateAsker.resume(undefined);
    some.gateAsker.ask('p@x');
    assert.deepEqual(port.sent, []);
    assert.equal(none.log.full + some.log.full, 0);
  });

  it('holds requests back until the roster is known, then sends those still wanted', () => {
    const port = new FakePort();
    port.known = false;
    const { gateAsker } = asker(port, 5, 60_000, (jid) => jid !== 'gone@x');
    gateAsker.resume(undefined);
    gateAsker.setOnline(true);
    gateAsker.ask('a@x');
    gateAsker.ask('gone@x');
    assert.deepEqual(port.sent, []);
    port.known = true;
    port.roster.set('a@x', { jid: 'a@x', name: undefined, subscription: 'from', pending: false, groups: [] });
    gateAsker.rosterChanged();
    assert.deepEqual(port.sent, ['subscribe a@x']);
    assert.deepEqual(gateAsker.snapshot()['a@x']?.created, false, 'a contact that was there');
  });

  it('withdraws an unanswered request after the timeout: removes the entry it made, cancels one it did not', async () => {
    const port = new FakePort();
    port.roster.set('had@x', { jid: 'had@x', name: undefined, subscription: 'none', pending: false, groups: [] });
    const { gateAsker, events, log } = asker(port, 5, 20);
    gateAsker.resume(undefined);
    gateAsker.setOnline(true);
    const withdrawn: unknown[] = [];
    const both = new Promise<void>((resolve) =>
      events.on('withdrawn', (jid) => {
        withdrawn.push(jid);
        if (withdrawn.length === 2) resolve();
      }),
    );
    gateAsker.ask('had@x');
    gateAsker.ask('new@x');
    await both;
    assert.deepEqual(port.sent, ['subscribe had@x', 'subscribe new@x', 'unsubscribe had@x', 'unsubscribe new@x', 'remove new@x']);
    assert.ok(port.roster.has('had@x'), 'the contact it had stays');
    assert.ok(!port.roster.has('new@x'));
    assert.deepEqual(gateAsker.snapshot(), {});
    assert.equal(log.rooms, 1, 'room for new requests');
    gateAsker.close();
  });

  it('keeps a request it could not withdraw for lack of a connection; forgets one the server refused', async () => {
    const port = new FakePort();
    const { gateAsker, events } = asker(port, 5, 60_000);
    gateAsker.resume({ 'lost@x': { at: 0, created: true }, 'gone@x': { at: 0, created: true } });
    port.failRemove = new XmppError('not-connected');
    const failed = once(events, 'failed');
    gateAsker.setOnline(true); // both fell due long ago
    await failed;
    assert.deepEqual(Object.keys(gateAsker.snapshot()), ['lost@x'], 'kept for the next time online');
    port.failRemove = new XmppError('stanza-error', 'item-not-found', 'item-not-found');
    const refused = once(events, 'failed');
    gateAsker.setOnline(false);
    gateAsker.setOnline(true);
    await refused;
    assert.deepEqual(gateAsker.snapshot(), {}, 'nothing left to withdraw');
  });

  it('withdraws everything at once when the node is removed, and nothing while offline', async () => {
    const port = new FakePort();
    const { gateAsker } = asker(port, 5, 60_000);
    gateAsker.resume(undefined);
    gateAsker.setOnline(true);
    gateAsker.ask('a@x');
    gateAsker.ask('b@x');
    await gateAsker.withdrawAll(5_000);
    assert.deepEqual(port.sent.filter((line) => line.startsWith('remove')), ['remove a@x', 'remove b@x']);
    const offline = new FakePort();
    const other = asker(offline, 5, 60_000);
    other.gateAsker.resume({ 'a@x': { at: 0, created: true } });
    await other.gateAsker.withdrawAll(5_000);
    assert.deepEqual(offline.sent, []);
  });
});
