import { strict as assert } from 'node:assert';
import { XmppError } from '../../nodes/core/errors';
import { buildMessage, readMessage } from '../../nodes/core/messages/message-stanza';
import { loadXmpp, type XmppLib } from '../../nodes/core/xmpp-lib';
import { readDelay } from '../../nodes/core/messages/delay';
import { incomingMsg, outgoingMessage, payloadText, receiptWanted, withMessageId } from '../../nodes/lib/message-msg';

const OWN = 'bot@example.org/node-red-1';
const defaults = { to: '', type: 'chat' as const, subject: '' };

describe('message stanzas ↔ msg', () => {
  let lib: XmppLib;
  before(async () => {
    lib = await loadXmpp();
  });

  it('reads a full chat message into the msg xmpp-in sends', () => {
    const stanza = lib.parse(
      '<message from="Alice@Example.org/phone" to="bot@example.org/node-red-1" type="chat" id="m1" xml:lang="en"><subject>Hi</subject><body>hello</body><thread>t-1</thread></message>',
    );
    const msg = incomingMsg(readMessage(stanza), OWN);
    assert.equal(msg.payload, 'hello');
    assert.equal(msg.topic, 'alice@example.org');
    assert.equal(msg.from, 'Alice@Example.org/phone');
    assert.equal(msg.to, 'bot@example.org/node-red-1');
    assert.deepEqual({ ...msg.xmpp, stanza: undefined }, { type: 'chat', id: 'm1', thread: 't-1', subject: 'Hi', lang: 'en', stanza: undefined });
    assert.match(msg.xmpp.stanza, /^<message .*<body>hello<\/body>.*<\/message>$/);
  });

  it('reads odd stanzas without failing: no type, no from, no body, unknown children', () => {
    const message = readMessage(lib.parse('<message><x xmlns="urn:odd"><y/></x>text</message>'));
    assert.equal(message.type, 'normal');
    assert.equal(message.body, undefined);
    const msg = incomingMsg(message, OWN);
    assert.equal(msg.from, 'bot@example.org', 'no from means our own account');
    assert.equal(msg.to, OWN);
    assert.equal(msg.payload, '');
  });

  it('a message that arrived late carries when it was sent, who held it and why (XEP-0203); others carry no delay', () => {
    const late = readMessage(
      lib.parse(
        '<message from="alice@example.org/phone" type="chat"><body>old</body><delay xmlns="urn:xmpp:delay" from="example.org" stamp="2026-01-02T03:04:05Z">Offline Storage</delay><delay xmlns="urn:xmpp:delay" stamp="2026-01-02T03:04:06.500+00:00"/></message>',
      ),
    );
    assert.deepEqual(incomingMsg(late, OWN).xmpp.delay, { stamp: '2026-01-02T03:04:05.000Z', from: 'example.org', reason: 'Offline Storage' }, 'the oldest stamp: when it was first sent');
    assert.equal(late.delayed, true);
    const now = incomingMsg(readMessage(lib.parse('<message from="alice@example.org/phone"><body>now</body></message>')), OWN);
    assert.ok(!('delay' in now.xmpp));
    assert.equal(readDelay(lib.parse('<message><delay xmlns="urn:xmpp:delay" stamp="yesterday"/></message>')), undefined, 'a stamp that does not read');
  });

  it('xmpp-out asks for a receipt by msg.receipt over the node\'s setting, and puts the id it sent on the msg', () => {
    assert.equal(receiptWanted({}, true), true);
    assert.equal(receiptWanted({ receipt: false } as Record<string, unknown>, true), false);
    assert.equal(receiptWanted({ receipt: true } as Record<string, unknown>, false), true);
    assert.throws(() => receiptWanted({ receipt: 'yes' } as Record<string, unknown>, false), (e: unknown) => e instanceof XmppError && e.code === 'invalid-payload');
    const reply = { payload: 'p', xmpp: { type: 'chat', id: 'incoming', thread: 't' } };
    assert.deepEqual(withMessageId(reply, 'm-1').xmpp, { type: 'chat', id: 'm-1', thread: 't' });
    assert.deepEqual(withMessageId({ payload: 'p' }, 'm-2').xmpp, { id: 'm-2' });
  });

  it('builds a message with subject and thread, removing XML-forbidden characters', () => {
    const el = buildMessage(lib.xml, { to: 'a@b.c', type: 'headline', body: 'x\u0000y\uD800z <&>', subject: 's\u0001', thread: 't' });
    assert.equal(el.toString(), '<message to="a@b.c" type="headline"><subject>s</subject><body>xyz &lt;&amp;&gt;</body><thread>t</thread></message>');
  });

  describe('the recipient of xmpp-out', () => {
    it('is msg.to first', () => {
      const out = outgoingMessage({ payload: 'p', to: 'a@x.org', topic: 't@x.org' }, { ...defaults, to: 'n@x.org' }, OWN);
      assert.equal(out.to, 'a@x.org');
    });
    it('then the node\'s To field', () => {
      assert.equal(outgoingMessage({ payload: 'p', topic: 't@x.org' }, { ...defaults, to: 'n@x.org' }, OWN).to, 'n@x.org');
    });
    it('then msg.topic', () => {
      assert.equal(outgoingMessage({ payload: 'p', topic: 't@x.org' }, defaults, OWN).to, 't@x.org');
    });
    it('answers the sender of a msg from xmpp-in, with its type and thread', () => {
      const incoming = incomingMsg(
        readMessage(lib.parse('<message from="alice@x.org/phone" to="bot@example.org/node-red-1" type="normal"><body>uptime?</body><thread>th</thread></message>')),
        OWN,
      );
      const out = outgoingMessage({ ...incoming, payload: 'up 3 days' }, defaults, OWN);
      assert.deepEqual(out, { to: 'alice@x.org/phone', type: 'normal', body: 'up 3 days', subject: undefined, thread: 'th' });
    });
    it('lets an explicit msg.to or To field override the reply', () => {
      const incoming = incomingMsg(readMessage(lib.parse('<message from="alice@x.org/phone" type="chat"><body>b</body></message>')), OWN);
      assert.equal(outgoingMessage({ ...incoming, to: 'carol@x.org' }, defaults, OWN).to, 'carol@x.org');
      assert.equal(outgoingMessage({ ...incoming }, { ...defaults, to: 'dave@x.org' }, OWN).to, 'dave@x.org');
    });
    it('refuses a msg with none', () => {
      assert.throws(() => outgoingMessage({ payload: 'p' }, defaults, OWN), (e: unknown) => e instanceof XmppError && e.code === 'no-recipient');
    });
    it('refuses a bare word that forgot its @domain', () => {
      assert.throws(() => outgoingMessage({ payload: 'p', to: 'alice' }, defaults, OWN), (e: unknown) => e instanceof XmppError && e.code === 'invalid-jid');
    });
  });

  describe('the body of xmpp-out', () => {
    const cases: Array<[string, unknown, string]> = [
      ['a string', 'hi', 'hi'],
      ['an empty string', '', ''],
      ['zero', 0, '0'],
      ['false', false, 'false'],
      ['a number', 1.5, '1.5'],
      ['an object', { a: [1, { b: null }] }, '{"a":[1,{"b":null}]}'],
      ['a Buffer', Buffer.from('bytes ü'), 'bytes ü'],
    ];
    for (const [what, payload, text] of cases) {
      it(`sends ${what} as ${JSON.stringify(text)}`, () => {
        assert.equal(payloadText(payload), text);
      });
    }
    it('refuses undefined, null and circular objects', () => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      for (const payload of [undefined, null, circular]) {
        assert.throws(() => payloadText(payload), (e: unknown) => e instanceof XmppError && e.code === 'invalid-payload');
      }
    });
    it('refuses an unknown msg.type and takes a known one', () => {
      assert.throws(() => outgoingMessage({ payload: 'p', to: 'a@x.org', type: 'shout' }, defaults, OWN), (e: unknown) => e instanceof XmppError && e.code === 'invalid-type');
      assert.equal(outgoingMessage({ payload: 'p', to: 'a@x.org', type: 'headline' }, defaults, OWN).type, 'headline');
    });
  });
});
