// Group-chat rooms (XEP-0045) through xmpp-in and xmpp-out, with a real Prosody MUC service and a
// plain client as the other occupant.
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import { Prosody } from '../rig/prosody';
import { Peer, eventually, waitFor } from '../rig/peer';
import { configNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';
import { enterRoom } from '../rig/room-peer';

const PASSWORD = 'bot-secret-muc-1';

type RoomMsg = NodeMessage & { topic: string; from: string; xmpp: Record<string, unknown> };

describe('group-chat rooms through xmpp-in and xmpp-out', function () {
  this.timeout(30_000);
  let prosody: Prosody;
  let bot: string;
  let aliceJid: string;
  let alice: Peer;
  let roomCount = 0;
  let room: string;
  let received: RoomMsg[];

  /** The peer enters this test's room (creating it when it is the first, with these settings). */
  function enter(peer: Peer, nick: string, fields: Record<string, string> = {}): Promise<void> {
    return enterRoom(peer, room, nick, fields);
  }

  /**
   * Alice's plain client. xmpp.js announces 'online' before stream management is enabled, and a
   * stanza answered in between is counted twice: its acks then overshoot and Prosody closes the
   * stream. So her presence waits for <enabled/>.
   */
  async function connectAlice(): Promise<Peer> {
    const peer = await Peer.connect({ port: prosody.port, jid: aliceJid, password: 'alice-pw', resource: 'phone', presence: false });
    await eventually(() => peer.client.streamManagement.enabled, (on) => on, 5000, 'stream management');
    await peer.sendRaw(peer.xml('presence', {}));
    return peer;
  }

  function say(peer: Peer, body: string): Promise<void> {
    return peer.send(room, body, { type: 'groupchat' });
  }

  function flow(inExtra: Record<string, unknown> = {}, outExtra: Record<string, unknown> = {}): FlowNode[] {
    return [
      { id: 'f1', type: 'tab', label: 'rooms' },
      configNode('cfg', `${bot}/flows`, prosody.port),
      { id: 'in', type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'any', bodiless: false, room, nick: 'bot', history: 0, ...inExtra, wires: [['sink']] },
      { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: '', msgType: 'chat', subject: '', room, nick: 'bot', ...outExtra, wires: [] },
      { id: 'sink', type: 'helper', z: 'f1' },
    ];
  }

  async function load(nodesOfFlow: FlowNode[], credentials: Record<string, Record<string, string>> = {}): Promise<void> {
    await helper.load(nodes, nodesOfFlow, { cfg: { password: PASSWORD }, ...credentials });
    getNode('sink').on('input', (msg: NodeMessage) => received.push(msg as RoomMsg));
  }

  async function joined(id = 'in'): Promise<void> {
    await eventually(() => lastStatus(id)?.text, (text) => text === `${id === 'in' ? 'xmpp-in' : 'xmpp-out'}.status.joined`, 15_000, `${id} in the room`);
  }

  function nextOut(match: (msg: RoomMsg) => boolean): Promise<RoomMsg> {
    return waitFor(getNode('sink'), 'input', (msg: RoomMsg) => (match(msg) ? msg : undefined), 10_000, 'a msg from xmpp-in');
  }

  /** Hands a msg to xmpp-out (what reaches the peer tells whether it went out). */
  function sendOut(msg: Record<string, unknown>): void {
    getNode('out').receive({ ...msg } as NodeMessage);
  }

  before(async () => {
    await startServer();
    prosody = await Prosody.start({ iterations: 100, muc: true });
    bot = await prosody.register('bot', PASSWORD);
    aliceJid = await prosody.register('alice', 'alice-pw');
  });

  after(async () => {
    await alice?.stop().catch(() => undefined);
    await prosody?.stop();
    await stopServer();
  });

  beforeEach(async () => {
    received = [];
    room = `room${++roomCount}@conference.localhost`;
    alice = await connectAlice();
  });

  afterEach(async () => {
    await helper.unload();
    await alice.stop().catch(() => undefined);
  });

  it('joins, speaks to the room, hears the others (not its own echo), and tells private messages apart', async () => {
    await enter(alice, 'alice');
    const botEnters = alice.nextPresence((p) => p.attrs.from === `${room}/bot` && p.attrs.type === undefined);
    await load(flow());
    await joined('in');
    await botEnters;

    // xmpp-out with a room and no msg.to: a groupchat message to the room.
    const heard = alice.nextMessage((m) => m.attrs.from === `${room}/bot`);
    sendOut({ payload: 'hello room' });
    const said = await heard;
    assert.equal(said.attrs.type, 'groupchat');
    assert.equal(said.getChildText('body'), 'hello room');

    // The room echoes our message to us first; only alice's comes out.
    const fromAlice = nextOut(() => true);
    await say(alice, 'hi bot');
    const msg = await fromAlice;
    assert.equal(msg.payload, 'hi bot');
    assert.equal(msg.topic, room);
    assert.equal(msg.from, `${room}/alice`);
    assert.equal(msg.xmpp.room, room);
    assert.equal(msg.xmpp.nick, 'alice');
    assert.equal(msg.xmpp.type, 'groupchat');
    assert.equal(msg.xmpp.private, false);
    assert.equal(msg.xmpp.delayed, false);

    // A private message from an occupant.
    const privateOne = nextOut((m) => m.payload === 'just you');
    await alice.send(`${room}/bot`, 'just you', { type: 'chat' });
    const whisper = await privateOne;
    assert.equal(whisper.xmpp.private, true);
    assert.equal(whisper.xmpp.type, 'chat');
    assert.equal(whisper.xmpp.room, room);
    assert.equal(whisper.xmpp.nick, 'alice');
    assert.equal(whisper.from, `${room}/alice`);

    // A msg from xmpp-in wired to xmpp-out answers where it came from: privately or to the room.
    const privateAnswer = alice.nextMessage((m) => m.getChildText('body') === 'whispered back');
    sendOut({ ...whisper, payload: 'whispered back' });
    const back = await privateAnswer;
    assert.equal(back.attrs.type, 'chat');
    assert.equal(back.attrs.from, `${room}/bot`);
    const roomAnswer = alice.nextMessage((m) => m.getChildText('body') === 'said back');
    sendOut({ ...msg, payload: 'said back' });
    assert.equal((await roomAnswer).attrs.type, 'groupchat');

    // Everything above came out exactly once, and our own three room messages never did.
    const last = nextOut((m) => m.payload === 'last');
    await say(alice, 'last');
    await last;
    assert.deepEqual(
      received.map((m) => m.payload),
      ['hi bot', 'just you', 'last'],
    );
  });

  it('a message sent before the join completes waits for it', async () => {
    await enter(alice, 'alice');
    const heard = alice.nextMessage((m) => m.getChildText('body') === 'early');
    await load(flow());
    // Given at once, while the connection is still logging in and the room not yet entered.
    getNode('out').receive({ payload: 'early' });
    const said = await heard;
    assert.equal(said.attrs.from, `${room}/bot`);
    assert.equal(said.attrs.type, 'groupchat');
  });

  it('does not replay the room history unless asked for', async () => {
    await enter(alice, 'alice');
    await say(alice, 'before you came');
    await load(flow());
    await joined('in');
    const after = nextOut(() => true);
    await say(alice, 'after');
    assert.equal((await after).payload, 'after', 'the old message did not come first');
    await helper.unload();

    received = [];
    await load(flow({ history: 5 }, { history: 5 }));
    const old = await nextOut(() => true);
    assert.equal(old.payload, 'before you came');
    assert.equal(old.xmpp.delayed, true);
  });

  it('a taken nickname gets a suffix, the node says so and still takes part', async () => {
    await enter(alice, 'bot');
    const botEnters = alice.nextPresence((p) => p.attrs.from === `${room}/bot_2` && p.attrs.type === undefined);
    await load(flow());
    await joined('in');
    await botEnters;
    const warned = getNode('in')
      .warn.getCalls()
      .map((c) => String(c.args[0]));
    assert.ok(warned.includes('xmpp-in.warning.renamed'), `warned: ${warned.join(', ')}`);

    const heard = alice.nextMessage((m) => m.getChildText('body') === 'renamed but here');
    sendOut({ payload: 'renamed but here' });
    assert.equal((await heard).attrs.from, `${room}/bot_2`);
    const fromAlice = nextOut(() => true);
    await say(alice, 'welcome bot_2');
    const msg = await fromAlice;
    assert.equal(msg.xmpp.nick, 'bot', "alice's nick is bot here");
    assert.deepEqual(
      received.map((m) => m.payload),
      ['welcome bot_2'],
      'our own message (as bot_2) did not come out',
    );
  });

  it('enters the room again after the server restarts, and messages flow again', async () => {
    await enter(alice, 'alice');
    await load(flow());
    await joined('in');

    await prosody.kill('SIGTERM');
    await eventually(() => lastStatus('in')?.text, (text) => text !== 'xmpp-in.status.joined', 10_000, 'the node to notice');
    await prosody.launch();
    await joined('in');

    // Rooms are not persistent here: the bot's rejoin created it anew; alice comes back to it.
    await alice.stop().catch(() => undefined);
    alice = await connectAlice();
    await enter(alice, 'alice');

    const fromAlice = nextOut((m) => m.payload === 'are you back?');
    await say(alice, 'are you back?');
    assert.equal((await fromAlice).xmpp.room, room);
    const heard = alice.nextMessage((m) => m.getChildText('body') === 'I am back');
    sendOut({ payload: 'I am back' });
    assert.equal((await heard).attrs.from, `${room}/bot`);
  });

  it('enters a password-protected room with the room password, and is refused without it', async () => {
    await enter(alice, 'alice', { 'muc#roomconfig_passwordprotectedroom': '1', 'muc#roomconfig_roomsecret': 'open sesame' });

    const catcher: FlowNode[] = [
      { id: 'catcher', type: 'catch', z: 'f1', scope: ['out'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'f1' },
    ];
    await load([...flow({ nick: 'nopass' }, { nick: 'nopass' }), ...catcher]);
    await eventually(() => lastStatus('in')?.text, (text) => text === 'xmpp-in.status.room-failed', 10_000, 'a refusal');
    const errors = getNode('in')
      .error.getCalls()
      .map((c) => c.args[0] as unknown);
    // The xmpp-in node's own error carries the code too, for the Catch nodes of its flow.
    const refused = errors.find((e): e is Error & { code?: string } => e instanceof Error && e.message === 'xmpp-in.error.room-refused');
    assert.equal(refused?.code, 'room-refused', `errors: ${errors.map(String).join(', ')}`);
    // A message for the room fails at once, with a code a flow can branch on.
    const failure = waitFor(getNode('caught'), 'input', (msg: NodeMessage & { error?: { message: string; code?: string } }) => msg.error);
    sendOut({ payload: 'let me in' });
    const error = await failure;
    assert.match(error.message, /xmpp-out\.error\.room-refused/);
    assert.equal(error.code, 'room-refused');
    await helper.unload();

    const botEnters = alice.nextPresence((p) => p.attrs.from === `${room}/bot` && p.attrs.type === undefined);
    await load(flow(), { in: { roomPassword: 'open sesame' }, out: { roomPassword: 'open sesame' } });
    await joined('in');
    await botEnters;
    const fromAlice = nextOut(() => true);
    await say(alice, 'members only');
    assert.equal((await fromAlice).payload, 'members only');
  });
});
