// XEP-0410 self-ping against a fake session and a clock moved by hand: when a quiet room is asked
// whether it still has us, and what each answer makes of the membership.
import { strict as assert } from 'node:assert';
import { XmppError } from '../../nodes/core/errors';
import { Room, type RoomEvent } from '../../nodes/core/rooms/room';
import { Rooms } from '../../nodes/core/rooms/rooms';
import { loadXmpp, xmppLib, type XmlElement } from '../../nodes/core/xmpp-lib';
import { FakeHost, ROOM } from './fake-room-host';
import { ManualClock } from './manual-clock';

const QUIET = 1000;

/** Lets the promise chain of an answer run to its end (no time passes on the clock). */
function answered(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** An error answer to a request, with this condition, said `by` someone (or no one). */
function errorAnswer(iq: XmlElement, condition: string, by?: string): XmlElement {
  const byAttr = by === undefined ? '' : ` by="${by}"`;
  return xmppLib().parse(
    `<iq type="error" id="${iq.attrs.id ?? ''}" from="${iq.attrs.to ?? ''}"><error type="cancel"${byAttr}><${condition} xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>`,
  );
}

describe('room self-ping (XEP-0410)', () => {
  let host: FakeHost;
  let clock: ManualClock;
  let events: RoomEvent[];

  before(async () => {
    await loadXmpp();
  });
  beforeEach(() => {
    host = new FakeHost();
    clock = new ManualClock();
    events = [];
  });

  /** A room we are in, asking after QUIET ms of silence. */
  function joinedRoom(): Room {
    const room = new Room(host, { room: ROOM, nick: 'bot', selfPingMs: QUIET, clock });
    room.onEvent((event) => events.push(event));
    room.start();
    host.admit('bot');
    assert.equal(room.state, 'joined');
    return room;
  }

  function pings(): XmlElement[] {
    return host.requests.filter((iq) => iq.getChild('ping', 'urn:xmpp:ping'));
  }

  it('asks nothing while the room is quiet for less than the interval, then pings our own occupant JID', () => {
    joinedRoom();
    clock.advance(QUIET - 1);
    assert.equal(pings().length, 0);
    clock.advance(1);
    const [ping] = pings();
    assert.ok(ping, 'a self-ping');
    assert.equal(ping.attrs.to, `${ROOM}/bot`);
    assert.equal(ping.attrs.type, 'get');
    assert.deepEqual(
      ping.getChildElements().map((el) => `${el.name} ${el.getNS()}`),
      ['ping urn:xmpp:ping'],
    );
  });

  it('anything from the room starts the interval again: a message, an occupant coming in', () => {
    joinedRoom();
    clock.advance(600);
    host.deliver(`<message from="${ROOM}/alice" type="groupchat"><body>hi</body></message>`);
    clock.advance(600);
    host.deliver(`<presence from="${ROOM}/carol"><x xmlns="http://jabber.org/protocol/muc#user"><item role="participant" affiliation="none"/></x></presence>`);
    clock.advance(QUIET - 1);
    assert.equal(pings().length, 0, 'quiet for never more than the interval');
    clock.advance(1);
    assert.equal(pings().length, 1);
  });

  it('a message from another room, or a contact, does not count as the room talking', () => {
    joinedRoom();
    clock.advance(600);
    host.deliver(`<message from="other@conference.example.org/alice" type="groupchat"><body>elsewhere</body></message>`);
    host.deliver(`<message from="alice@example.org/phone" type="chat"><body>direct</body></message>`);
    clock.advance(QUIET - 600);
    assert.equal(pings().length, 1);
  });

  const stillIn: Array<[string, (iq: XmlElement) => XmlElement]> = [
    ['a result', (iq) => host.xml('iq', { type: 'result', id: iq.attrs.id, from: iq.attrs.to })],
    ['service-unavailable (our client does not answer pings)', (iq) => errorAnswer(iq, 'service-unavailable', ROOM)],
    ['feature-not-implemented', (iq) => errorAnswer(iq, 'feature-not-implemented')],
    ['item-not-found said by the room (it has us under another nick)', (iq) => errorAnswer(iq, 'item-not-found', 'Team@Conference.example.org')],
  ];
  for (const [answer, reply] of stillIn) {
    it(`${answer}: still in; nothing sent, asked again after another quiet interval`, async () => {
      const room = joinedRoom();
      host.answer = reply;
      clock.advance(QUIET);
      await answered();
      assert.equal(room.state, 'joined');
      assert.equal(host.presences().length, 1, 'no new join');
      assert.deepEqual(
        events.map((e) => e.state),
        ['joined'],
      );
      clock.advance(QUIET - 1);
      assert.equal(pings().length, 1);
      clock.advance(1);
      assert.equal(pings().length, 2);
    });
  }

  const out: Array<[string, (iq: XmlElement) => XmlElement]> = [
    ['not-acceptable (not an occupant)', (iq) => errorAnswer(iq, 'not-acceptable', ROOM)],
    ['item-not-found said by the service (no such room)', (iq) => errorAnswer(iq, 'item-not-found', 'conference.example.org')],
    ['item-not-found said by no one', (iq) => errorAnswer(iq, 'item-not-found')],
    ['not-allowed', (iq) => errorAnswer(iq, 'not-allowed', ROOM)],
    ['remote-server-not-found (a netsplit)', (iq) => errorAnswer(iq, 'remote-server-not-found', 'example.org')],
  ];
  for (const [answer, reply] of out) {
    it(`${answer}: lost; said once, entered again with the join we always send, and in again when the room lets us`, async () => {
      const room = joinedRoom();
      host.answer = reply;
      clock.advance(QUIET);
      await answered();
      assert.equal(room.state, 'joining');
      assert.deepEqual(
        events.map((e) => [e.state, e.nick, e.lost ?? false]),
        [
          ['joined', 'bot', false],
          ['joining', 'bot', true],
        ],
      );
      const [first, again] = host.presences();
      assert.equal(again?.attrs.to, `${ROOM}/bot`);
      assert.equal(again?.toString(), first?.toString(), 'the same join presence as on entering');
      assert.equal(clock.pending, 0, 'nothing asked while entering again');
      host.admit('bot');
      assert.equal(room.state, 'joined');
      assert.equal(events.at(-1)?.state, 'joined');
      clock.advance(QUIET);
      assert.equal(pings().length, 2, 'back in: watched again');
    });
  }

  it('a lost room that refuses us again is tried again after a wait, not given up', async () => {
    const room = new Room(host, { room: ROOM, nick: 'bot', selfPingMs: QUIET, clock, rejoinDelayMs: 20_000 });
    room.onEvent((event) => events.push(event));
    room.start();
    host.admit('bot');
    host.answer = (iq) => errorAnswer(iq, 'not-acceptable', ROOM);
    clock.advance(QUIET);
    await answered();
    host.refuse('bot', 'service-unavailable');
    assert.equal(room.state, 'joining');
    assert.equal(events.at(-1)?.retryInMs, 20_000);
    await room.leave();
  });

  it('a timeout is no verdict: no new join; asked again after another interval', async () => {
    const room = joinedRoom();
    host.answer = () => {
      throw new XmppError('timeout', 'no answer');
    };
    clock.advance(QUIET);
    await answered();
    assert.equal(room.state, 'joined');
    assert.equal(host.presences().length, 1, 'no new join on a timeout');
    assert.ok(host.warnings.some((w) => w instanceof XmppError && w.code === 'timeout'), 'the timeout is reported as a warning');
    clock.advance(QUIET);
    await answered();
    assert.equal(pings().length, 2, 'asked again');
    assert.equal(host.presences().length, 1, 'still no new join after a second timeout');
    assert.deepEqual(
      events.map((e) => e.state),
      ['joined'],
    );
  });

  it('one self-ping in flight at most, however long it takes', async () => {
    const room = joinedRoom();
    let reply!: () => void;
    host.answer = (iq) =>
      new Promise<XmlElement>((resolve) => {
        reply = () => resolve(host.xml('iq', { type: 'result', id: iq.attrs.id, from: iq.attrs.to }));
      });
    clock.advance(QUIET * 10);
    assert.equal(pings().length, 1);
    assert.equal(clock.pending, 0, 'no timer while the ping is out');
    // The session drops and resumes meanwhile: we are still in, and that ping is still out.
    host.drop();
    host.login(true);
    assert.equal(room.state, 'joined');
    clock.advance(QUIET * 10);
    assert.equal(pings().length, 1, 'no second ping while the first is unanswered');
    reply();
    await answered();
    assert.equal(room.state, 'joined');
    clock.advance(QUIET);
    assert.equal(pings().length, 2, 'the next one an interval after the answer');
  });

  it('nothing is asked while the connection is down, nor after leaving; no timer is left', async () => {
    const room = joinedRoom();
    assert.equal(clock.pending, 1);
    host.drop();
    assert.equal(clock.pending, 0, 'offline: no timer');
    clock.advance(QUIET * 5);
    assert.equal(pings().length, 0);
    host.login(true);
    assert.equal(room.state, 'joined', 'the resumed session kept us in');
    clock.advance(QUIET);
    assert.equal(pings().length, 1, 'watched again once back');

    await answered();
    await room.leave();
    assert.equal(clock.pending, 0, 'left: no timer');
    clock.advance(QUIET * 5);
    assert.equal(pings().length, 1);
  });

  it('an answer that comes after we left or went offline changes nothing', async () => {
    const room = joinedRoom();
    let reply!: () => void;
    host.answer = (iq) =>
      new Promise<XmlElement>((resolve) => {
        reply = () => resolve(errorAnswer(iq, 'not-acceptable', ROOM));
      });
    clock.advance(QUIET);
    assert.equal(pings().length, 1);
    host.drop();
    reply();
    await answered();
    assert.equal(host.presences().length, 1, 'no join from a stale answer');
    assert.equal(clock.pending, 0);
    await room.leave();
  });

  it('Rooms gives each room the connection-wide interval; 0 asks never', async () => {
    const rooms = new Rooms(host, host, { selfPingMs: 50, clock });
    const membership = rooms.join({ room: ROOM, nick: 'bot' });
    host.admit('bot');
    clock.advance(50);
    assert.equal(pings().length, 1);
    await answered();
    await membership.release();
    assert.equal(clock.pending, 0, 'released: no timer');

    const quietHost = new FakeHost();
    const never = new Rooms(quietHost, quietHost, { selfPingMs: 0, clock });
    const other = never.join({ room: ROOM, nick: 'bot' });
    quietHost.admit('bot');
    assert.equal(other.room.state, 'joined');
    assert.equal(clock.pending, 0);
    clock.advance(10 * 60_000);
    assert.equal(quietHost.requests.length, 0);
    await other.release();
  });
});
