import { strict as assert } from 'node:assert';
import { bareOf, defaultResource, formatJid, parseJid, sameBare } from '../../nodes/core/jid';
import { XmppError } from '../../nodes/core/errors';
import { english } from './english';

describe('JIDs', () => {
  it('parses user@domain/resource and lowercases local part and domain, not the resource', () => {
    assert.deepEqual(parseJid('Alice@Example.ORG/Phone'), { local: 'alice', domain: 'example.org', resource: 'Phone' });
    assert.equal(formatJid(parseJid(' bob@example.org ')), 'bob@example.org');
  });

  it('keeps slashes and "@" inside the resource', () => {
    assert.deepEqual(parseJid('a@b.c/x/y@z'), { local: 'a', domain: 'b.c', resource: 'x/y@z' });
  });

  it('accepts a server JID and drops a trailing dot of the domain', () => {
    assert.deepEqual(parseJid('example.org.'), { local: '', domain: 'example.org', resource: '' });
  });

  const bad: Array<[unknown, RegExp]> = [
    ['', /empty/],
    ['   ', /empty/],
    ['@example.org', /empty local part/],
    ['a@', /no domain/],
    ['a@example.org/', /empty resource/],
    ['a b@example.org', /forbidden character/],
    ['a"b@example.org', /forbidden character/],
    ['a@exa mple.org', /forbidden character/],
    ['a@example..org', /label/],
    [`${'x'.repeat(1024)}@example.org`, /longer than 1023 bytes/],
    [`a@example.org/${'r'.repeat(1024)}`, /longer than 1023 bytes/],
    ['a@example.org/\u0007', /control character/],
    [undefined, /not text/],
    [null, /not text but null/],
    [42, /not text but number/],
  ];
  for (const [input, why] of bad) {
    it(`refuses ${JSON.stringify(input)?.slice(0, 30)} naming the problem`, () => {
      assert.throws(() => parseJid(input), (error: unknown) => error instanceof XmppError && error.code === 'invalid-jid' && why.test(english(error)));
    });
  }

  it('compares bare JIDs whatever the resource and case', () => {
    assert.equal(sameBare('Alice@example.org/a', 'alice@EXAMPLE.org/b'), true);
    assert.equal(sameBare('alice@example.org', 'bob@example.org'), false);
    assert.equal(bareOf('not a jid@@'), 'not a jid@@');
  });

  it('picks a different default resource each time', () => {
    const a = defaultResource();
    const b = defaultResource();
    assert.match(a, /^node-red-[0-9a-f]{8}$/);
    assert.notEqual(a, b);
  });
});
