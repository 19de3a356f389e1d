// Messages against a fake port: what we send carries an id (and the same origin-id), what arrives
// is read once and passed on once however often it is delivered, a carbon counts only from our own
// account, and an error message counts as a bounce only when it answers one of ours.
import { strict as assert } from 'node:assert';
import type { IncomingMessage } from '../../nodes/core/messages/message-stanza';
import { Messages, type Bounce } from '../../nodes/core/messages/messages';
import { loadXmpp } from '../../nodes/core/xmpp-lib';
import { FakePort } from './fake-port';

describe('messages (core)', () => {
  before(async () => {
    await loadXmpp();
  });

  it('sends a message with an id of its own, through the port', async () => {
    const port = new FakePort();
    const messages = new Messages(port);
    await messages.send({ to: 'alice@example.org', type: 'chat', body: 'hi', subject: 'greeting' });
    const [sent] = port.sent;
    assert.match(sent?.attrs.id ?? '', /^m[0-9a-f]{12}-[0-9a-z]+$/);
    const id = sent?.attrs.id ?? '';
    assert.equal(sent?.toString(), `<message to="alice@example.org" type="chat" id="${id}"><subject>greeting</subject><body>hi</body><origin-id xmlns="urn:xmpp:sid:0" id="${id}"/></message>`);
  });

  it('asks for a receipt only when told, with the id it was given or a fresh one', async () => {
    const port = new FakePort();
    const messages = new Messages(port);
    const id = messages.newId();
    await messages.send({ to: 'alice@example.org', type: 'chat', body: 'ack me', id, requestReceipt: true });
    await messages.send({ to: 'alice@example.org', type: 'chat', body: 'no ack' });
    const [asked, plain] = port.sent;
    assert.equal(asked?.attrs.id, id);
    assert.ok(asked?.getChild('request', 'urn:xmpp:receipts'), 'a receipt request');
    assert.equal(plain?.getChild('request', 'urn:xmpp:receipts'), undefined);
    assert.notEqual(plain?.attrs.id, id);
  });

  it('hands every arriving message, read once, to every listener; one that throws stops no other', () => {
    const port = new FakePort();
    const messages = new Messages(port);
    const heard: IncomingMessage[] = [];
    messages.onMessage(() => {
      throw new Error('a careless listener');
    });
    const stop = messages.onMessage((message) => heard.push(message));
    port.deliver(`<message from="alice@example.org/phone" type="chat" id="a1"><body>one</body><delay xmlns="urn:xmpp:delay" stamp="2026-01-01T00:00:00Z"/></message>`);
    stop();
    port.deliver(`<message from="alice@example.org/phone"><body>two</body></message>`);
    assert.deepEqual(heard.map((m) => [m.from, m.type, m.body, m.delayed]), [['alice@example.org/phone', 'chat', 'one', true]]);
    assert.equal(port.warnings.length, 2, 'the careless listener was reported, twice');
    assert.equal(messages.listeners, 1);
  });

  it('a bounce is an error answering one of ours, from its recipient or its server; anything else is ignored', async () => {
    const port = new FakePort();
    const messages = new Messages(port);
    const bounces: Bounce[] = [];
    messages.onBounce((bounce) => bounces.push(bounce));
    await messages.send({ to: 'nobody@example.org', type: 'chat', body: 'hello?' });
    await messages.send({ to: 'carol@remote.example', type: 'chat', body: 'far away' });
    const [toNobody, toCarol] = port.sent.map((s) => s.attrs.id);
    const error = (from: string, id: string | undefined, condition: string): string =>
      `<message from="${from}" type="error" id="${id ?? ''}"><body>text</body><error type="cancel"><${condition} xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></message>`;
    port.deliver(error('mallory@evil.example', toNobody, 'item-not-found')); // not the recipient
    port.deliver(error('nobody@example.org', 'm-never-sent', 'item-not-found')); // not our id
    port.deliver(error('nobody@example.org', toNobody, 'service-unavailable'));
    port.deliver(error('remote.example', toCarol, 'remote-server-not-found'));
    port.deliver(error('nobody@example.org', toNobody, 'service-unavailable')); // once only
    assert.deepEqual(bounces.map((b) => [b.id, b.to, b.from, b.condition, b.body, b.claimed]), [
      [toNobody, 'nobody@example.org', 'nobody@example.org', 'service-unavailable', 'text', false],
      [toCarol, 'carol@remote.example', 'remote.example', 'remote-server-not-found', 'text', false],
    ]);
  });

  it('a bounce reaches whoever sent that message, and the listeners hear it was claimed', async () => {
    const port = new FakePort();
    const messages = new Messages(port);
    const heard: Bounce[] = [];
    const mine: Bounce[] = [];
    messages.onBounce((bounce) => heard.push(bounce));
    await messages.send({ to: 'nobody@example.org', type: 'chat', body: 'hello?' }, { onBounce: (bounce) => mine.push(bounce) });
    await messages.send({ to: 'nobody@example.org', type: 'chat', body: 'again?' });
    const [claimed, unclaimed] = port.sent.map((s) => s.attrs.id ?? '');
    const error = (id: string): string => `<message from="nobody@example.org" type="error" id="${id}"><error type="cancel"><service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></message>`;
    port.deliver(error(unclaimed ?? ''));
    port.deliver(error(claimed ?? ''));
    assert.deepEqual(mine.map((b) => b.id), [claimed]);
    assert.deepEqual(heard.map((b) => [b.id, b.claimed]), [
      [unclaimed, false],
      [claimed, true],
    ]);
  });

  describe('a message the server delivers twice comes out once (XEP-0359)', () => {
    const chat = (from: string, body: string, ids = ''): string => `<message from="${from}" to="bot@example.org/home" type="chat"><body>${body}</body>${ids}</message>`;
    const origin = (id: string): string => `<origin-id xmlns="urn:xmpp:sid:0" id="${id}"/>`;
    const stanzaId = (id: string, by: string): string => `<stanza-id xmlns="urn:xmpp:sid:0" id="${id}" by="${by}"/>`;

    function heardBodies(messages: Messages): string[] {
      const bodies: string[] = [];
      messages.onMessage((m) => bodies.push(m.body ?? ''));
      return bodies;
    }

    it('by the sender\'s origin-id, and only for that sender: another cannot silence it by copying the id', () => {
      const port = new FakePort();
      const messages = new Messages(port);
      const bodies = heardBodies(messages);
      port.deliver(chat('alice@example.org/phone', 'one', origin('o-1')));
      port.deliver(chat('alice@example.org/phone', 'one again', origin('o-1')));
      port.deliver(chat('mallory@evil.example/x', 'same id, another sender', origin('o-1')));
      port.deliver(chat('alice@example.org/phone', 'two', origin('o-2')));
      port.deliver(chat('alice@example.org/phone', 'no id'));
      port.deliver(chat('alice@example.org/phone', 'no id'));
      assert.deepEqual(bodies, ['one', 'same id, another sender', 'two', 'no id', 'no id']);
    });

    it('by a stanza-id our own server stamped, never by one anyone else did', () => {
      const port = new FakePort();
      const messages = new Messages(port);
      const bodies = heardBodies(messages);
      port.deliver(chat('alice@example.org/phone', 'archived', stanzaId('s-1', 'bot@example.org')));
      port.deliver(chat('alice@example.org/phone', 'archived again', stanzaId('s-1', 'bot@example.org')));
      port.deliver(chat('alice@example.org/phone', 'by a stranger', stanzaId('s-2', 'mallory@evil.example')));
      port.deliver(chat('alice@example.org/phone', 'by a stranger again', stanzaId('s-2', 'mallory@evil.example')));
      assert.deepEqual(bodies, ['archived', 'by a stranger', 'by a stranger again']);
    });

    it('in a room, by the room\'s stanza-id (the room replays its history after a rejoin)', () => {
      const port = new FakePort();
      const messages = new Messages(port);
      const bodies = heardBodies(messages);
      const said = (body: string, by: string): string =>
        `<message from="team@conference.example.org/alice" type="groupchat"><body>${body}</body>${stanzaId('r-1', by)}</message>`;
      port.deliver(said('hello room', 'team@conference.example.org'));
      port.deliver(said('replayed', 'team@conference.example.org'));
      port.deliver(said('stamped by us, not the room', 'bot@example.org'));
      assert.deepEqual(bodies, ['hello room', 'stamped by us, not the room']);
    });

    it('remembers a bounded number of ids, for a bounded time', () => {
      let now = 0;
      const port = new FakePort();
      const messages = new Messages(port, { seen: { maxCount: 2, maxAgeMs: 1000, now: () => now } });
      const bodies = heardBodies(messages);
      for (const id of ['a', 'b', 'c', 'a']) port.deliver(chat('alice@example.org/phone', id, origin(id)));
      assert.deepEqual(bodies, ['a', 'b', 'c', 'a'], 'a third id pushed the first out');
      port.deliver(chat('alice@example.org/phone', 'c', origin('c')));
      now = 1001;
      port.deliver(chat('alice@example.org/phone', 'a', origin('a')));
      assert.deepEqual(bodies, ['a', 'b', 'c', 'a', 'a'], 'seen too long ago to tell');
    });
  });

  describe('carbons (XEP-0280)', () => {
    const carbon = (from: string, kind: 'received' | 'sent', inner: string): string =>
      `<message from="${from}" to="bot@example.org/home" type="chat"><${kind} xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">${inner}</forwarded></${kind}></message>`;
    const inner = '<message xmlns="jabber:client" from="alice@example.org/phone" to="bot@example.org/desk" type="chat" id="c1"><body>to your other client</body></message>';

    it('a copy from our own account is the message of the person inside it, marked as a carbon', () => {
      const port = new FakePort();
      const messages = new Messages(port);
      const heard: IncomingMessage[] = [];
      messages.onMessage((m) => heard.push(m));
      port.deliver(carbon('bot@example.org', 'received', inner));
      assert.deepEqual(heard.map((m) => [m.from, m.to, m.body, m.carbon]), [['alice@example.org/phone', 'bot@example.org/desk', 'to your other client', 'received']]);
      assert.equal(messages.carbonsIgnored, 0);
    });

    it('a copy wrapped by anyone else, even another resource of ours, or a copy of what we sent, passes nothing on', () => {
      const port = new FakePort();
      const messages = new Messages(port);
      const heard: IncomingMessage[] = [];
      messages.onMessage((m) => heard.push(m));
      port.deliver(carbon('mallory@evil.example', 'received', inner));
      port.deliver(carbon('mallory@evil.example/x', 'sent', inner));
      port.deliver(carbon('bot@example.org/desk', 'received', inner));
      port.deliver(carbon('bot@example.org', 'received', '<nothing/>'));
      port.deliver(carbon('bot@example.org', 'sent', inner.replace('alice@example.org/phone', 'bot@example.org/desk')));
      assert.deepEqual(heard, []);
      assert.equal(messages.carbonsIgnored, 4);
    });

    it('are asked for after each new login when the connection wants them, not after a resume', () => {
      const port = new FakePort();
      new Messages(port, { carbons: true });
      port.login();
      port.login(true);
      assert.deepEqual(port.requests.map((iq) => iq.toString()), ['<iq type="set"><enable xmlns="urn:xmpp:carbons:2"/></iq>']);
      const off = new FakePort();
      new Messages(off);
      off.login();
      assert.deepEqual(off.requests, []);
    });
  });
});
