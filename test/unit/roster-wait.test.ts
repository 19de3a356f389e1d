// What arrives before the roster is known waits, in order, and is decided once it is known.
import { strict as assert } from 'node:assert';
import { RosterWait } from '../../nodes/lib/roster-wait';

describe('waiting for the roster', () => {
  it('decides at once while the roster tells; waits, in order, while it cannot; decides all once it can', () => {
    let known = false;
    const out: string[] = [];
    let dropped = 0;
    const wait = new RosterWait(() => (dropped += 1));
    const arrival = (name: string, needsRoster: boolean) => () => {
      if (needsRoster && !known) return 'unknown' as const;
      out.push(name);
      return 'decided' as const;
    };
    wait.offer(arrival('own account', false));
    wait.offer(arrival('contact 1', true));
    wait.offer(arrival('own account again', false));
    assert.deepEqual(out, ['own account'], 'what came after one that waits waits too, to keep the order');
    assert.equal(wait.size, 2);
    wait.release();
    assert.equal(wait.size, 2, 'still unknown: nothing moves');
    known = true;
    wait.release();
    assert.deepEqual(out, ['own account', 'contact 1', 'own account again']);
    assert.equal(wait.size, 0);
    assert.equal(dropped, 0);
  });

  it('keeps at most its limit: past it the oldest is dropped, and said', () => {
    let dropped = 0;
    const wait = new RosterWait(() => (dropped += 1), 2);
    for (let i = 0; i < 5; i += 1) wait.offer(() => 'unknown');
    assert.equal(wait.size, 2);
    assert.equal(dropped, 3);
    wait.clear();
    assert.equal(wait.size, 0);
  });
});
