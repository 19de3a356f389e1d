// disco-query msgs: what a msg asks, and the flow's answers read back for the asker.
import { strict as assert } from 'node:assert';
import { DiscoMsgError, queryPayload, readAnswer, readQuery, replyIdOf, timeoutOf } from '../../nodes/lib/disco-msg';
import { XmppError } from '../../nodes/core/errors';
import { english } from './english';

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

    it('refuses text XML cannot carry anywhere in an answer, naming the place and the character', () => {
      const identity = { category: 'automation', type: 'hub' };
      const refused = (kind: 'info' | 'items', payload: unknown): string => {
        try {
          readAnswer(kind, payload);
          return 'accepted';
        } catch (error) {
          return `${(error as DiscoMsgError).code} ${english(error)}`;
        }
      };
      assert.match(refused('info', { identities: [{ ...identity, name: 'a\uFFFE' }] }), /^invalid-answer identities\[0\]\.name has U\+FFFE at position 1/);
      assert.match(refused('info', { identities: [{ category: 'auto\u0001', type: 'hub' }] }), /identities\[0\]\.category has U\+0001/);
      assert.match(refused('info', { identities: [{ category: 'a', type: 'h\u000B' }] }), /identities\[0\]\.type has U\+000B/);
      assert.match(refused('info', { identities: [{ ...identity, lang: 'e\u0000n' }] }), /identities\[0\]\.lang has U\+0000/);
      assert.match(refused('info', { identities: [identity], features: ['urn:ok', 'urn:\uFFFF'] }), /features\[1\] has U\+FFFF/);
      assert.match(refused('info', { identities: [identity], forms: [{ formType: 'urn:\uD800x', fields: {} }] }), /forms\[0\]\.formType has U\+D800/);
      assert.match(refused('info', { identities: [identity], forms: [{ fields: { ['na\u0002me']: 'v' } }] }), /forms\[0\]\.fields has U\+0002/);
      assert.match(refused('info', { identities: [identity], forms: [{ fields: { name: ['ok', 'v\u001F'] } }] }), /forms\[0\]\.fields\[1\] has U\+001F/);
      assert.match(refused('items', [{ jid: 'a@example.org/r\uFFFE' }]), /items\[0\]\.jid has U\+FFFE/);
      assert.match(refused('items', [{ jid: 'a@example.org', name: 'x\uDC00' }]), /items\[0\]\.name has U\+DC00/);
      assert.match(refused('items', [{ jid: 'a@example.org', node: 'n\u0008' }]), /items\[0\]\.node has U\+0008/);
      assert.equal(refused('info', { identities: [{ ...identity, name: 'Grüße 😀 \t\n' }] }), 'accepted', 'tab, newline and surrogate pairs are fine');
    });
  });
});
