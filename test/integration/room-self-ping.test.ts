// A room that forgets us without a word (XEP-0410 self-ping) through xmpp-in and xmpp-out, with a
// real Prosody MUC service made to forget through its admin shell, and a plain client in the room.
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import { countSelfPings, forgetOccupant, forgetRoom, selfPings } from '../rig/muc-shell';
import { Peer, eventually, waitFor } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { configNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';
import { enterRoom } from '../rig/room-peer';

const PASSWORD = 'bot-secret-selfping-1';
// The self-ping interval for this test (settings.js `xmppRoomCheckTime`); the default is 5 minutes.
const ROOM_CHECK_MS = 300;
const QUIET_LOGS = { logging: { console: { level: 'off' } } };

describe('a room that forgot us is noticed by the self-ping and entered again', function () {
  this.timeout(30_000);
  let prosody: Prosody;
  let bot: string;
  let aliceJid: string;
  let alice: Peer;
  let roomCount = 0;
  let room: string;

  function flow(): FlowNode[] {
    return [
      { id: 'f1', type: 'tab', label: 'self-ping' },
      configNode('cfg', `${bot}/flows`, prosody.port),
      { id: 'in', type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'any', bodiless: false, room, nick: 'bot', history: 0, wires: [['sink']] },
      { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: '', msgType: 'chat', subject: '', room, nick: 'bot', wires: [] },
      { id: 'sink', type: 'helper', z: 'f1' },
    ];
  }

  /** Every status text the node was given, in order. */
  function statusTexts(id: string): string[] {
    const node = getNode(id);
    return node.status
      .getCalls()
      .filter((call) => call.thisValue === node)
      .map((call) => String((call.args[0] as { text?: unknown }).text ?? ''));
  }

  function warnings(id: string): string[] {
    const node = getNode(id);
    return node.warn
      .getCalls()
      .filter((call) => call.thisValue === node)
      .map((call) => String(call.args[0]));
  }

  async function joined(id: 'in' | 'out'): Promise<void> {
    await eventually(() => lastStatus(id)?.text, (text) => text === `xmpp-${id}.status.joined`, 15_000, `${id} in the room`);
  }

  /** The bot takes part in the room: alice hears what xmpp-out says, and xmpp-in hears alice. */
  async function talkWithAlice(said: string, answer: string): Promise<void> {
    const heard = alice.nextMessage((m) => m.attrs.from === `${room}/bot` && m.getChildText('body') === said);
    getNode('out').receive({ payload: said } as NodeMessage);
    assert.equal((await heard).attrs.type, 'groupchat');
    const out = waitFor(getNode('sink'), 'input', (msg: NodeMessage) => (msg.payload === answer ? msg : undefined), 10_000, 'alice in the flow');
    await alice.send(room, answer, { type: 'groupchat' });
    assert.equal(((await out) as NodeMessage & { from: string }).from, `${room}/alice`);
  }

  before(async () => {
    await startServer();
    prosody = await Prosody.start({ iterations: 100, muc: true });
    bot = await prosody.register('bot', PASSWORD);
    aliceJid = await prosody.register('alice', 'alice-pw');
    await countSelfPings(prosody, 'conference.localhost');
    helper.settings({ ...QUIET_LOGS, xmppRoomCheckTime: ROOM_CHECK_MS });
  });

  after(async () => {
    helper.settings(QUIET_LOGS);
    await alice?.stop().catch(() => undefined);
    await prosody?.stop();
    await stopServer();
  });

  beforeEach(async () => {
    room = `selfping${++roomCount}@conference.localhost`;
    alice = await Peer.connect({ port: prosody.port, jid: aliceJid, password: 'alice-pw', resource: 'phone' });
    await enterRoom(alice, room, 'alice');
    const botEnters = alice.nextPresence((p) => p.attrs.from === `${room}/bot` && p.attrs.type === undefined);
    await helper.load(nodes, flow(), { cfg: { password: PASSWORD } });
    await joined('in');
    await joined('out');
    await botEnters;
  });

  afterEach(async () => {
    await helper.unload();
    await alice.stop().catch(() => undefined);
  });

  it('dropped from the room without a word: the room answers not-acceptable, the nodes say so, we enter again and take part', async () => {
    // While the room has us, its answers to our self-pings change nothing.
    const before = { in: statusTexts('in').length, out: statusTexts('out').length };
    const asked = await selfPings(prosody, `${room}/bot`);
    await eventually(() => selfPings(prosody, `${room}/bot`), (n) => n >= asked + 2, 10_000, 'two more self-pings');
    assert.deepEqual(statusTexts('in').slice(before.in), []);
    const entries = (): number => alice.received.filter((s) => s.name === 'presence' && s.attrs.from === `${room}/bot` && s.attrs.type === undefined).length;
    assert.equal(entries(), 1, 'the bot entered once');

    const comesBack = alice.nextPresence((p) => p.attrs.from === `${room}/bot` && p.attrs.type === undefined);
    await forgetOccupant(prosody, room, 'bot');
    await comesBack;
    assert.equal(entries(), 2, 'and once more');
    await joined('in');
    await joined('out');

    // Nothing but the room's news: the connection never went down.
    assert.deepEqual(statusTexts('in').slice(before.in), ['xmpp-in.status.room-lost', 'xmpp-in.status.joined']);
    assert.deepEqual(statusTexts('out').slice(before.out), ['xmpp-out.status.room-lost', 'xmpp-out.status.joined']);
    assert.deepEqual(warnings('in'), ['xmpp-in.warning.room-lost'], 'one warning');
    assert.deepEqual(warnings('out'), ['xmpp-out.warning.room-lost']);
    // The room said nothing to anyone: alice never saw the bot leave.
    assert.ok(!alice.received.some((s) => s.name === 'presence' && s.attrs.from === `${room}/bot` && s.attrs.type === 'unavailable'));

    await talkWithAlice('back in the room', 'welcome back');
  });

  it('the room itself forgotten: the service answers item-not-found, the bot enters again and the room exists anew', async () => {
    const before = statusTexts('in').length;
    await forgetRoom(prosody, room);
    await eventually(() => statusTexts('in').slice(before), (texts) => texts.join() === 'xmpp-in.status.room-lost,xmpp-in.status.joined', 15_000, 'lost, then in again');
    assert.deepEqual(warnings('in'), ['xmpp-in.warning.room-lost']);
    assert.deepEqual(warnings('out'), ['xmpp-out.warning.room-lost']);

    // Alice was forgotten with the room; she comes back to the one the bot made again.
    await alice.stop().catch(() => undefined);
    alice = await Peer.connect({ port: prosody.port, jid: aliceJid, password: 'alice-pw', resource: 'phone' });
    await enterRoom(alice, room, 'alice');
    await talkWithAlice('a new room', 'same old friends');
  });
});
