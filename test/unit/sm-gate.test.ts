import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { ACK_EVERY, StreamManagementGate } from '../../nodes/core/session/sm-gate';
import { loadXmpp, type Client, type XmlElement, type XmppLib } from '../../nodes/core/xmpp-lib';

/** A client whose 'send' has xmpp.js's outgoing middleware as its one listener, with stream management enabled. */
function fakeClient(): { client: Client; written: string[]; middlewareRuns: () => number } {
  const emitter = new EventEmitter();
  const written: string[] = [];
  let runs = 0;
  emitter.on('send', () => (runs += 1));
  const sm = Object.assign(new EventEmitter(), { enabled: true, enableSent: true, id: 'x', outbound_q: [] });
  const client = Object.assign(emitter, {
    streamManagement: sm,
    send(stanza: XmlElement): Promise<void> {
      written.push(stanza.name);
      emitter.emit('send', stanza);
      return Promise.resolve();
    },
  });
  return { client: client as unknown as Client, written, middlewareRuns: () => runs };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('the stream management gate', () => {
  let lib: XmppLib;
  before(async () => {
    lib = await loadXmpp();
  });

  it('asks for an acknowledgement every few stanzas, and once after a pause, without the library middleware', async () => {
    const { client, written, middlewareRuns } = fakeClient();
    const gate = new StreamManagementGate(client, lib.xml);
    for (let i = 0; i < ACK_EVERY + 3; i += 1) client.emit('send', lib.xml('message', { to: 'a@b.c' }));
    assert.equal(middlewareRuns(), 0, "xmpp.js's outgoing middleware was detached");
    assert.deepEqual(written, ['r'], 'one request after ACK_EVERY stanzas');
    assert.equal(client.streamManagement.outbound_q.length, ACK_EVERY + 3, 'every stanza is queued until acknowledged');
    await sleep(150);
    client.emit('send', lib.xml('message', { to: 'a@b.c' })); // the burst goes on: no pause yet
    await sleep(150);
    assert.deepEqual(written, ['r']);
    await sleep(250);
    assert.deepEqual(written, ['r', 'r'], 'asked again once sending paused');
    await sleep(300);
    assert.deepEqual(written, ['r', 'r'], 'nothing more while nothing is sent');
    gate.cancel();
  });
});
