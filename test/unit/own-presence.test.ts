// Our own presence against a fake port: announced after every new login (not after a resumed
// one), kept when a flow sets it, decorated, directed, and refreshed.
import { strict as assert } from 'node:assert';
import { Presence } from '../../nodes/core/presence/own-presence';
import { loadXmpp } from '../../nodes/core/xmpp-lib';
import { FakePort } from './fake-port';

describe('our own presence (core)', () => {
  before(async () => {
    await loadXmpp();
  });

  const sent = (port: FakePort): string[] => port.sent.map(String);

  it('announces the configured presence at each new login, with what decorates it, and not when resumed', () => {
    const port = new FakePort();
    const presence = new Presence(port, { show: 'away', status: 'on duty', priority: 300 });
    presence.decorate(() => [port.xml('c', { xmlns: 'http://jabber.org/protocol/caps', ver: 'v1' })]);
    port.login(false);
    port.login(true);
    assert.deepEqual(sent(port), ['<presence><show>away</show><status>on duty</status><priority>127</priority><c xmlns="http://jabber.org/protocol/caps" ver="v1"/></presence>']);
  });

  it("keeps what a flow sets, across logins; 'unavailable' announces nothing more", async () => {
    const port = new FakePort();
    const presence = new Presence(port, {});
    await presence.set({ show: 'dnd' });
    port.login(false);
    await presence.set('unavailable');
    port.login(false);
    assert.deepEqual(sent(port), ['<presence><show>dnd</show></presence>', '<presence><show>dnd</show></presence>', '<presence type="unavailable"/>']);
    assert.equal(presence.current, 'unavailable');
  });

  it('waits while offline: set() sends nothing then, the next login announces it', async () => {
    const port = new FakePort();
    port.online = false;
    const presence = new Presence(port, {});
    await presence.set({ status: 'later' });
    assert.deepEqual(sent(port), []);
    port.login(false);
    assert.deepEqual(sent(port), ['<presence><status>later</status></presence>']);
  });

  it('sends directed presence to one entity, and a refresh when what decorates it changed', async () => {
    const port = new FakePort();
    const presence = new Presence(port, { status: 'x' });
    await presence.sendTo('room@conference.example.org/bot', { show: 'chat' });
    await presence.sendTo('alice@example.org', 'unavailable');
    presence.refresh();
    assert.deepEqual(sent(port), ['<presence to="room@conference.example.org/bot"><show>chat</show></presence>', '<presence to="alice@example.org" type="unavailable"/>', '<presence><status>x</status></presence>']);
  });
});
