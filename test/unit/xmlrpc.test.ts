import { strict as assert } from 'node:assert';
import { XmppError } from '../../nodes/core/errors';
import { buildCall, buildOutcome, readCall, readOutcome } from '../../nodes/core/rpc/rpc-stanza';
import { decodeValue, encodeParams, encodeValue, formatDateTime, parseDateTime, type RpcValue } from '../../nodes/core/rpc/xmlrpc';
import { loadXmpp, type XmppLib } from '../../nodes/core/xmpp-lib';

describe('XML-RPC values', () => {
  let lib: XmppLib;
  before(async () => {
    lib = await loadXmpp();
  });
  const roundTrip = (value: unknown): RpcValue => decodeValue(lib.parse(encodeValue(lib.xml, value).toString()));

  const matrix: Array<[string, unknown]> = [
    ['an int', 42],
    ['a negative int', -7],
    ['the largest int32', 2147483647],
    ['the smallest int32', -2147483648],
    ['zero', 0],
    ['a double', 3.25],
    ['a tiny double', 1e-300],
    ['true', true],
    ['false', false],
    ['a string', 'There was a young lady of Nantes'],
    ['an empty string', ''],
    ['unicode and markup', 'Ψ 0.11 — 😀 <b>&amp;</b> "quoted"'],
    ['null (nil)', null],
    ['a buffer', Buffer.from([0, 1, 2, 250, 255])],
    ['an empty buffer', Buffer.alloc(0)],
    ['an empty array', []],
    ['an empty struct', {}],
    ['a nested structure', { a: [1, 'two', { three: [true, null, 3.5] }], b: { c: { d: 'deep' } } }],
    ['a large array', Array.from({ length: 5000 }, (_, i) => i)],
  ];
  for (const [what, value] of matrix) {
    it(`survives a round trip: ${what}`, () => {
      assert.deepEqual(roundTrip(value), value);
    });
  }

  it('sends dates in the strict form and reads them back to the second', () => {
    const date = new Date(Date.UTC(2026, 10, 21, 13, 5, 9, 700));
    assert.equal(formatDateTime(date), '20261121T13:05:09');
    assert.equal((roundTrip(date) as Date).toISOString(), '2026-11-21T13:05:09.000Z');
  });

  it('reads dates leniently: dashes, fractions, zones', () => {
    for (const [text, iso] of [
      ['20261121T13:05:09', '2026-11-21T13:05:09.000Z'],
      ['2026-11-21T13:05:09Z', '2026-11-21T13:05:09.000Z'],
      ['2026-11-21T14:05:09+01:00', '2026-11-21T13:05:09.000Z'],
      ['20261121T130509.250', '2026-11-21T13:05:09.250Z'],
    ]) {
      assert.equal(parseDateTime(text as string).toISOString(), iso, text);
    }
    assert.throws(() => parseDateTime('yesterday'), XmppError);
  });

  it('reads an untyped value as a string, i4 and int alike, booleans as 0/1', () => {
    assert.equal(decodeValue(lib.parse('<value>plain</value>')), 'plain');
    assert.equal(decodeValue(lib.parse('<value><i4>7</i4></value>')), 7);
    assert.equal(decodeValue(lib.parse('<value><int>-3</int></value>')), -3);
    assert.equal(decodeValue(lib.parse('<value><boolean>1</boolean></value>')), true);
  });

  it('refuses what it cannot carry faithfully, by name', () => {
    const refused = (value: unknown): boolean => {
      try {
        encodeValue(lib.xml, value);
        return false;
      } catch (error) {
        return error instanceof XmppError && error.code === 'invalid-payload';
      }
    };
    assert.ok(refused(2147483648), 'an integer beyond 32 bits is an error, not truncated');
    assert.ok(refused(Number.NaN));
    assert.ok(refused('bell\u0007'));
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    assert.ok(refused(circular));
    assert.ok(refused(() => 1));
    assert.throws(() => encodeValue(lib.xml, null, { nil: false }), XmppError);
    assert.throws(() => decodeValue(lib.parse('<value><i4>99999999999</i4></value>')), XmppError);
    assert.throws(() => decodeValue(lib.parse('<value><boolean>maybe</boolean></value>')), XmppError);
    assert.throws(() => decodeValue(lib.parse('<value><mystery>1</mystery></value>')), XmppError);
  });

  it('always writes <params/>, even without parameters', () => {
    assert.equal(encodeParams(lib.xml, []).toString(), '<params/>');
  });

  it('carries calls, results and faults in jabber:iq:rpc queries', () => {
    const call = readCall(lib.parse(buildCall(lib.xml, { method: 'Rot13', params: ['abc', 1] }).toString()));
    assert.deepEqual(call, { method: 'Rot13', params: ['abc', 1] });
    assert.deepEqual(readOutcome(lib.parse(buildOutcome(lib.xml, { result: { sum: 6 } }).toString())), { result: { sum: 6 } });
    assert.deepEqual(readOutcome(lib.parse(buildOutcome(lib.xml, { fault: { faultCode: 4, faultString: 'Too many parameters.' } }).toString())), {
      fault: { faultCode: 4, faultString: 'Too many parameters.' },
    });
  });
});
