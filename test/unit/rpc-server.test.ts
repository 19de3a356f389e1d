// The serving side of Jabber-RPC against a fake port: who is let in (and what a stranger
// can learn), exact method names, the bounds on waiting calls, and results that cannot be sent.
import { strict as assert } from 'node:assert';
import type { CallerAccess } from '../../nodes/core/caller-access';
import type { XmppError } from '../../nodes/core/errors';
import { NS_RPC } from '../../nodes/core/namespaces';
import { RpcServer, type RpcRespond } from '../../nodes/core/rpc/rpc-server';
import { buildCall } from '../../nodes/core/rpc/rpc-stanza';
import type { BurstLine } from '../../nodes/core/burst-log';
import type { Refusal } from '../../nodes/core/pending-limit';
import { loadXmpp, type XmlElement, type XmppLib } from '../../nodes/core/xmpp-lib';
import { FakePort } from './fake-port';
import { english } from './english';

const ANYONE: CallerAccess = { mode: 'anyone', callers: [] };

describe('the RPC server', () => {
  let lib: XmppLib;
  before(async () => {
    lib = await loadXmpp();
  });

  /** The fake port each server was made on. */
  const ports = new WeakMap<RpcServer, FakePort>();

  /** A server on a fake port of its own. */
  function newServer(): RpcServer {
    const port = new FakePort();
    const server = new RpcServer(port);
    ports.set(server, port);
    return server;
  }

  /** `ask` returns what the server answers to one RPC query from `from`. */
  function attached(server: RpcServer, maxStanzaBytes = 256 * 1024): (from: string, query: XmlElement) => Promise<string> {
    const port = ports.get(server) as FakePort;
    port.maxStanzaBytes = maxStanzaBytes;
    let id = 0;
    return async (from, query) => {
      id += 1;
      const stanza = lib.xml('iq', { type: 'set', from, to: 'bot@example.org/rpc', id: `x${id}` }, query);
      const reply = (await port.query(stanza.toString())) as XmlElement;
      return reply.toString();
    };
  }

  function answer(server: RpcServer, from: string, method: string, params: unknown[], maxStanzaBytes?: number): Promise<string> {
    return attached(server, maxStanzaBytes)(from, buildCall(lib.xml, { method, params }));
  }

  const echo = (call: { params: unknown[] }, _from: string, respond: RpcRespond): void => {
    respond({ result: (call.params[0] ?? null) as never });
  };

  it('answers allowed callers, refuses others with forbidden, and unknown methods with a fault', async () => {
    const server = newServer();
    server.serve(['echo'], { mode: 'listed', callers: ['example.org'] }, echo);
    assert.match(await answer(server, 'a@example.org/r', 'echo', ['hi']), /<string>hi<\/string>/);
    assert.match(await answer(server, 'eve@evil.example/r', 'echo', ['hi']), /<error type="auth"><forbidden/);
    assert.match(await answer(server, 'a@example.org/r', 'exec', []), /faultCode.*-32601/s);
  });

  it("answers with the serving node's codec: with nil off, a null result is a fault, not a <nil/>", async () => {
    const server = newServer();
    server.serve(['nothing'], ANYONE, (_call, _from, respond) => respond({ result: null }), { codec: { nil: false } });
    const reply = await answer(server, 'a@example.org/r', 'nothing', []);
    assert.doesNotMatch(reply, /<nil\/>/);
    assert.match(reply, /<fault>.*-32603.*nil extension is off/s);
  });

  it('tells a stranger nothing: forbidden for a listed method, an unlisted one and an unreadable call alike', async () => {
    const server = newServer();
    server.serve(['echo'], { mode: 'listed', callers: ['alice@example.org'] }, echo);
    const ask = attached(server);
    const stranger = 'eve@evil.example/r';
    const listed = await ask(stranger, buildCall(lib.xml, { method: 'echo', params: [] }));
    const unlisted = await ask(stranger, buildCall(lib.xml, { method: 'no.such.method', params: [] }));
    const unreadable = await ask(stranger, lib.xml('query', { xmlns: NS_RPC }, lib.xml('nonsense', {})));
    const forbidden = '<error type="auth"><forbidden xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error>';
    assert.deepEqual([listed, unlisted, unreadable], [forbidden, forbidden, forbidden]);
  });

  it('lets nobody in with an empty list, and anyone only when chosen', async () => {
    const closed = newServer();
    closed.serve(['echo'], { mode: 'listed', callers: [] }, echo);
    assert.match(await answer(closed, 'alice@example.org/r', 'echo', ['hi']), /<forbidden/);
    const open = newServer();
    open.serve(['echo'], ANYONE, echo);
    assert.match(await answer(open, 'alice@example.org/r', 'echo', ['hi']), /<string>hi<\/string>/);
  });

  it('matches method names exactly: " echo ", "echo\\n" and "echo\\u00a0" are not echo', async () => {
    let ran = 0;
    const server = newServer();
    server.serve(['echo'], ANYONE, (call, from, respond) => {
      ran += 1;
      echo(call, from, respond);
    });
    for (const name of [' echo ', 'echo\n', 'echo\u00a0', '\techo', 'Echo']) {
      assert.match(await answer(server, 'a@example.org/r', name, ['x']), /faultCode.*-32601/s, JSON.stringify(name));
    }
    assert.equal(ran, 0);
    assert.match(await answer(server, 'a@example.org/r', 'echo', ['x']), /<string>x<\/string>/);
  });

  it('bounds the calls waiting for an answer per caller and in total: beyond, resource-constraint at once', async () => {
    const refusals: BurstLine<Refusal>[] = [];
    const held: RpcRespond[] = [];
    const server = newServer();
    server.serve(['wait'], ANYONE, (_call, _from, respond) => held.push(respond), { limits: { perCaller: 2, total: 3 }, onRefused: (line) => refusals.push(line) });
    const ask = attached(server);
    const call = (): XmlElement => buildCall(lib.xml, { method: 'wait', params: [] });
    const waiting = [ask('a@x/1', call()), ask('a@x/2', call())];
    const busy = '<error type="wait"><resource-constraint xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error>';
    for (let i = 0; i < 50; i++) assert.equal(await ask('a@x/3', call()), busy);
    waiting.push(ask('b@x/1', call()));
    assert.equal(await ask('c@x/1', call()), busy, 'the total holds across callers');
    assert.equal(held.length, 3, 'only the bounded calls reached the handler');
    assert.equal(refusals.length, 1, 'one line for the burst');
    assert.deepEqual(refusals[0], { kind: 'first', detail: { bound: 'caller', limit: 2, caller: 'a@x' } });
    held[0]!({ result: 'done' });
    assert.match(await waiting[0]!, /<string>done<\/string>/);
    const next = ask('a@x/3', call());
    assert.equal(held.length, 4, 'an answered call makes room');
    for (const respond of held.slice(1)) respond({ result: 1 });
    await Promise.all([...waiting, next]);
  });

  it('refuses a result XML cannot carry: the flow gets the error, the caller fault -32603', async () => {
    const cases: { outcome: Parameters<RpcRespond>[0]; where: RegExp }[] = [
      { outcome: { result: 'bell\u0007' }, where: /U\+0007 at position 4/ },
      { outcome: { result: { ['na\uFFFEme']: 1 } }, where: /member name has U\+FFFE/ },
      { outcome: { result: ['ok', 'lone \uD800 surrogate'] }, where: /U\+D800/ },
      { outcome: { fault: { faultCode: 1, faultString: 'bad\u0000' } }, where: /U\+0000/ },
    ];
    for (const { outcome, where } of cases) {
      let error: XmppError | undefined;
      const server = newServer();
      server.serve(['m'], ANYONE, (_call, _from, respond) => {
        error = respond(outcome);
      });
      const reply = await answer(server, 'a@example.org/r', 'm', []);
      assert.equal(error?.code, 'invalid-payload', JSON.stringify(outcome));
      assert.match(english(error), where);
      assert.match(reply, /<fault>.*-32603.*the result cannot be sent/s);
      assert.ok(!/[\u0000\u0007\uFFFE]|\uD800/.test(reply), 'nothing XML forbids in the answer');
    }
  });

  it('refuses a result over the size limit: the flow gets too-large, the caller a small fault', async () => {
    let error: XmppError | undefined;
    const server = newServer();
    server.serve(['big'], ANYONE, (_call, _from, respond) => {
      error = respond({ result: 'x'.repeat(20_000) });
    });
    const reply = await answer(server, 'a@example.org/r', 'big', [], 16 * 1024);
    assert.equal(error?.code, 'too-large');
    assert.match(reply, /<fault>.*-32603.*the result cannot be sent: \d+ KiB, limit 16 KiB/s);
    assert.ok(reply.length < 1024, `a small answer (${reply.length} bytes)`);
  });

  it('answers once: a second respond does nothing', async () => {
    let second: XmppError | undefined | 'unset' = 'unset';
    const server = newServer();
    server.serve(['twice'], ANYONE, (_call, _from, respond) => {
      respond({ result: 'first' });
      second = respond({ result: 'bell\u0007' });
    });
    assert.match(await answer(server, 'a@example.org/r', 'twice', []), /<string>first<\/string>/);
    assert.equal(second, undefined);
  });

  it('answers fault -32603 when the handler throws, and never repeats a long method name', async () => {
    const server = newServer();
    server.serve(['boom'], ANYONE, () => {
      throw new Error('secret detail');
    });
    const reply = await answer(server, 'a@example.org/r', 'boom', []);
    assert.match(reply, /-32603/);
    assert.doesNotMatch(reply, /secret detail/);
    const long = await answer(server, 'a@example.org/r', 'x'.repeat(100_000), []);
    assert.ok(long.length < 1024, `the -32601 answer does not grow with the request (${long.length} bytes)`);
  });
});
