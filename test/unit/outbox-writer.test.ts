import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { Outbox } from '../../nodes/core/session/outbox';
import { IN_FLIGHT, OutboxWriter } from '../../nodes/core/session/outbox-writer';
import { PoisonGuard, type UnackedQueue } from '../../nodes/core/session/poison-guard';
import { pass } from '../../nodes/core/session/stanza-gate';
import { loadXmpp, type Client, type XmlElement, type XmppLib } from '../../nodes/core/xmpp-lib';

/** What the writer touches of an xmpp.js client: write() and the 'send' event. */
function fakeClient(): { client: Client; writes: string[]; sent: string[]; breakNext(): void } {
  const emitter = new EventEmitter();
  const writes: string[] = [];
  const sent: string[] = [];
  let broken = false;
  const fake = Object.assign(emitter, {
    root: null,
    write(text: string): Promise<void> {
      if (broken) {
        broken = false;
        return Promise.reject(new Error('socket closed'));
      }
      writes.push(text);
      return Promise.resolve();
    },
  });
  emitter.on('send', (stanza: XmlElement) => sent.push(stanza.getChildText('body') ?? ''));
  return { client: fake as unknown as Client, writes, sent, breakNext: () => (broken = true) };
}

const turns = async (n = 3): Promise<void> => {
  for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

describe('the outbox writer', () => {
  let lib: XmppLib;
  const message = (body: string): XmlElement => lib.xml('message', { to: 'a@b.c' }, lib.xml('body', {}, body));

  before(async () => {
    lib = await loadXmpp();
  });

  /** Queues like Session.send: into the outbox, then tells the writer. */
  function queue(outbox: Outbox, writer: OutboxWriter, body: string, done: string[]): void {
    const stanza = message(body);
    outbox.push(stanza, { resolve: () => done.push(body), reject: () => done.push(`${body} refused`) }, false, { passed: pass(stanza, 10_000) });
    writer.soon();
  }

  it('writes a lone stanza at once, and a burst of one turn in one write, in order, each told to stream management', async () => {
    const { client, writes, sent } = fakeClient();
    const outbox = new Outbox();
    const writer = new OutboxWriter(outbox, new PoisonGuard(() => undefined), () => client, () => undefined);
    const done: string[] = [];
    queue(outbox, writer, '1', done);
    assert.equal(writes.length, 1, 'the first one is written without waiting');
    for (const body of ['2', '3', '4', '5']) queue(outbox, writer, body, done);
    await turns();
    assert.equal(writes.length, 2, 'the burst went out in one write');
    assert.match(writes[1] ?? '', /<body>2<\/body>.*<body>3<\/body>.*<body>4<\/body>.*<body>5<\/body>/);
    assert.deepEqual(sent, ['1', '2', '3', '4', '5']);
    assert.deepEqual(done, ['1', '2', '3', '4', '5']);
    assert.equal(outbox.size, 0);
  });

  it('keeps a run first in line when the write fails, and writes it on the next try', async () => {
    const { client, writes, sent, breakNext } = fakeClient();
    const outbox = new Outbox();
    const writer = new OutboxWriter(outbox, new PoisonGuard(() => undefined), () => client, () => undefined);
    const done: string[] = [];
    breakNext();
    queue(outbox, writer, '1', done);
    await turns();
    assert.deepEqual(done, [], 'not done: not written');
    assert.equal(outbox.size, 1);
    queue(outbox, writer, '2', done);
    await turns();
    assert.deepEqual(sent, ['1', '2']);
    assert.deepEqual(done, ['1', '2']);
    assert.equal(writes.join('').indexOf('<body>1<') < writes.join('').indexOf('<body>2<'), true);
  });

  it('writes nothing while the connection cannot take it', async () => {
    const { client, writes } = fakeClient();
    const outbox = new Outbox();
    let open = false;
    const writer = new OutboxWriter(outbox, new PoisonGuard(() => undefined), () => (open ? client : undefined), () => undefined);
    const done: string[] = [];
    queue(outbox, writer, '1', done);
    await turns();
    assert.deepEqual(writes, []);
    open = true;
    writer.now();
    await turns();
    assert.deepEqual(done, ['1']);
  });

  it('writes a suspect of the poison guard alone and waits for its acknowledgement before the rest', async () => {
    const { client, writes } = fakeClient();
    const outbox = new Outbox();
    const poison = new PoisonGuard(() => undefined);
    const suspect = message('suspect');
    // The server ended the stream while `suspect` was unacknowledged: it becomes a suspect.
    const queueOfSm: UnackedQueue = { outbound_q: [{ stanza: suspect }], id: 'x', enabled: true, enableSent: true, on: () => undefined };
    poison.streamError('policy-violation', queueOfSm);
    assert.equal(poison.isSuspect(suspect), true);
    let acknowledge!: () => void;
    const asked: string[] = [];
    const writer = new OutboxWriter(outbox, poison, () => client, (stanza) => {
      asked.push(stanza.getChildText('body') ?? '');
      return new Promise<void>((resolve) => (acknowledge = resolve));
    });
    const done: string[] = [];
    outbox.push(message('before'), { resolve: () => done.push('before'), reject: () => undefined }, false);
    outbox.push(suspect, { resolve: () => done.push('suspect'), reject: () => undefined }, false);
    queue(outbox, writer, 'after', done);
    await turns();
    assert.equal(writes.length, 2, 'what came before, then the suspect alone');
    assert.match(writes[1] ?? '', /^<message[^]*<body>suspect<\/body><\/message>$/);
    assert.deepEqual(asked, ['suspect']);
    assert.deepEqual(done, ['before', 'suspect']);
    acknowledge();
    await turns();
    assert.equal(writes.length, 3);
    assert.match(writes[2] ?? '', /<body>after<\/body>/);
  });

  it('holds writing while IN_FLIGHT stanzas await acknowledgement, and goes on when acknowledgements come', async () => {
    const { client, sent } = fakeClient();
    const outbox = new Outbox();
    // What the server has not acknowledged: what it had, plus what was written since.
    let acknowledgedUpTo = -(IN_FLIGHT - 2);
    const inFlight = (): number => sent.length - acknowledgedUpTo;
    const writer = new OutboxWriter(outbox, new PoisonGuard(() => undefined), () => undefined, () => undefined, inFlight);
    const done: string[] = [];
    for (const body of ['1', '2', '3', '4']) queue(outbox, writer, body, done);
    // Written in one run now, but only as many as the window has room for.
    (writer as unknown as { writable: () => Client | undefined }).writable = () => client;
    writer.now();
    await turns();
    assert.deepEqual(sent, ['1', '2'], 'the window had room for two: the rest waits in the outbox');
    assert.equal(outbox.size, 2);
    writer.onAcknowledged();
    await turns();
    assert.deepEqual(sent, ['1', '2'], 'still full');
    acknowledgedUpTo = sent.length;
    writer.onAcknowledged();
    await turns();
    assert.deepEqual(sent, ['1', '2', '3', '4']);
    assert.deepEqual(done, ['1', '2', '3', '4']);
  });
});
