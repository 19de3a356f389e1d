import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { acknowledgePromptly, acknowledgeTickets } from '../../nodes/core/session/ack-nudge';
import type { Client } from '../../nodes/core/xmpp-lib';

/** Just what the nudge touches of an xmpp.js client: its status, its socket's byte count, write(). */
function fakeClient(): { client: Client; writes: string[]; socket: { bytesWritten: number }; setStatus(status: string): void } {
  const emitter = new EventEmitter();
  const socket = { bytesWritten: 0 };
  const writes: string[] = [];
  const fake = Object.assign(emitter, {
    status: 'online',
    socket,
    write(text: string): Promise<void> {
      writes.push(text);
      socket.bytesWritten += Buffer.byteLength(text);
      return Promise.resolve();
    },
  });
  return { client: fake as unknown as Client, writes, socket, setStatus: (status) => (fake.status = status) };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

describe('prompt TCP acknowledgement (ack-nudge)', () => {
  it('writes one space after what the server sent when nothing of ours went out in that turn', async () => {
    const { client, writes } = fakeClient();
    acknowledgePromptly(client);
    client.emit('element', {});
    client.emit('element', {});
    client.emit('element', {});
    await turn();
    assert.deepEqual(writes, [' ']);
    client.emit('element', {});
    await turn();
    assert.deepEqual(writes, [' ', ' ']);
  });

  it('writes nothing when we answered in the same turn (the answer carries the acknowledgement)', async () => {
    const { client, writes } = fakeClient();
    acknowledgePromptly(client);
    client.emit('element', {});
    void client.write('<a xmlns="urn:xmpp:sm:3" h="1"/>');
    await turn();
    assert.deepEqual(writes, ['<a xmlns="urn:xmpp:sm:3" h="1"/>']);
  });

  it('writes nothing before the session is online or without a socket', async () => {
    const { client, writes, setStatus } = fakeClient();
    acknowledgePromptly(client);
    setStatus('opening');
    client.emit('element', {});
    await turn();
    (client as { socket: unknown }).socket = null;
    setStatus('online');
    client.emit('element', {});
    await turn();
    assert.deepEqual(writes, []);
  });

  it('acknowledges TLS session tickets with a space, never from inside the event, and only right after our stream header or once online', async () => {
    const { client, writes, setStatus } = fakeClient();
    const tls = new EventEmitter();
    acknowledgeTickets(client, tls);
    setStatus('connect'); // no header written yet: a space would precede the XML declaration
    tls.emit('session');
    await turn();
    assert.deepEqual(writes, []);
    setStatus('opening'); // our header is out, the features are awaited
    tls.emit('session');
    assert.deepEqual(writes, [], 'not from inside the event (OpenSSL is mid-record)');
    await turn();
    assert.deepEqual(writes, [' ']);
    setStatus('open'); // between features and a possible stream restart
    tls.emit('session');
    await turn();
    assert.deepEqual(writes, [' ']);
    setStatus('online');
    tls.emit('session');
    await turn();
    assert.deepEqual(writes, [' ', ' ']);
  });
});
