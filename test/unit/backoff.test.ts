import { strict as assert } from 'node:assert';
import { Backoff } from '../../nodes/core/session/backoff';

describe('reconnect backoff', () => {
  it('doubles from the initial delay up to the cap, with jitter in the upper half', () => {
    const low = new Backoff({ initialMs: 500, maxMs: 60_000, stableMs: 1 }, () => 0);
    const high = new Backoff({ initialMs: 500, maxMs: 60_000, stableMs: 1 }, () => 1);
    const lows = Array.from({ length: 10 }, () => low.next());
    const highs = Array.from({ length: 10 }, () => high.next());
    assert.deepEqual(highs, [500, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    assert.deepEqual(lows, highs.map((ms) => ms / 2));
    assert.equal(low.attempt, 10);
  });

  it('starts over after a reset', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, stableMs: 1 }, () => 1);
    backoff.next();
    backoff.next();
    backoff.reset();
    assert.equal(backoff.attempt, 0);
    assert.equal(backoff.next(), 100);
  });
});
