// The room fields of xmpp-in / xmpp-out and where a msg goes: to a room, or as an ordinary message.
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import { XmppError } from '../../nodes/core/errors';
import { roomMessage, roomOptions, roomTarget } from '../../nodes/lib/room-msg';

const OWN = 'bot@example.org/nr';
const ROOM = 'team@conference.example.org';

describe('room fields and msg routing', () => {
  it('reads the room fields: lower-cased room, nick defaulting to our account name, history as a count', () => {
    assert.equal(roomOptions({ room: '  ' }, undefined, OWN), undefined);
    assert.deepEqual(roomOptions({ room: 'Team@Conference.example.org', nick: '', history: '3' }, 'pw', OWN), { room: ROOM, nick: 'bot', password: 'pw', history: 3 });
    assert.deepEqual(roomOptions({ room: ROOM, nick: ' Robo ', history: -2 }, '', OWN), { room: ROOM, nick: 'Robo', password: undefined, history: 0 });
    assert.throws(() => roomOptions({ room: `${ROOM}/nick` }, undefined, OWN), (e: unknown) => e instanceof XmppError && e.code === 'invalid-jid');
    assert.throws(() => roomOptions({ room: 'conference.example.org' }, undefined, OWN), (e: unknown) => e instanceof XmppError && e.code === 'invalid-jid');
  });

  it('sends to the node\'s room unless msg.to names someone; answers a room msg in its room, a private one privately', () => {
    const fromRoom = { payload: 'x', from: `${ROOM}/alice`, to: OWN, xmpp: { type: 'groupchat', room: ROOM, nick: 'alice', private: false } } as NodeMessage;
    const whisper = { payload: 'x', from: `${ROOM}/alice`, to: OWN, xmpp: { type: 'chat', room: ROOM, nick: 'alice', private: true } } as NodeMessage;
    assert.equal(roomTarget({ payload: 'x' }, ROOM, OWN), ROOM);
    assert.equal(roomTarget({ payload: 'x', to: 'carol@example.org' } as NodeMessage, ROOM, OWN), undefined);
    assert.equal(roomTarget(fromRoom, undefined, OWN), ROOM);
    assert.equal(roomTarget(whisper, undefined, OWN), undefined);
    assert.equal(roomTarget(whisper, ROOM, OWN), undefined);
    assert.equal(roomTarget({ payload: 'x' }, undefined, OWN), undefined);
    assert.equal(roomTarget({ payload: 'x', from: 'alice@example.org/phone', to: OWN, xmpp: { type: 'chat' } } as NodeMessage, undefined, OWN), undefined);
  });

  it('a room message is groupchat to the room, with msg.subject and msg.thread only when given', () => {
    assert.deepEqual(roomMessage({ payload: 42 } as NodeMessage, ROOM), { to: ROOM, type: 'groupchat', body: '42', subject: undefined, thread: undefined });
    assert.throws(() => roomMessage({ payload: undefined } as NodeMessage, ROOM), (e: unknown) => e instanceof XmppError && e.code === 'invalid-payload');
  });
});
