import { strict as assert } from 'node:assert';
import { SentMessages } from '../../nodes/core/messages/sent-messages';

describe('the messages we sent (for bounces)', () => {
  it('makes ids that differ, and knows a bounce only from the recipient or its server', () => {
    const sent = new SentMessages();
    const a = sent.idFor('al@example.org/phone');
    const b = sent.idFor('bo@example.net');
    assert.notEqual(a, b);
    assert.equal(sent.bounceOf(a, 'mallory@evil.example'), undefined);
    assert.deepEqual(sent.bounceOf(a, 'al@example.org'), { to: 'al@example.org/phone', id: a });
    assert.equal(sent.bounceOf(a, 'al@example.org'), undefined, 'a bounce counts once');
    assert.deepEqual(sent.bounceOf(b, 'example.net'), { to: 'bo@example.net', id: b });
  });

  it('remembers the latest 2000 and forgets the older ones, oldest first', () => {
    const sent = new SentMessages();
    const ids = Array.from({ length: 5000 }, (_, i) => sent.idFor(`u${i}@example.org`));
    assert.equal(sent.bounceOf(ids[2999], 'u2999@example.org'), undefined, 'the 2001st newest is forgotten');
    assert.deepEqual(sent.bounceOf(ids[3000], 'u3000@example.org'), { to: 'u3000@example.org', id: ids[3000] });
    assert.deepEqual(sent.bounceOf(ids[4999], 'u4999@example.org'), { to: 'u4999@example.org', id: ids[4999] });
    assert.equal(sent.bounceOf(ids[0], 'u0@example.org'), undefined);
  });
});
