// The per-sender limit of xmpp-in, on an injected clock: bursts, the steady rate, one report per
// burst, and memory that stays bounded however many senders write.
import { strict as assert } from 'node:assert';
import { SenderRateLimit, type Verdict } from '../../nodes/core/sender-rate-limit';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function takeMany(limit: SenderRateLimit, sender: string, count: number): Verdict[] {
  return Array.from({ length: count }, () => limit.take(sender));
}

describe('per-sender rate limit', () => {
  it('lets a burst through at once, then drops; the first drop is reported as a burst', () => {
    const { now } = clock();
    const limit = new SenderRateLimit({ perSecond: 5, burst: 3, now });
    assert.deepEqual(takeMany(limit, 'alice@example.org', 6), ['pass', 'pass', 'pass', 'burst', 'drop', 'drop']);
    assert.equal(limit.dropped, 3);
    assert.equal(limit.lastDropped, 'alice@example.org');
  });

  it('earns messages back at the rate, and no more than the burst', () => {
    const { now, advance } = clock();
    const limit = new SenderRateLimit({ perSecond: 5, burst: 3, now });
    takeMany(limit, 'alice@example.org', 4);
    advance(200); // one fifth of a second: one message
    assert.deepEqual(takeMany(limit, 'alice@example.org', 2), ['pass', 'drop']);
    advance(60_000); // a minute of quiet: still only a burst of 3
    assert.deepEqual(takeMany(limit, 'alice@example.org', 4), ['pass', 'pass', 'pass', 'burst']);
  });

  it('a sender at a steady rate just above the limit makes one burst, not one report per drop', () => {
    const { now, advance } = clock();
    const limit = new SenderRateLimit({ perSecond: 10, burst: 5, now });
    const verdicts: Verdict[] = [];
    // 20 a second for 10 seconds: twice the rate.
    for (let i = 0; i < 200; i++) {
      verdicts.push(limit.take('bob@example.org'));
      advance(50);
    }
    assert.equal(verdicts.filter((v) => v === 'burst').length, 1);
    const passed = verdicts.filter((v) => v === 'pass').length;
    // The burst, then 10 a second over the 10 s.
    assert.ok(passed >= 100 && passed <= 5 + 100, `passed ${passed}`);
    assert.equal(limit.dropped, 200 - passed);
  });

  it('a sender that slowed down until its allowance was full starts a new burst when it floods again', () => {
    const { now, advance } = clock();
    const limit = new SenderRateLimit({ perSecond: 2, burst: 2, now });
    assert.deepEqual(takeMany(limit, 'carol@example.org', 3), ['pass', 'pass', 'burst']);
    advance(500);
    assert.deepEqual(takeMany(limit, 'carol@example.org', 2), ['pass', 'drop'], 'half refilled: the same burst');
    advance(1000);
    assert.deepEqual(takeMany(limit, 'carol@example.org', 3), ['pass', 'pass', 'burst'], 'full again: a new burst');
  });

  it('counts each sender on its own: one flooding sender costs the others nothing', () => {
    const { now } = clock();
    const limit = new SenderRateLimit({ perSecond: 1, burst: 2, now });
    takeMany(limit, 'mallory@example.org', 1000);
    assert.deepEqual(takeMany(limit, 'alice@example.org', 2), ['pass', 'pass']);
    assert.equal(limit.dropped, 998);
    assert.equal(limit.droppedSenders, 1);
  });

  it('forgets a sender once its allowance is full again, so quiet senders take no memory', () => {
    const { now, advance } = clock();
    const limit = new SenderRateLimit({ perSecond: 10, burst: 10, now });
    for (let i = 0; i < 100; i++) limit.take(`user${i}@example.org`);
    assert.equal(limit.size, 100);
    advance(100); // each earned 1 back: full again
    limit.take('late@example.org');
    assert.equal(limit.size, 1);
  });

  it('remembers at most maxSenders, forgetting the least recently seen first', () => {
    const { now } = clock();
    const limit = new SenderRateLimit({ perSecond: 1, burst: 1, maxSenders: 3, now });
    for (const sender of ['a@x', 'b@x', 'c@x']) limit.take(sender);
    limit.take('a@x'); // dropped; and now the most recently seen
    for (let i = 0; i < 10_000; i++) {
      limit.take(`stranger${i}@x`);
      limit.take(`stranger${i}@x`); // dropped: each stranger is a dropped-from sender too
    }
    assert.equal(limit.size, 3);
    assert.equal(limit.dropped, 10_001);
    assert.equal(limit.droppedSenders, 3, 'the count of senders dropped from stays bounded as well');
  });

  it('a sender forgotten because of the bound starts with a fresh burst (the bound costs accuracy, not memory)', () => {
    const { now } = clock();
    const limit = new SenderRateLimit({ perSecond: 1, burst: 1, maxSenders: 2, now });
    assert.deepEqual(takeMany(limit, 'a@x', 2), ['pass', 'burst']);
    limit.take('b@x');
    limit.take('c@x'); // a@x is the least recently seen: forgotten
    assert.equal(limit.take('a@x'), 'pass');
  });

  it('a clock that goes backwards earns nothing', () => {
    const { now, advance } = clock();
    const limit = new SenderRateLimit({ perSecond: 1, burst: 1, now });
    assert.equal(limit.take('a@x'), 'pass');
    advance(-10_000);
    assert.equal(limit.take('a@x'), 'burst');
  });

  it('refuses a rate or burst that would make no sense', () => {
    for (const options of [{ perSecond: 0, burst: 1 }, { perSecond: -1, burst: 1 }, { perSecond: Number.NaN, burst: 1 }, { perSecond: 1, burst: 0 }, { perSecond: 1, burst: Infinity }]) {
      assert.throws(() => new SenderRateLimit(options), RangeError, JSON.stringify(options));
    }
  });
});
