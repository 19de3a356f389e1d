import { strict as assert } from 'node:assert';
import { XmppError } from '../../nodes/core/errors';
import { buildCall, buildOutcome, callerAllowed, readCall, readOutcome, RpcServer } from '../../nodes/core/jabber-rpc';
import type { Session } from '../../nodes/core/session';
import { decodeValue, encodeParams, encodeValue, formatDateTime, parseDateTime, type RpcValue } from '../../nodes/core/xmlrpc';
import { loadXmpp, type XmlElement, type XmppLib } from '../../nodes/core/xmpp-lib';

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

  it('lets callers in by bare JID or domain', () => {
    assert.equal(callerAllowed('alice@example.org/phone', []), true);
    assert.equal(callerAllowed('alice@example.org/phone', ['alice@example.org']), true);
    assert.equal(callerAllowed('bob@example.org/x', ['example.org']), true);
    assert.equal(callerAllowed('eve@evil.example/x', ['alice@example.org', 'example.org']), false);
  });
});

describe('the RPC server', () => {
  let lib: XmppLib;
  before(async () => {
    lib = await loadXmpp();
  });

  /** Attaches a server to a stand-in session and returns what it answers to a call. */
  async function answer(server: RpcServer, from: string, method: string, params: unknown[]): Promise<string> {
    let handler: ((stanza: XmlElement, child: XmlElement) => Promise<unknown>) | undefined;
    const session = { xml: lib.xml, handleIq: (_t: string, _ns: string, _n: string, h: typeof handler) => ((handler = h), () => undefined) };
    server.attach(session as unknown as Session);
    const query = buildCall(lib.xml, { method, params });
    const stanza = lib.xml('iq', { type: 'set', from, id: 'x' }, query);
    const reply = (await handler!(stanza, query)) as XmlElement;
    return reply.toString();
  }

  it('answers allowed callers, refuses others with forbidden, and unknown methods with a fault', async () => {
    const server = new RpcServer();
    server.serve(['echo'], ['example.org'], async (call) => ({ result: call.params[0] ?? null }));
    assert.match(await answer(server, 'a@example.org/r', 'echo', ['hi']), /<string>hi<\/string>/);
    assert.match(await answer(server, 'eve@evil.example/r', 'echo', ['hi']), /<error type="auth"><forbidden/);
    assert.match(await answer(server, 'a@example.org/r', 'exec', []), /faultCode.*-32601/s);
  });

  it('answers with the serving node\'s codec: with nil off, a null result is a fault, not a <nil/>', async () => {
    const server = new RpcServer();
    server.serve(['nothing'], [], async () => ({ result: null }), { nil: false });
    const reply = await answer(server, 'a@example.org/r', 'nothing', []);
    assert.doesNotMatch(reply, /<nil\/>/);
    assert.match(reply, /<fault>.*-32603.*nil extension is off/s);
  });
});
