// The presence gate's pieces without Node-RED: who counts as absent, and the hold queue.
import { strict as assert } from 'node:assert';
import { absenceOf } from '../../nodes/lib/gate-absence';
import { HoldQueue } from '../../nodes/lib/gate-hold-queue';
import type { ContactPresence, ResourcePresence } from '../../nodes/core/presence-tracker';
import { bestResource } from '../../nodes/core/presence-tracker';

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
