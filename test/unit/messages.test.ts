// Messages against a fake port: what we send carries an id, what arrives is read once, and an
// error message counts as a bounce only when it answers one of ours.
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
    assert.equal(sent?.toString(), `<message to="alice@example.org" type="chat" id="${sent?.attrs.id}"><subject>greeting</subject><body>hi</body></message>`);
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
    assert.deepEqual(bounces.map((b) => [b.from, b.condition, b.body]), [
      ['nobody@example.org', 'service-unavailable', 'text'],
      ['remote.example', 'remote-server-not-found', 'text'],
    ]);
  });
});
