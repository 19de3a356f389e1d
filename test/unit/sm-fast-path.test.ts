import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { bypassIncomingMiddleware, detachOutgoingMiddleware, recordSent } from '../../nodes/core/session/sm-fast-path';
import { loadXmpp, type Client, type StreamManagement, type XmppLib } from '../../nodes/core/xmpp-lib';

function fakeClient(): Client & { streamManagement: StreamManagement } {
  const sm = Object.assign(new EventEmitter(), { enabled: false, enableSent: false, id: '', outbound_q: [], inbound: 0 });
  return Object.assign(new EventEmitter(), { streamManagement: sm }) as unknown as Client & { streamManagement: StreamManagement };
}

describe("stream management's fast path around xmpp.js's middleware (sm-fast-path)", () => {
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

  it('counts messages and presence for stream management without the middleware; IQs and everything else still go through it', () => {
    const client = fakeClient();
    const seen: string[] = [];
    client.on('element', (element: { name: string }) => seen.push(element.name));
    assert.equal(bypassIncomingMiddleware(client), true);
    for (const element of [lib.xml('message'), lib.xml('presence'), lib.xml('iq', { type: 'get' }), lib.xml('r', { xmlns: 'urn:xmpp:sm:3' }), lib.xml('message')]) client.emit('element', element);
    assert.deepEqual(seen, ['iq', 'r'], 'the middleware saw only what is not a message or presence');
    assert.equal(client.streamManagement.inbound, 3);
    const crowded = fakeClient();
    crowded.on('element', () => undefined);
    crowded.on('element', () => undefined);
    assert.equal(bypassIncomingMiddleware(crowded), false);
    assert.equal(crowded.listenerCount('element'), 2);
  });
});
