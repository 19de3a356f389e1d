// Jabber-RPC (XEP-0009) from a flow, against slixmpp's own XEP-0009 plugin: slixmpp calls methods
// the flow serves (the flow computes the answers with Function nodes; nothing is evaluated), the
// flow calls methods slixmpp serves, values survive both ways, faults, IQ errors and timeouts
// reach the flow, answers go to their own calls, and raw IQ requests reach anything else.
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import { eventually } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { configNode, deploy, functionNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';
import { SlixRpc, type SlixValue } from '../rig/slix-rpc';

const BOT = 'rpcbot@localhost/home';
const CALLER = 'caller@localhost/desk';
const DISCO_INFO = 'http://jabber.org/protocol/disco#info';

type Caught = { message: string; code?: string };
type Msg = NodeMessage & { tag?: string; error?: Caught; fault?: { faultCode: number; faultString: string }; xml?: string; stanza?: string };
type Outcome = { output: 'result' | 'fault'; msg: Msg } | { output: 'error'; msg: Msg };

/** The flow's methods: a plain switch on the method name; params are data. */
const METHODS = `
const p = msg.payload;
switch (msg.method) {
  case 'rot13':
    msg.payload = String(p[0]).replace(/[a-z]/gi, (c) => {
      const base = c <= 'Z' ? 65 : 97;
      return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
    });
    break;
  case 'sum':
    if (!p.every((n) => Number.isInteger(n))) {
      msg.fault = { faultCode: 3, faultString: 'sum takes integers' };
      break;
    }
    msg.payload = p.reduce((a, b) => a + b, 0);
    break;
  case 'describe':
    msg.payload = { name: p[0].name, greeting: 'Hello, ' + p[0].name, tags: p[0].tags.length, caller: msg.from.split('/')[0] };
    break;
  default:
    msg.payload = p.length === 1 ? p[0] : p;
}
return msg;`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

describe('iq-rpc', function () {
  this.timeout(30_000);
  let prosody: Prosody;
  let slix: SlixRpc;
  let tags = 0;
  const waiting = new Map<string, (outcome: Outcome) => void>();
  /** Calls the flow was asked to answer (what came out of the serve nodes). */
  const served: Msg[] = [];

  const call = (id: string, extra: Record<string, unknown> = {}): FlowNode => ({
    id,
    type: 'iq-rpc',
    z: 'f1',
    server: 'cfg',
    mode: 'call',
    to: '',
    method: '',
    timeout: '10',
    faultOutput: false,
    nil: true,
    wires: [['results']],
    ...extra,
  });
  const serve = (id: string, methods: string, extra: Record<string, unknown> = {}): FlowNode => ({
    id,
    type: 'iq-rpc',
    z: 'f1',
    server: 'cfg',
    mode: 'serve',
    methods,
    callers: '',
    timeout: '5',
    wires: [['methods', 'served']],
    ...extra,
  });

  function flow(withServers = true): FlowNode[] {
    return [
      { id: 'f1', type: 'tab', label: 'rpc' },
      configNode('cfg', BOT, prosody.port),
      configNode('cfg2', CALLER, prosody.port),
      call('rpc'),
      call('rpcFaults', { faultOutput: true, wires: [['results'], ['faults']] }),
      call('rpcOther', { server: 'cfg2' }),
      { id: 'rawIq', type: 'iq-rpc', z: 'f1', server: 'cfg2', mode: 'raw', to: '', iqType: 'get', xml: "<query xmlns='jabber:iq:version'/>", timeout: '5', wires: [['results']] },
      ...(withServers
        ? [
            // Anyone may call these (chosen explicitly: an empty list lets nobody in); up to 100 calls
            // of one caller may wait, for the test that makes 100 concurrent calls.
            serve('srv', 'rot13, sum, describe, echo', { access: 'anyone', maxPerCaller: 100 }),
            serve('srvSecret', 'secret', { callers: 'boss@localhost, example.org' }),
            serve('srvMute', 'ignored', { access: 'anyone', timeout: '1', wires: [['served']] }),
            { id: 'methods', type: 'function', z: 'f1', func: METHODS, outputs: 1, wires: [['replier']] },
            { id: 'replier', type: 'iq-rpc', z: 'f1', server: 'cfg', mode: 'reply', wires: [] },
            { id: 'served', type: 'helper', z: 'f1' },
          ]
        : []),
      { id: 'results', type: 'helper', z: 'f1' },
      { id: 'faults', type: 'helper', z: 'f1' },
      { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'f1' },
    ];
  }

  function listen(): void {
    const settle = (output: Outcome['output']) => (msg: Msg) => {
      const resolve = waiting.get(msg.tag ?? '');
      if (!resolve) return;
      waiting.delete(msg.tag ?? '');
      resolve({ output, msg } as Outcome);
    };
    getNode('results').on('input', settle('result'));
    getNode('faults').on('input', settle('fault'));
    getNode('caught').on('input', settle('error'));
    helper.getNode('served')?.on('input', (msg: Msg) => served.push(msg));
  }

  /** Sends a msg into a node and resolves with what came out of it (result, fault output or error). */
  function send(nodeId: string, fields: Record<string, unknown>, timeoutMs = 20_000): Promise<Outcome> {
    tags += 1;
    const tag = `c${tags}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(tag);
        reject(new Error(`nothing came out of ${nodeId} for ${JSON.stringify(fields)}`));
      }, timeoutMs);
      waiting.set(tag, (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      });
      getNode(nodeId).receive({ ...fields, tag } as unknown as NodeMessage);
    });
  }

  async function result(nodeId: string, fields: Record<string, unknown>): Promise<unknown> {
    const outcome = await send(nodeId, fields);
    assert.equal(outcome.output, 'result', `a result, not ${JSON.stringify(outcome.msg.error ?? outcome.msg.payload)}`);
    return outcome.msg.payload;
  }

  async function refusal(nodeId: string, fields: Record<string, unknown>): Promise<Msg & { error: Caught }> {
    const outcome = await send(nodeId, fields);
    assert.equal(outcome.output, 'error', `an error, not ${JSON.stringify(outcome.msg.payload)}`);
    return outcome.msg as Msg & { error: Caught };
  }

  before(async function () {
    this.timeout(60_000);
    await startServer();
    prosody = await Prosody.start({ iterations: 100 });
    await prosody.register('rpcbot', 'bot-pw');
    await prosody.register('caller', 'caller-pw');
    const slixJid = await prosody.register('slixrpc', 'slix-pw');
    [slix] = await Promise.all([SlixRpc.start(slixJid, 'slix-pw', prosody.port), helper.load([...nodes, functionNode], flow(), { cfg: { password: 'bot-pw' }, cfg2: { password: 'caller-pw' } })]);
    listen();
    await eventually(() => [lastStatus('rpc'), lastStatus('rawIq')], (s) => s.every((status) => status?.fill === 'green'), 15_000, 'both connections online');
  });

  after(async () => {
    await slix?.stop();
    await helper.unload();
    await prosody?.stop();
    await stopServer();
  });

  describe('slixmpp calls the flow', () => {
    it('gets Rot13 computed by a Function node', async () => {
      const answer = await slix.call(BOT, 'rot13', ['There was a young lady of Nantes']);
      assert.deepEqual(answer, { event: 'result', tag: answer.tag, value: 'Gurer jnf n lbhat ynql bs Anagrf' });
      const msg = served.find((m) => (m as Record<string, unknown>).method === 'rot13') as Msg & { method: string; from: string; _rpc: { id: string } };
      assert.deepEqual(msg.payload, ['There was a young lady of Nantes']);
      assert.equal(msg.from, slix.jid);
      assert.equal(typeof msg._rpc.id, 'string');
    });

    it('gets a sum of ints, and the fault the flow gives for anything else', async () => {
      const sum = await slix.call(BOT, 'sum', [1, 2, 3, 2147483000, -7]);
      assert.equal(sum.event === 'result' && sum.value, 2147482999);
      const fault = await slix.call(BOT, 'sum', [1, 'two']);
      assert.deepEqual(fault, { event: 'fault', tag: fault.tag, code: 3, string: 'sum takes integers' });
    });

    it('gets a struct back for a struct', async () => {
      const answer = await slix.call(BOT, 'describe', [{ name: 'Nantes', tags: ['young', 'lady'] }]);
      assert.equal(answer.event, 'result');
      assert.deepEqual(answer.event === 'result' && answer.value, { name: 'Nantes', greeting: 'Hello, Nantes', tags: 2, caller: 'slixrpc@localhost' });
    });

    it('gets fault -32601 for a method not on the list', async () => {
      const answer = await slix.call(BOT, 'os.system', ['rm -rf /']);
      assert.equal(answer.event, 'fault');
      assert.equal(answer.event === 'fault' && answer.code, -32601);
      assert.ok(!served.some((m) => (m as Record<string, unknown>).method === 'os.system'), 'the flow never saw it');
    });

    it('gets forbidden for a method its JID may not call', async () => {
      const answer = await slix.call(BOT, 'secret', []);
      assert.deepEqual(answer, { event: 'error', tag: answer.tag, condition: 'forbidden' });
      assert.ok(!served.some((m) => (m as Record<string, unknown>).method === 'secret'), 'the flow never saw it');
    });

    it('gets fault -32000 when the flow never replies', async () => {
      const started = Date.now();
      const answer = await slix.call(BOT, 'ignored', ['hello?']);
      assert.equal(answer.event, 'fault');
      assert.equal(answer.event === 'fault' && answer.code, -32000);
      assert.match(answer.event === 'fault' ? answer.string : '', /no reply from the flow/);
      assert.ok(Date.now() - started >= 900, 'after the 1 s timeout');
      assert.ok(served.some((m) => (m as Record<string, unknown>).method === 'ignored'), 'the flow got the call');
    });

    it('times out itself when the flow calls slixmpp back never', async () => {
      // The other way round: slixmpp waits for an answer from a JID that never gives one.
      const answer = await slix.call(`${BOT.split('/')[0]}/nobody`, 'echo', ['x'], 2);
      assert.equal(answer.event, 'error');
      assert.ok(answer.event === 'error' && ['service-unavailable', 'timeout'].includes(answer.condition), JSON.stringify(answer));
    });
  });

  describe('the flow calls slixmpp', () => {
    const matrix = [
      0,
      -2147483648,
      2147483647,
      true,
      false,
      'plain',
      'Grüße, 世界 🎉 <&> "quoted"',
      3.25,
      -0.5,
      1e-7,
      new Date('2026-11-21T13:14:15Z'),
      Buffer.from([0, 1, 2, 254, 255]),
      { name: 'struct', n: 7, ok: true },
      [1, 'two', 3.5],
      { deep: [{ list: [[1, 2], { when: new Date('1999-12-31T23:59:59Z'), bytes: Buffer.from('hi') }] }] },
    ];

    it('gets every kind of value back as sent (echo)', async () => {
      assert.deepEqual(await result('rpc', { to: slix.jid, method: 'echo', payload: [matrix] }), matrix);
      assert.deepEqual(await result('rpc', { to: slix.jid, method: 'echo', payload: 'one value' }), 'one value');
    });

    it('sends every kind of value to slixmpp and gets it back (slixmpp calls the flow)', async () => {
      const sent: SlixValue[] = [7, true, 'Grüße 🎉', 3.25, { $date: '20261121T13:14:15' }, { $b64: Buffer.from([0, 1, 2, 254, 255]).toString('base64') }, { a: [1, { b: 'c' }] }];
      const answer = await slix.call(BOT, 'echo', [sent]);
      assert.deepEqual(answer.event === 'result' && answer.value, sent);
    });

    it('fails the msg with faultCode and faultString for a fault', async () => {
      const msg = await refusal('rpc', { to: slix.jid, method: 'fail' });
      assert.equal(msg.error.code, 'rpc-fault');
      assert.deepEqual(msg.fault, { faultCode: 42, faultString: 'the answer is a fault' });
      const error = getNode('rpc')
        .error.getCalls()
        .map((c) => c.args[0] as Error & { faultCode?: number; faultString?: string })
        .at(-1);
      assert.equal(error?.faultCode, 42);
      assert.equal(error?.faultString, 'the answer is a fault');
    });

    it('sends a fault to output 2 when asked to, without an error', async () => {
      const outcome = await send('rpcFaults', { to: slix.jid, method: 'fail' });
      assert.equal(outcome.output, 'fault');
      assert.deepEqual(outcome.msg.payload, { faultCode: 42, faultString: 'the answer is a fault' });
      assert.equal((await send('rpcFaults', { to: slix.jid, method: 'echo', payload: [5] })).output, 'result');
    });

    it("reports slixmpp's fault for an unknown method", async () => {
      const msg = await refusal('rpc', { to: slix.jid, method: 'nope' });
      assert.equal(msg.error.code, 'rpc-fault');
      assert.equal(msg.fault?.faultCode, -32601);
    });

    it('fails with the condition for IQ errors, and times out', async () => {
      const offline = await refusal('rpc', { to: 'slixrpc@localhost/gone', method: 'echo', payload: [1] });
      assert.equal(offline.error.code, 'service-unavailable');
      const silent = await refusal('rpc', { to: slix.jid, method: 'silent', timeout: 1 });
      assert.equal(silent.error.code, 'timeout');
      const bare = await refusal('rpc', { to: 'slixrpc@localhost', method: 'echo' });
      assert.equal(bare.error.code, 'bare-jid');
      const tooBig = await refusal('rpc', { to: slix.jid, method: 'echo', payload: [2 ** 40] });
      assert.equal(tooBig.error.code, 'invalid-payload');
    });

    it('takes the answer from the JID called, not a forged one with the same id', async () => {
      assert.equal(await result('rpc', { to: slix.jid, method: 'forged' }), 'real');
      const forged = await slix.waitFor((e) => e.event === 'forged', 1_000, 'the forged answer');
      assert.equal(forged.event === 'forged' && forged.from, BOT);
    });

    it('matches 100 concurrent calls to their own answers', async () => {
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => result('rpc', { to: slix.jid, method: 'echo', payload: [{ i, text: `call ${i}` }] })));
      answers.forEach((answer, i) => assert.deepEqual(answer, { i, text: `call ${i}` }));
      const own = await Promise.all(Array.from({ length: 100 }, (_, i) => result('rpcOther', { to: BOT, method: 'sum', payload: [i, 1000] })));
      own.forEach((answer, i) => assert.equal(answer, i + 1000));
    });

    it('measures the call round trip', async () => {
      const timed = async (nodeId: string, fields: Record<string, unknown>): Promise<number> => {
        const times: number[] = [];
        for (let i = 0; i < 100; i++) {
          const started = process.hrtime.bigint();
          await result(nodeId, fields);
          times.push(Number(process.hrtime.bigint() - started) / 1e6);
        }
        return median(times);
      };
      const toSlix = await timed('rpc', { to: slix.jid, method: 'echo', payload: [1] });
      const toFlow = await timed('rpcOther', { to: BOT, method: 'echo', payload: [1] });
      // For comparison: an IQ the XMPP server answers itself (software version, raw mode).
      const toProsody = await timed('rawIq', {});
      console.log(
        `      round trip, median of 100 sequential calls: slixmpp server ${toSlix.toFixed(2)} ms, our own server (a Function node) ${toFlow.toFixed(2)} ms; raw version query to Prosody ${toProsody.toFixed(2)} ms`,
      );
      assert.ok(toSlix < 1000 && toFlow < 1000);
    });
  });

  describe('raw IQ', () => {
    it("asks the server for its software version (the node's child element)", async () => {
      const outcome = await send('rawIq', {});
      assert.equal(outcome.output, 'result');
      const payload = outcome.msg.payload as { name: string; attrs: Record<string, string>; children: { name: string; text: string }[] };
      assert.equal(payload.name, 'query');
      assert.equal(payload.attrs.xmlns, 'jabber:iq:version');
      assert.equal(payload.children.find((c) => c.name === 'name')?.text, 'Prosody');
      assert.match(outcome.msg.xml ?? '', /^<query xmlns="jabber:iq:version">.*<name>Prosody<\/name>/);
      assert.match(outcome.msg.stanza ?? '', /^<iq [^>]*type="result"/);
    });

    it('asks for disco#info with XML text and with {name, xmlns}', async () => {
      const asText = await send('rawIq', { payload: `<query xmlns='${DISCO_INFO}'/>` });
      const asObject = await send('rawIq', { payload: { name: 'query', xmlns: DISCO_INFO } });
      for (const outcome of [asText, asObject]) {
        const payload = outcome.msg.payload as { children: { name: string; attrs: Record<string, string> }[] };
        assert.ok(payload.children.some((c) => c.name === 'identity' && c.attrs.category === 'server'), JSON.stringify(payload));
        assert.ok(payload.children.some((c) => c.name === 'feature' && c.attrs.var === DISCO_INFO));
        assert.match(outcome.msg.xml ?? '', /<identity [^>]*category="server"/);
      }
    });

    it('reports an error condition and bad input', async () => {
      const refused = await refusal('rawIq', { payload: "<query xmlns='urn:example:nothing'/>", iqType: 'set' });
      assert.equal(refused.error.code, 'service-unavailable');
      assert.equal((await refusal('rawIq', { payload: '<query/>' })).error.code, 'invalid-payload');
    });
  });

  describe('service discovery', () => {
    const ourInfo = async (): Promise<{ features: string[]; identities: string[] }> => {
      const outcome = await send('rawIq', { to: BOT, payload: { name: 'query', xmlns: DISCO_INFO } });
      assert.equal(outcome.output, 'result', JSON.stringify(outcome.msg.error));
      const children = (outcome.msg.payload as { children: { name: string; attrs: Record<string, string> }[] }).children;
      return {
        features: children.filter((c) => c.name === 'feature').map((c) => c.attrs.var ?? ''),
        identities: children.filter((c) => c.name === 'identity').map((c) => `${c.attrs.category}/${c.attrs.type}`),
      };
    };

    it('announces jabber:iq:rpc and automation/rpc only while a serve node is deployed', async () => {
      const serving = await ourInfo();
      assert.ok(serving.features.includes('jabber:iq:rpc'), JSON.stringify(serving));
      assert.ok(serving.identities.includes('automation/rpc'), JSON.stringify(serving));
      await deploy(flow(false), 'nodes', { cfg: { password: 'bot-pw' }, cfg2: { password: 'caller-pw' } });
      listen();
      await eventually(() => lastStatus('rawIq'), (s) => s?.fill === 'green', 15_000, 'the caller online');
      const idle = await ourInfo();
      assert.ok(!idle.features.includes('jabber:iq:rpc'), JSON.stringify(idle));
      assert.ok(!idle.identities.includes('automation/rpc'), JSON.stringify(idle));
      const answer = await slix.call(BOT, 'rot13', ['x']);
      assert.ok(answer.event === 'fault' && answer.code === -32601, JSON.stringify(answer));
    });
  });
});
