import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { detachOutgoingMiddleware, recordSent } from '../../nodes/core/session/sm-outgoing';
import { loadXmpp, type Client, type StreamManagement, type XmppLib } from '../../nodes/core/xmpp-lib';

function fakeClient(): Client & { streamManagement: StreamManagement } {
  const sm = Object.assign(new EventEmitter(), { enabled: false, enableSent: false, id: '', outbound_q: [] });
  return Object.assign(new EventEmitter(), { streamManagement: sm }) as unknown as Client & { streamManagement: StreamManagement };
}

describe("stream management's record of what we send (sm-outgoing)", () => {
  let lib: XmppLib;
  before(async () => {
    lib = await loadXmpp();
  });

  it("detaches xmpp.js's outgoing middleware only when it is the one listener of 'send'", () => {
    const alone = fakeClient();
    const middleware = (): void => undefined;
    alone.on('send', middleware);
    assert.equal(detachOutgoingMiddleware(alone), true);
    assert.equal(alone.listenerCount('send'), 0);
    const crowded = fakeClient();
    crowded.on('send', middleware);
    crowded.on('send', () => undefined);
    assert.equal(detachOutgoingMiddleware(crowded), false, 'another listener: someone else needs it, keep it');
    assert.equal(crowded.listenerCount('send'), 2);
  });

  it('queues stanzas (not nonzas) once <enable/> went out, stamped to the second like xmpp.js', () => {
    const client = fakeClient();
    const sm = client.streamManagement;
    recordSent(client, lib.xml('message', { to: 'a@b.c' }));
    assert.equal(sm.outbound_q.length, 0, 'before <enable/>: not counted');
    recordSent(client, lib.xml('enable', { xmlns: 'urn:xmpp:sm:3', resume: 'true' }));
    assert.equal(sm.enableSent, true);
    recordSent(client, lib.xml('message', { to: 'a@b.c' }));
    recordSent(client, lib.xml('presence'));
    recordSent(client, lib.xml('iq', { type: 'get', id: '1' }));
    recordSent(client, lib.xml('r', { xmlns: 'urn:xmpp:sm:3' }));
    recordSent(client, lib.xml('a', { xmlns: 'urn:xmpp:sm:3', h: '3' }));
    assert.deepEqual(sm.outbound_q.map((item) => item.stanza.name), ['message', 'presence', 'iq']);
    for (const item of sm.outbound_q) assert.match(item.stamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const stamp = Date.parse(sm.outbound_q[0]?.stamp ?? '');
    assert.ok(Math.abs(stamp - Date.now()) < 2000, 'the stamp is now');
  });
});
