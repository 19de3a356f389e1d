// Text in every script survives a network that cuts characters in half. The bot reaches Prosody
// through a relay that cuts its byte stream inside every multi-byte UTF-8 character, both ways;
// the peer talks to Prosody directly (and, unlike stock xmpp.js, decodes across TCP chunks: see
// test/rig/peer.ts). Every message, room message and IQ arrives intact.
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import type { XmlElement } from '../../nodes/core/xmpp-lib';
import { Prosody } from '../rig/prosody';
import { Peer, eventually } from '../rig/peer';
import { configNode, functionNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';
import { SplitRelay } from '../rig/split-relay';

const PASSWORD = 'bot-secret-utf8';
const NS_MUC = 'http://jabber.org/protocol/muc';
const NS_RPC = 'jabber:iq:rpc';
const ALPHABET = ['€', '你', '好', '😀', '🎉', 'é', 'ß', 'ж', 'ा', 'a', ' ', 'Z', '𝄞', '→', 'ñ'];

/** 300 characters of mixed scripts (1- to 4-byte UTF-8), different for every n. */
export function mixed(n: number): string {
  let text = '';
  let x = n * 2654435761;
  for (let i = 0; i < 300; i += 1) {
    x = (x * 1103515245 + 12345) % 2147483648;
    text += ALPHABET[x % ALPHABET.length];
  }
  return `#${n} ${text}`;
}

describe('UTF-8 across cut characters (a relay cuts the bot\'s stream inside every multi-byte character)', function () {
  this.timeout(120_000);
  let prosody: Prosody;
  let relay: SplitRelay;
  let bot: string;
  let alice: Peer;
  let aliceJid: string;

  before(async () => {
    await startServer();
    prosody = await Prosody.start({ iterations: 100, muc: true });
    bot = await prosody.register('bot', PASSWORD);
    aliceJid = await prosody.register('alice', 'alice-pw');
    relay = await SplitRelay.start(prosody.port);
    alice = await Peer.connect({ port: prosody.port, jid: aliceJid, password: 'alice-pw', resource: 'phone' });
  });

  after(async () => {
    await alice?.stop();
    await relay?.stop();
    await prosody?.stop();
    await stopServer();
  });

  afterEach(async () => {
    await helper.unload();
  });

  async function load(flow: FlowNode[]): Promise<void> {
    await helper.load([...nodes, functionNode], [{ id: 'f1', type: 'tab', label: 'utf8' }, configNode('cfg', `${bot}/flows`, relay.port), ...flow], { cfg: { password: PASSWORD } });
    await eventually(() => lastStatus(flow[0]?.id ?? ''), (s) => s?.fill === 'green', 15_000, 'a green status');
  }

  /** Bodies alice received from `from` (bare) matching `pattern`, in order. */
  const bodiesFrom = (from: string, pattern: RegExp): string[] =>
    alice.received.filter((m) => m.name === 'message' && m.attrs.from?.startsWith(from) && pattern.test(m.getChildText('body') ?? '')).map((m) => m.getChildText('body') ?? '');

  it('a plain xmpp.js client behind the same relay corrupts text (the relay really cuts characters)', async () => {
    const control = await Peer.connect({ port: relay.port, jid: bot, password: PASSWORD, resource: 'control', stockDecoding: true });
    try {
      const count = 200;
      for (let i = 0; i < count; i += 1) void alice.send(`${bot}/control`, mixed(i));
      const got = await eventually(() => control.received.filter((m) => m.name === 'message').length, (n) => n >= count, 60_000, 'the control client receiving');
      const bodies = control.received.filter((m) => m.name === 'message').map((m) => m.getChildText('body') ?? '');
      const corrupted = bodies.filter((text, i) => text !== mixed(i)).length;
      console.log(`      stock xmpp.js behind the relay: ${corrupted} of ${got} messages corrupted (${relay.counter.cuts} cuts so far)`);
      // Without this the tests below would prove nothing: the relay does cut characters across reads.
      assert.ok(corrupted > 0, 'the relay cut no character across two reads');
    } finally {
      await control.stop();
    }
  });

  it('5,000 messages of 300 mixed characters reach the flow and come back intact', async () => {
    const count = 5000;
    const echo: FlowNode = { id: 'echo', type: 'function', z: 'f1', func: 'return msg;', outputs: 1, wires: [['out', 'sink']] };
    await load([
      { id: 'in', type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'chat', bodiless: false, wires: [['echo']] },
      echo,
      { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: '', msgType: 'chat', subject: '', wires: [] },
      { id: 'sink', type: 'helper', z: 'f1' },
    ]);
    const seen: string[] = [];
    getNode('sink').on('input', (msg: NodeMessage) => seen.push(String(msg.payload)));
    const cutsBefore = relay.counter.cuts;
    for (let i = 0; i < count; i += 1) void alice.send(`${bot}/flows`, mixed(i));
    await eventually(() => seen.length, (n) => n >= count, 90_000, 'the flow receiving 5,000');
    const echoed = await eventually(() => bodiesFrom(bot, /^#\d+ /), (list) => list.length >= count, 90_000, 'alice receiving 5,000 echoes');
    const badIn = seen.filter((text, i) => text !== mixed(i)).length;
    const first = seen.findIndex((text, i) => text !== mixed(i));
    if (first !== -1) console.log(JSON.stringify([seen[first]?.slice(0, 80), mixed(first).slice(0, 80)]));
    const badBack = echoed.filter((text, i) => text !== mixed(i)).length;
    console.log(`      5,000 messages through the cutting relay (${relay.counter.cuts - cutsBefore} cuts): ${badIn} corrupted into the flow, ${badBack} corrupted back`);
    assert.equal(badIn, 0, 'corrupted on the way into the flow');
    assert.equal(badBack, 0, 'corrupted on the way back');
  });

  it('1,000 room messages both ways arrive intact', async () => {
    const room = 'utf8@conference.localhost';
    await load([
      { id: 'in', type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'any', bodiless: false, room, nick: 'bot', wires: [['sink']] },
      { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: '', msgType: 'groupchat', subject: '', room, nick: 'bot', wires: [] },
      { id: 'sink', type: 'helper', z: 'f1' },
    ]);
    await eventually(() => String(lastStatus('in')?.text ?? ''), (text) => text === 'xmpp-in.status.joined', 15_000, 'the bot in the room');
    const entered = alice.nextPresence((p) => p.attrs.from === `${room}/alice`);
    await alice.sendRaw(alice.xml('presence', { to: `${room}/alice` }, alice.xml('x', { xmlns: NS_MUC }, alice.xml('history', { maxstanzas: '0' }))));
    await entered;
    const seen: string[] = [];
    getNode('sink').on('input', (msg: NodeMessage) => seen.push(String(msg.payload)));
    const count = 1000;
    for (let i = 0; i < count; i += 1) void alice.sendRaw(alice.xml('message', { to: room, type: 'groupchat' }, alice.xml('body', {}, mixed(i))));
    for (let i = 0; i < count; i += 1) getNode('out').receive({ payload: mixed(count + i) } as NodeMessage);
    await eventually(() => seen.length, (n) => n >= count, 60_000, 'the flow receiving the room messages');
    const fromBot = await eventually(() => bodiesFrom(`${room}/bot`, /^#\d+ /), (list) => list.length >= count, 60_000, 'alice receiving the bot in the room');
    const firstBad = fromBot.findIndex((text, i) => text !== mixed(count + i));
    if (firstBad !== -1) console.log(`      first difference at ${firstBad} of ${fromBot.length}: got ${JSON.stringify(fromBot[firstBad]?.slice(0, 40))}, expected ${JSON.stringify(mixed(count + firstBad).slice(0, 40))}`);
    assert.equal(seen.filter((text, i) => text !== mixed(i)).length, 0, 'room messages corrupted into the flow');
    assert.equal(fromBot.filter((text, i) => text !== mixed(count + i)).length, 0, 'room messages corrupted from the bot');
    await alice.sendRaw(alice.xml('presence', { to: `${room}/alice`, type: 'unavailable' }));
  });

  it('500 RPC calls with mixed text both ways (IQ set in, IQ result out) arrive intact', async () => {
    await load([
      // All 500 calls may wait at once (the bounds default to 10 per caller): this test is about the text.
      { id: 'rpc-server', type: 'iq-rpc', z: 'f1', server: 'cfg', mode: 'serve', methods: 'echo', callers: aliceJid, access: 'listed', maxPerCaller: 500, maxPending: 500, timeout: '10', wires: [['first']] },
      { id: 'first', type: 'function', z: 'f1', func: 'msg.payload = msg.payload[0]; return msg;', outputs: 1, wires: [['rpc-reply']] },
      { id: 'rpc-reply', type: 'iq-rpc', z: 'f1', server: 'cfg', mode: 'reply', wires: [] },
    ]);
    const count = 500;
    const answers = new Map<string, string>();
    const onIq = (iq: XmlElement): void => {
      if (!iq.attrs.id?.startsWith('utf8-')) return;
      const value = iq.getChild('query', NS_RPC)?.getChild('methodResponse')?.getChild('params')?.getChild('param')?.getChild('value');
      answers.set(iq.attrs.id, value?.getChildText('string') ?? `(${iq.attrs.type})`);
    };
    alice.on('iq', onIq);
    try {
      for (let i = 0; i < count; i += 1) {
        const call = alice.xml('methodCall', {}, alice.xml('methodName', {}, 'echo'), alice.xml('params', {}, alice.xml('param', {}, alice.xml('value', {}, alice.xml('string', {}, mixed(i))))));
        void alice.sendRaw(alice.xml('iq', { type: 'set', to: `${bot}/flows`, id: `utf8-${i}` }, alice.xml('query', { xmlns: NS_RPC }, call)));
      }
      await eventually(() => answers.size, (n) => n >= count, 60_000, 'the answers to 500 calls');
    } finally {
      alice.off('iq', onIq);
    }
    const bad = [...answers].filter(([id, text]) => text !== mixed(Number(id.slice(5)))).length;
    assert.equal(bad, 0, 'calls whose echo came back different');
  });
});
