// disco-query msgs: what a msg asks, and the flow's answers read back for the asker.
import { strict as assert } from 'node:assert';
import { DiscoMsgError, queryPayload, readAnswer, readQuery, replyIdOf, timeoutOf } from '../../nodes/lib/disco-msg';
import { XmppError } from '../../nodes/core/errors';

const fields = { to: 'example.org', query: 'info', node: '', depth: '1', timeout: '10' };

function code(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof DiscoMsgError || error instanceof XmppError) return error.code;
    throw error;
  }
  return undefined;
}

describe('disco msgs', () => {
  describe('reading a query', () => {
    it("takes the node's fields when the msg has none", () => {
      assert.deepEqual(readQuery({}, fields), { kind: 'info', to: 'example.org', node: undefined, depth: 1, timeoutMs: 10_000 });
      assert.deepEqual(readQuery({}, { to: 'Alice@Example.org/Phone', query: 'walk', node: ' books ', depth: 3, timeout: '2.5' }), {
        kind: 'walk',
        to: 'alice@example.org/Phone',
        node: 'books',
        depth: 3,
        timeoutMs: 2_500,
      });
    });

    it('lets msg.to, msg.query, msg.node, msg.depth and msg.timeout override them', () => {
      assert.deepEqual(readQuery({ to: 'bob@example.org', query: 'items', node: 'music', depth: 2, timeout: 1 }, fields), {
        kind: 'items',
        to: 'bob@example.org',
        node: 'music',
        depth: 2,
        timeoutMs: 1_000,
      });
      assert.equal(readQuery({ query: 'version' }, fields).kind, 'version');
      assert.equal(readQuery({ timeout: '0.5' }, fields).timeoutMs, 500);
    });

    it('falls back to 10 s, depth 1 and info when the fields are empty or nonsense', () => {
      assert.deepEqual(readQuery({}, { to: 'example.org', query: '', node: '', depth: 'x', timeout: '' }), {
        kind: 'info',
        to: 'example.org',
        node: undefined,
        depth: 1,
        timeoutMs: 10_000,
      });
      assert.equal(timeoutOf(undefined, 0), 10_000);
    });

    it('refuses what it cannot ask, naming why', () => {
      assert.equal(code(() => readQuery({}, { ...fields, to: ' ' })), 'no-target');
      assert.equal(code(() => readQuery({ query: 'all' }, fields)), 'invalid-query');
      assert.equal(code(() => readQuery({ query: 7 }, fields)), 'invalid-query');
      assert.equal(code(() => readQuery({ to: 'a@@b' }, fields)), 'invalid-jid');
      assert.equal(code(() => readQuery({ to: 42 }, fields)), 'invalid-jid');
      assert.equal(code(() => readQuery({ node: { a: 1 } }, fields)), 'invalid-node');
      assert.equal(code(() => readQuery({ depth: 0 }, fields)), 'invalid-depth');
      assert.equal(code(() => readQuery({ depth: 1.5 }, fields)), 'invalid-depth');
      assert.equal(code(() => readQuery({ depth: 6 }, fields)), 'invalid-depth');
      assert.equal(code(() => readQuery({ timeout: 'soon' }, fields)), 'invalid-timeout');
      assert.equal(code(() => readQuery({ timeout: -2 }, fields)), 'invalid-timeout');
    });

    it('puts items in { items } and the rest as it is', () => {
      assert.deepEqual(queryPayload('items', [{ jid: 'a' }]), { items: [{ jid: 'a' }] });
      assert.deepEqual(queryPayload('walk', []), { items: [] });
      assert.deepEqual(queryPayload('version', { name: 'x', version: '1' }), { name: 'x', version: '1' });
    });
  });

  describe("reading the flow's answer", () => {
    it('finds the reply handle in msg._disco or msg.xmpp', () => {
      assert.equal(replyIdOf({ _disco: { reply: 'r1' } }), 'r1');
      assert.equal(replyIdOf({ xmpp: { reply: 'r2' } }), 'r2');
      assert.equal(replyIdOf({ xmpp: { reply: '' }, _disco: 'x' }), undefined);
      assert.equal(replyIdOf({}), undefined);
    });

    it('reads info with identities, features and forms', () => {
      assert.deepEqual(
        readAnswer('info', {
          identities: [{ category: 'automation', type: 'hub', name: 'Hub', lang: 'en' }, { category: 'x', type: 'y', name: '' }],
          features: ['urn:a'],
          forms: [{ formType: 'urn:f', fields: { one: 'v', two: ['a', 'b'] } }],
        }),
        {
          identities: [
            { category: 'automation', type: 'hub', name: 'Hub', lang: 'en' },
            { category: 'x', type: 'y', name: undefined, lang: undefined },
          ],
          features: ['urn:a'],
          forms: [{ type: 'result', formType: 'urn:f', fields: { one: ['v'], two: ['a', 'b'] } }],
        },
      );
    });

    it('reads items from { items } or a plain list, normalising JIDs', () => {
      const expected = [{ jid: 'bob@example.org/Desk', name: 'Bob', node: undefined }];
      assert.deepEqual(readAnswer('items', { items: [{ jid: 'Bob@Example.org/Desk', name: 'Bob' }] }), expected);
      assert.deepEqual(readAnswer('items', [{ jid: 'bob@example.org/Desk', name: 'Bob', node: '' }]), expected);
      assert.deepEqual(readAnswer('items', {}), []);
    });

    it('takes null, undefined and false for item-not-found', () => {
      for (const payload of [null, undefined, false]) {
        assert.equal(readAnswer('info', payload), undefined);
        assert.equal(readAnswer('items', payload), undefined);
      }
    });

    it('refuses answers it cannot send', () => {
      assert.equal(code(() => readAnswer('info', { features: ['urn:a'] })), 'invalid-answer', 'no identity');
      assert.equal(code(() => readAnswer('info', { identities: [{ category: 'a' }] })), 'invalid-answer');
      assert.equal(code(() => readAnswer('info', { identities: [{ category: 'a', type: 'b' }], features: 'urn:a' })), 'invalid-answer');
      assert.equal(code(() => readAnswer('info', { identities: [{ category: 'a', type: 'b' }], features: [1] })), 'invalid-answer');
      assert.equal(code(() => readAnswer('info', 'hello')), 'invalid-answer');
      assert.equal(code(() => readAnswer('items', { items: 'x' })), 'invalid-answer');
      assert.equal(code(() => readAnswer('items', [{ name: 'no jid' }])), 'invalid-answer');
      assert.equal(code(() => readAnswer('items', [{ jid: 'a@@b' }])), 'invalid-jid');
    });
  });
});
