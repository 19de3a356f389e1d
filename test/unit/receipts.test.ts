// Delivery receipts (XEP-0184) against a fake port: a message sent with a request is settled by the
// recipient's receipt, its bounce or the end of the wait; a request that reaches us is answered
// when XEP-0184 says a client may, and never otherwise.
import { strict as assert } from 'node:assert';
import { XmppError } from '../../nodes/core/errors';
import { DeliveryError } from '../../nodes/core/messages/delivery-error';
import { Messages } from '../../nodes/core/messages/messages';
import { Receipts, type ReceiptsOptions } from '../../nodes/core/receipts/receipts';
import { loadXmpp } from '../../nodes/core/xmpp-lib';
import { FakePort } from './fake-port';
import { ManualClock } from './manual-clock';

const ERROR = '<error type="cancel"><service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error>';

/** What we announce in service discovery. */
class Features {
  readonly announced = new Set<string>();
  addFeature(feature: string): () => void {
    this.announced.add(feature);
    return () => this.announced.delete(feature);
  }
}

function setUp(options: ReceiptsOptions = {}): { port: FakePort; receipts: Receipts; disco: Features; clock: ManualClock } {
  const port = new FakePort();
  const clock = new ManualClock();
  const disco = new Features();
  const receipts = new Receipts(port, new Messages(port), disco, { clock, ...options });
  return { port, receipts, disco, clock };
}

/** Lets the promise callbacks of a send run (the fake port resolves at once). */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('receipts (core)', () => {
  before(async () => {
    await loadXmpp();
  });

  describe('asking for one', () => {
    it('sends the request with an id, and resolves when the recipient (any of its clients) says it got the message', async () => {
      const { port, receipts, clock } = setUp();
      const delivered = receipts.send({ to: 'alice@example.org', type: 'chat', body: 'did you get this?' }, { timeoutMs: 5000 });
      await settled();
      const [sent] = port.sent;
      const id = sent?.attrs.id ?? '';
      assert.ok(sent?.getChild('request', 'urn:xmpp:receipts'));
      assert.ok(id !== '');
      assert.equal(clock.pending, 1, 'the wait started once written');
      port.deliver(`<message from="mallory@evil.example/x" type="chat"><received xmlns="urn:xmpp:receipts" id="${id}"/></message>`);
      port.deliver(`<message from="alice@example.org/phone" type="chat"><received xmlns="urn:xmpp:receipts" id="another"/></message>`);
      assert.equal(receipts.pending, 1, 'neither a stranger\'s receipt nor one for another message counts');
      port.deliver(`<message from="alice@example.org/phone" type="chat"><received xmlns="urn:xmpp:receipts" id="${id}"/></message>`);
      await delivered;
      assert.equal(receipts.pending, 0);
      assert.equal(clock.pending, 0, 'the wait ended');
    });

    it('rejects with not-delivered when no receipt came within the wait, and a late one changes nothing', async () => {
      const { port, receipts, clock } = setUp();
      const delivered = receipts.send({ to: 'bob@example.org', type: 'chat', body: 'anyone?' }, { timeoutMs: 60_000 });
      await settled();
      clock.advance(59_999);
      assert.equal(receipts.pending, 1);
      clock.advance(1);
      await assert.rejects(delivered, (error: unknown) => error instanceof DeliveryError && error.code === 'not-delivered' && error.recipient === 'bob@example.org' && error.waitedMs === 60_000);
      port.deliver(`<message from="bob@example.org/pc" type="chat"><received xmlns="urn:xmpp:receipts" id="${port.sent[0]?.attrs.id ?? ''}"/></message>`);
      assert.equal(receipts.pending, 0);
    });

    it('rejects with bounced and the condition when the message comes back', async () => {
      const { port, receipts, clock } = setUp();
      const delivered = receipts.send({ to: 'nobody@example.org', type: 'chat', body: 'hello?' });
      await settled();
      port.deliver(`<message from="nobody@example.org" type="error" id="${port.sent[0]?.attrs.id ?? ''}">${ERROR}</message>`);
      await assert.rejects(delivered, (error: unknown) => error instanceof DeliveryError && error.code === 'bounced' && error.condition === 'service-unavailable' && error.from === 'nobody@example.org');
      assert.equal(clock.pending, 0);
    });

    it('rejects with what kept the message from being sent, and waits for nothing then', async () => {
      const { port, receipts, clock } = setUp();
      port.send = () => Promise.reject(new XmppError('outbox-full', '1000 messages'));
      await assert.rejects(receipts.send({ to: 'alice@example.org', type: 'chat', body: 'x' }), (error: unknown) => error instanceof XmppError && error.code === 'outbox-full');
      assert.equal(receipts.pending, 0);
      assert.equal(clock.pending, 0);
    });
  });

  describe('answering', () => {
    it('answers a chat or normal message that asks, to its sender, with its id and type, and announces it can', async () => {
      const { port, receipts, disco } = setUp();
      port.deliver('<message from="alice@example.org/phone" type="chat" id="a-1"><body>hi</body><request xmlns="urn:xmpp:receipts"/></message>');
      port.deliver('<message from="alice@example.org/phone" id="a-2"><body>no type: normal</body><request xmlns="urn:xmpp:receipts"/></message>');
      await settled();
      assert.deepEqual(
        port.sent.map((s) => [s.attrs.to, s.attrs.type, s.getChild('received', 'urn:xmpp:receipts')?.attrs.id, s.getChildElements().length, s.attrs.id !== undefined]),
        [
          ['alice@example.org/phone', 'chat', 'a-1', 1, true],
          ['alice@example.org/phone', 'normal', 'a-2', 1, true],
        ],
      );
      assert.equal(receipts.answers, 2);
      assert.ok(disco.announced.has('urn:xmpp:receipts'));
    });

    it('never answers group chat, headlines, errors, acks, messages without an id, or copies of another client\'s', async () => {
      const { port } = setUp();
      const request = '<request xmlns="urn:xmpp:receipts"/>';
      port.deliver(`<message from="team@conference.example.org/alice" type="groupchat" id="g"><body>all</body>${request}</message>`);
      port.deliver(`<message from="news.example.org" type="headline" id="h"><body>news</body>${request}</message>`);
      port.deliver(`<message from="alice@example.org/phone" type="error" id="e">${request}${ERROR}</message>`);
      port.deliver(`<message from="alice@example.org/phone" type="chat" id="k"><received xmlns="urn:xmpp:receipts" id="x"/>${request}</message>`);
      port.deliver(`<message from="alice@example.org/phone" type="chat"><body>no id</body>${request}</message>`);
      port.deliver(
        `<message from="bot@example.org" type="chat"><received xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client" from="alice@example.org/phone" to="bot@example.org/desk" type="chat" id="c"><body>to the other</body>${request}</message></forwarded></received></message>`,
      );
      await settled();
      assert.deepEqual(port.sent, []);
    });

    it('answers nothing, and announces nothing, when the connection says not to', async () => {
      const { port, receipts, disco } = setUp({ answer: false });
      port.deliver('<message from="alice@example.org/phone" type="chat" id="a-1"><body>hi</body><request xmlns="urn:xmpp:receipts"/></message>');
      await settled();
      assert.deepEqual(port.sent, []);
      assert.equal(receipts.answers, 0);
      assert.ok(!disco.announced.has('urn:xmpp:receipts'));
    });
  });
});
