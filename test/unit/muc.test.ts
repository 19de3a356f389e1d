// Rooms (XEP-0045) against a fake session: what we send, and how the room's answers move the join.
import { strict as assert } from 'node:assert';
import { Room, RoomError, type RoomMessage } from '../../nodes/core/rooms/room';
import { Rooms } from '../../nodes/core/rooms/rooms';
import { FakeHost, MUC_USER, ROOM } from './fake-room-host';
import { loadXmpp } from '../../nodes/core/xmpp-lib';
import { english } from './english';

describe('group-chat rooms (core)', () => {
  let host: FakeHost;
  before(async () => {
    await loadXmpp();
  });
  beforeEach(() => {
    host = new FakeHost();
  });

  it('enters with presence to room/nick carrying the MUC element, no history and the password; joined on our own presence (110)', async () => {
    const room = new Room(host, { room: ROOM, nick: 'bot', password: 'sesame' });
    room.start();
    const [join] = host.presences();
    assert.ok(join);
    assert.equal(join.attrs.to, `${ROOM}/bot`);
    const x = join.getChild('x', 'http://jabber.org/protocol/muc');
    assert.ok(x, 'the MUC element');
    assert.equal(x.getChild('history')?.attrs.maxstanzas, '0');
    assert.equal(x.getChildText('password'), 'sesame');
    assert.equal(room.state, 'joining');
    const joined = room.whenJoined(1000);
    host.admit('bot', '201');
    await joined;
    assert.equal(room.state, 'joined');
    assert.equal(host.requests[0]?.getChild('query', 'http://jabber.org/protocol/muc#owner')?.getChild('x')?.attrs.type, 'submit', 'a room we created is accepted as an instant room');
  });

  it('asks for as much history as told, and sends no password element without one', () => {
    new Room(host, { room: ROOM, nick: 'bot', history: 7 }).start();
    const x = host.presences()[0]?.getChild('x', 'http://jabber.org/protocol/muc');
    assert.equal(x?.getChild('history')?.attrs.maxstanzas, '7');
    assert.equal(x?.getChild('password'), undefined);
  });

  it('a taken nickname is retried as nick_2, nick_3 and reported', async () => {
    const room = new Room(host, { room: ROOM, nick: 'bot' });
    const events: string[] = [];
    room.onEvent((e) => events.push(`${e.state}:${e.nick}:${e.renamedFrom ?? ''}`));
    room.start();
    host.refuse('bot', 'conflict');
    host.refuse('bot_2', 'conflict');
    assert.deepEqual(
      host.presences().map((p) => p.attrs.to),
      [`${ROOM}/bot`, `${ROOM}/bot_2`, `${ROOM}/bot_3`],
    );
    host.admit('bot_3');
    await room.whenJoined(100);
    assert.equal(room.nick, 'bot_3');
    assert.deepEqual(events.at(-1), 'joined:bot_3:bot');
  });

  it('any other refusal fails the join at once, with the condition', async () => {
    const room = new Room(host, { room: ROOM, nick: 'bot', password: 'wrong' });
    room.start();
    const waiting = room.whenJoined(5000);
    host.refuse('bot', 'not-authorized');
    await assert.rejects(waiting, (e: unknown) => e instanceof RoomError && e.code === 'room-refused' && e.detail === 'not-authorized');
    await assert.rejects(room.whenJoined(5000), (e: unknown) => e instanceof RoomError && e.code === 'room-refused');
  });

  it('waiting for a join that does not come ends in room-timeout', async () => {
    const room = new Room(host, { room: ROOM, nick: 'bot' });
    room.start();
    await assert.rejects(room.whenJoined(30), (e: unknown) => e instanceof RoomError && e.code === 'room-timeout');
  });

  it('waits for the login before entering; after a resumed session it is still in, after a new one it enters again', async () => {
    host.online = false;
    const room = new Room(host, { room: ROOM, nick: 'bot' });
    room.start();
    assert.equal(host.presences().length, 0, 'nothing sent while offline');
    host.login(false);
    host.admit('bot');
    assert.equal(room.state, 'joined');

    host.drop();
    assert.equal(room.state, 'joining');
    host.login(true);
    assert.equal(room.state, 'joined', 'the server kept us in the room');
    assert.equal(host.presences().length, 1, 'no new join after a resumption');

    host.drop();
    host.login(false);
    assert.equal(host.presences().length, 2, 'a new session enters again');
    assert.equal(room.state, 'joining');
    host.admit('bot');
    await room.whenJoined(100);
  });

  it('a server shutting down the room (332) is entered again after the next login; a kick (307) is final', () => {
    const room = new Room(host, { room: ROOM, nick: 'bot' });
    room.start();
    host.admit('bot');
    host.online = false;
    host.deliver(`<presence from="${ROOM}/bot" type="unavailable"><x xmlns="${MUC_USER}"><status code="332"/><status code="110"/></x></presence>`);
    assert.equal(room.state, 'joining');
    host.login(false);
    host.admit('bot');
    assert.equal(room.state, 'joined');
    host.deliver(`<presence from="${ROOM}/bot" type="unavailable"><x xmlns="${MUC_USER}"><status code="307"/><status code="110"/></x></presence>`);
    assert.equal(room.state, 'failed');
    assert.equal(english(room.error), 'kicked');
  });

  it('several users of one room share one join; the last to go leaves it', async () => {
    const rooms = new Rooms(host, host);
    const a = rooms.join({ room: ROOM, nick: 'bot' });
    const b = rooms.join({ room: 'Team@Conference.example.org', nick: 'other' });
    assert.equal(a.room, b.room);
    assert.equal(host.presences().length, 1);
    host.admit('bot');
    await a.release();
    await a.release();
    assert.equal(host.presences().length, 1, 'still used by b');
    await b.release();
    const leave = host.presences()[1];
    assert.equal(leave?.attrs.to, `${ROOM}/bot`);
    assert.equal(leave?.attrs.type, 'unavailable');
    assert.equal(rooms.size, 0);
    await assert.rejects(a.room.whenJoined(10), (e: unknown) => e instanceof RoomError && e.code === 'room-left');
    rooms.join({ room: ROOM, nick: 'bot' });
    assert.equal(host.presences().length, 3, 'a later user enters again');
  });

  it('hands on room messages: not our echo, not the subject sent on entry; private, delayed and subject changes marked', () => {
    const room = new Room(host, { room: ROOM, nick: 'bot' });
    const got: RoomMessage[] = [];
    room.onRoomMessage((m) => got.push(m));
    room.start();
    host.admit('bot');
    host.deliver(`<message from="${ROOM}/alice" type="groupchat"><body>old</body><delay xmlns="urn:xmpp:delay" stamp="2020-01-01T00:00:00Z"/></message>`);
    host.deliver(`<message from="${ROOM}" type="groupchat"><subject>Welcome</subject></message>`);
    host.deliver(`<message from="${ROOM}/bot" type="groupchat"><body>my own</body></message>`);
    host.deliver(`<message from="${ROOM}/alice" type="groupchat"><body>hi</body></message>`);
    host.deliver(`<message from="${ROOM}/alice" type="chat"><body>psst</body><x xmlns="${MUC_USER}"/></message>`);
    host.deliver(`<message from="${ROOM}/alice" type="groupchat"><subject>New topic</subject></message>`);
    host.deliver(`<message from="${ROOM}" type="groupchat"><body>room notice</body></message>`);
    host.deliver(`<message from="elsewhere@conference.example.org/x" type="groupchat"><body>not ours</body></message>`);
    assert.deepEqual(
      got.map((m) => [m.message.body ?? m.message.subject, m.nick, m.private, m.delayed]),
      [
        ['old', 'alice', false, true],
        ['hi', 'alice', false, false],
        ['psst', 'alice', true, false],
        ['New topic', 'alice', false, false],
        ['room notice', '', false, false],
      ],
    );
  });

  it('a room that shuts down twice in one login says so and is entered again after a wait, not left stale', async () => {
    const room = new Room(host, { room: ROOM, nick: 'bot', rejoinDelayMs: 20 });
    const events: Array<{ state: string; retryInMs?: number | undefined }> = [];
    room.onEvent((event) => events.push({ state: event.state, retryInMs: event.retryInMs }));
    room.start();
    host.admit('bot');
    const shutDown = `<presence from="${ROOM}/bot" type="unavailable"><x xmlns="${MUC_USER}"><status code="332"/><status code="110"/></x></presence>`;
    host.deliver(shutDown);
    assert.equal(host.presences().length, 2, 'the first time: entered again at once');
    host.admit('bot');
    host.deliver(shutDown);
    assert.equal(room.state, 'joining');
    assert.deepEqual(events.at(-1), { state: 'joining', retryInMs: 20 }, 'the nodes hear that the room is gone, and when we try again');
    assert.equal(host.presences().length, 2, 'not at once');
    for (let waited = 0; host.presences().length < 3 && waited < 2000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(host.presences().length, 3, 'entered again after the wait');
    host.refuse('bot', 'service-unavailable');
    assert.equal(room.state, 'joining', 'the service is still down: not a final refusal');
    assert.equal(events.at(-1)?.retryInMs, 40, 'and the wait grows');
    host.admit('bot');
    assert.equal(room.state, 'joined');
    await room.leave();
  });
});
