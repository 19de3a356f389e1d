// Logging under a flood: the first event at once, then one line with the count per period; a
// quiet period ends the burst.
import { strict as assert } from 'node:assert';
import { once, EventEmitter } from 'node:events';
import { BurstLog, type BurstLine } from '../../nodes/core/burst-log';
import { PendingLimit, type Refusal } from '../../nodes/core/pending-limit';
import { eventually } from '../rig/peer';

describe('burst log', () => {
  it('writes the first event, counts the rest, and writes the count once per period', async () => {
    const lines: BurstLine<string>[] = [];
    const written = new EventEmitter();
    const log = new BurstLog<string>((line) => {
      lines.push(line);
      written.emit('line', line);
    }, 30);
    for (let i = 0; i < 1000; i++) log.note(`event ${i}`);
    assert.deepEqual(lines, [{ kind: 'first', detail: 'event 0' }]);
    const [summary] = (await once(written, 'line')) as [BurstLine<string>];
    assert.equal(summary.kind, 'more');
    assert.equal(summary.kind === 'more' && summary.count, 999);
    log.close();
    assert.equal(lines.length, 2, 'nothing left to write');
  });

  it('starts a new burst after a quiet period, and writes what is counted on close', async () => {
    const lines: BurstLine<number>[] = [];
    const log = new BurstLog<number>((line) => lines.push(line), 20);
    log.note(1);
    assert.equal(log.active, true);
    // A period with nothing counted ends the burst.
    await eventually(() => log.active, (active) => !active, 5_000, 'the burst to end');
    log.note(2);
    assert.deepEqual(lines, [{ kind: 'first', detail: 1 }, { kind: 'first', detail: 2 }], 'news again after the quiet period');
    log.note(3);
    log.note(4);
    log.close();
    assert.equal(lines.length, 3);
    assert.equal(lines[2]?.kind === 'more' && lines[2].count, 2);
    assert.equal(log.active, false);
  });

  it('survives a logger that throws', () => {
    const log = new BurstLog<number>(() => {
      throw new Error('broken log');
    });
    log.note(1);
    log.note(2);
    assert.doesNotThrow(() => log.close());
  });
});

describe('pending limit', () => {
  it('bounds waiting answers per bare JID and in total, and counts them free again', () => {
    const refusals: BurstLine<Refusal>[] = [];
    const limit = new PendingLimit({ perCaller: 2, total: 3 }, (line) => refusals.push(line));
    const a1 = limit.enter('a@x/1');
    const a2 = limit.enter('A@x/2');
    assert.ok(a1 && a2);
    assert.equal(limit.enter('a@x/3'), undefined, 'a third from a@x');
    assert.deepEqual(refusals, [{ kind: 'first', detail: { bound: 'caller', limit: 2, caller: 'a@x' } }]);
    const b1 = limit.enter('b@x/1');
    assert.ok(b1);
    assert.equal(limit.enter('c@x/1'), undefined, 'the total is reached');
    assert.equal(limit.pending(), 3);
    assert.equal(limit.pending('a@x/anything'), 2);
    a1();
    a1(); // twice counts once
    assert.equal(limit.pending(), 2);
    assert.ok(limit.enter('c@x/1'));
    assert.equal(refusals.length, 1, 'one line for the burst');
    limit.close();
    assert.deepEqual(refusals.at(-1), { kind: 'more', count: 1, sinceMs: (refusals.at(-1) as { sinceMs: number }).sinceMs });
  });
});
