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

  it('tries every 250–500 ms while connections are refused, for the first minute only, then backs off', () => {
    let clock = 0;
    const backoff = new Backoff({ initialMs: 500, maxMs: 60_000, stableMs: 1, quickMs: 250, quickWindowMs: 60_000 }, () => 1, () => clock);
    const quick: number[] = [];
    while (clock < 60_000) {
      const delay = backoff.next(true);
      quick.push(delay);
      clock += delay;
    }
    assert.ok(quick.every((ms) => ms === 500));
    assert.equal(quick.length, 120);
    // A minute of refusals: from now on the exponential delays, starting low.
    assert.deepEqual([backoff.next(true), backoff.next(true), backoff.next(true)], [500, 1000, 2000]);
    assert.equal(backoff.attempt, 123);
  });

  it('backs off exponentially at once when the server accepts and then fails (not refused)', () => {
    const backoff = new Backoff({ initialMs: 500, maxMs: 60_000, stableMs: 1, quickMs: 250, quickWindowMs: 60_000 }, () => 1, () => 0);
    assert.deepEqual([backoff.next(false), backoff.next(false), backoff.next(true), backoff.next(false)], [500, 1000, 500, 2000]);
  });

  it('gives each outage its own quick window, even when the connection did not stay up long enough to reset', () => {
    let clock = 0;
    const backoff = new Backoff({ initialMs: 500, maxMs: 60_000, stableMs: 30_000, quickMs: 250, quickWindowMs: 30_000 }, () => 1, () => clock);
    while (clock < 40_000) clock += backoff.next(true); // a first outage outlasts its quick window
    assert.equal(backoff.next(true) > 500, true);
    clock += 5_000;
    backoff.connected(); // up for 5 s (no reset), then refused again
    clock += 5_000;
    assert.equal(backoff.next(true), 500, 'quick again');
  });
});
