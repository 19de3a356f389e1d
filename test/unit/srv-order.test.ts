import { strict as assert } from 'node:assert';
import { orderSrv, type Random } from '../../nodes/core/session/srv-order';

interface Rec {
  name: string;
  priority: number;
  weight: number;
}

const rec = (name: string, priority: number, weight: number): Rec => ({ name, priority, weight });

/** Always the same draw. */
const always = (value: number): Random => () => value;

/** A seeded generator (mulberry32): the same sequence every run. */
function seeded(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const names = (records: Rec[]): string[] => records.map((r) => r.name);

describe('SRV order (RFC 2782)', () => {
  it('tries the lowest priority first, whatever the weights and the order given', () => {
    const records = [rec('backup', 20, 100), rec('main', 10, 1), rec('last', 30, 1000)];
    assert.deepEqual(names(orderSrv(records, always(0.5))), ['main', 'backup', 'last']);
  });

  it('within a priority, the draw picks the first record whose running sum of weights reaches it', () => {
    // Weights 10 and 20 with a weight-0 record: running sums 0 (zero first), 10, 30; draws are whole numbers 0..30.
    const records = [rec('a10', 0, 10), rec('b20', 0, 20), rec('zero', 0, 0), rec('next', 1, 5)];
    // A draw of 0 takes the weight-0 record (placed first), then a10 (running 10 >= 0), then b20.
    assert.deepEqual(names(orderSrv(records, always(0))), ['zero', 'a10', 'b20', 'next']);
    // The highest draw (30) takes b20; then of zero and a10 (sum 10) the draw 10 takes a10; zero last.
    assert.deepEqual(names(orderSrv(records, always(0.999))), ['b20', 'a10', 'zero', 'next']);
    // floor(0.33 * 31) = 10: a10 (running 10 >= 10).
    assert.deepEqual(names(orderSrv(records, always(0.33)))[0], 'a10');
    // floor(0.36 * 31) = 11: past a10's 10, so b20.
    assert.deepEqual(names(orderSrv(records, always(0.36)))[0], 'b20');
  });

  it('picks each record first about as often as its weight says; a weight-0 record only rarely', () => {
    const records = [rec('w10', 0, 10), rec('w30', 0, 30), rec('w60', 0, 60), rec('w0', 0, 0)];
    const firsts = new Map<string, number>();
    const random = seeded(2782);
    const rounds = 20_000;
    for (let i = 0; i < rounds; i++) {
      const first = orderSrv(records, random)[0]?.name ?? '';
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    // Each of the 101 draws (0..100) is as likely: w0 gets 1 of them, w10 10, w30 30, w60 60.
    for (const [name, share] of [['w0', 1 / 101], ['w10', 10 / 101], ['w30', 30 / 101], ['w60', 60 / 101]] as const) {
      const seen = (firsts.get(name) ?? 0) / rounds;
      assert.ok(Math.abs(seen - share) < 0.015, `${name} first in ${(seen * 100).toFixed(1)} % of the orders, expected ${(share * 100).toFixed(1)} %`);
    }
  });

  it('with only weight-0 records keeps the order given, and never loses or repeats a record', () => {
    const records = [rec('x', 5, 0), rec('y', 5, 0), rec('z', 5, 0)];
    assert.deepEqual(names(orderSrv(records, seeded(1))), ['x', 'y', 'z']);
    const mixed = [rec('a', 2, 3), rec('b', 1, 0), rec('c', 2, 0), rec('d', 1, 7), rec('e', 2, 9)];
    const ordered = orderSrv(mixed, seeded(7));
    assert.deepEqual([...names(ordered)].sort(), ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(ordered.map((r) => r.priority), [1, 1, 2, 2, 2]);
    assert.deepEqual(names(mixed), ['a', 'b', 'c', 'd', 'e'], 'the input is left as it was');
  });

  it('a random source that returns 1 (out of range) still yields a full order', () => {
    assert.deepEqual(names(orderSrv([rec('a', 0, 1), rec('b', 0, 1)], always(1))), ['b', 'a']);
  });
});
