import { strict as assert } from 'node:assert';
import { XmppError } from '../../nodes/core/errors';
import { Outbox } from '../../nodes/core/session/outbox';
import { loadXmpp, type XmlElement, type XmppLib } from '../../nodes/core/xmpp-lib';
import { english } from './english';

describe('the outbox', () => {
  let lib: XmppLib;
  let clock = 0;
  const now = (): number => clock;
  const message = (body: string): XmlElement => lib.xml('message', { to: 'a@b.c' }, lib.xml('body', {}, body));
  const settled: string[] = [];
  const settle = (name: string) => ({
    resolve: () => settled.push(`${name} sent`),
    reject: (error: Error) => settled.push(`${name} ${(error as XmppError).code}`),
  });

  before(async () => {
    lib = await loadXmpp();
  });
  beforeEach(() => {
    clock = 0;
    settled.length = 0;
  });

  it('keeps order, and resends go first', () => {
    const box = new Outbox({ maxCount: 10, maxBytes: 10_000, maxAgeMs: 1000 }, now);
    box.push(message('1'), settle('1'));
    box.push(message('2'), settle('2'));
    box.requeue([box.resendEntry(message('0'))]);
    const bodies: string[] = [];
    while (box.size > 0) for (const entry of box.take(0, () => false)) bodies.push(entry.stanza.getChildText('body') ?? '');
    assert.deepEqual(bodies, ['0', '1', '2']);
    assert.equal(box.bytes, 0);
  });

  it('gives runs to write together: within the byte limit, up to an entry that must go alone, at least one', () => {
    const box = new Outbox({ maxCount: 10, maxBytes: 10_000, maxAgeMs: 1000 }, now);
    for (const body of ['1', '2', '3', '4', '5']) box.push(message(body), settle(body));
    const size = box.bytes / 5;
    const alone = (entry: { stanza: { getChildText(name: string): string | null } }): boolean => entry.stanza.getChildText('body') === '4';
    const runs: string[][] = [];
    while (box.size > 0) runs.push(box.take(size * 2, (entry) => !alone(entry)).map((entry) => entry.stanza.getChildText('body') ?? ''));
    assert.deepEqual(runs, [['1', '2'], ['3'], ['4', '5']]);
    assert.equal(box.bytes, 0);
    box.push(message('6'), settle('6'));
    assert.deepEqual(box.take(0, () => true).length, 1, 'an entry larger than the limit still goes, alone');
  });

  it('refuses the message that would pass the count limit, naming it', () => {
    const box = new Outbox({ maxCount: 2, maxBytes: 10_000, maxAgeMs: 1000 }, now);
    box.push(message('1'), settle('1'));
    box.push(message('2'), settle('2'));
    assert.throws(() => box.push(message('3'), settle('3')), (e: unknown) => e instanceof XmppError && e.code === 'outbox-full' && /limit 2/.test(english(e)));
    assert.equal(box.size, 2);
  });

  it('refuses the message that would pass the byte limit', () => {
    const box = new Outbox({ maxCount: 100, maxBytes: 200, maxAgeMs: 1000 }, now);
    box.push(message('x'.repeat(100)), settle('1'));
    assert.throws(() => box.push(message('y'.repeat(100)), settle('2')), (e: unknown) => e instanceof XmppError && e.code === 'outbox-full');
  });

  it('refuses messages older than the age limit, and only those', () => {
    const box = new Outbox({ maxCount: 100, maxBytes: 10_000, maxAgeMs: 1000 }, now);
    box.push(message('old'), settle('old'));
    clock = 600;
    box.push(message('new'), settle('new'));
    clock = 1000;
    assert.equal(box.expire(), 1);
    assert.deepEqual(settled, ['old outbox-expired']);
    assert.equal(box.size, 1);
  });

  it('refuses everything on a fatal failure and counts the already-sent ones nobody waits for', () => {
    const box = new Outbox({ maxCount: 100, maxBytes: 10_000, maxAgeMs: 1000 }, now);
    box.push(message('1'), settle('1'));
    box.requeue([box.resendEntry(message('0'))]);
    assert.equal(box.rejectAll(new XmppError('not-authorized')), 1);
    assert.deepEqual(settled, ['1 not-authorized']);
    assert.equal(box.size, 0);
  });
});
