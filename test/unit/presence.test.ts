import { strict as assert } from 'node:assert';
import { readPresence, buildPresence } from '../../nodes/core/presence/presence-stanza';
import { PresenceTracker, bestResource } from '../../nodes/core/contacts/presence-tracker';
import { Roster } from '../../nodes/core/contacts/roster';
import { loadXmpp, type XmppLib } from '../../nodes/core/xmpp-lib';
import { presenceAction, presenceMsg } from '../../nodes/lib/presence-msg';
import { XmppError } from '../../nodes/core/errors';

describe('presence', () => {
  let lib: XmppLib;
  before(async () => {
    lib = await loadXmpp();
  });
  const presence = (text: string) => readPresence(lib.parse(text));

  it('reads availability, show, status and priority; a missing show is plainly available', () => {
    assert.deepEqual({ ...presence('<presence from="a@x/1"><show>dnd</show><status>busy</status><priority>5</priority></presence>'), stanza: undefined }, {
      from: 'a@x/1', to: '', type: 'available', show: 'dnd', status: 'busy', priority: 5, stanza: undefined,
    });
    assert.equal(presence('<presence from="a@x/1"/>').show, 'available');
    assert.equal(presence('<presence from="a@x/1"><show>bogus</show><priority>999</priority></presence>').priority, 127);
    assert.equal(presence('<presence from="a@x/1" type="made-up"/>').type, 'error');
  });

  it('tracks resources: the best is the highest priority, then the most available', () => {
    const tracker = new PresenceTracker();
    tracker.update(presence('<presence from="a@x/phone"><show>away</show><priority>1</priority></presence>'));
    tracker.update(presence('<presence from="a@x/desk"><show>dnd</show><priority>1</priority></presence>'));
    let contact = tracker.get('A@x');
    assert.equal(contact.available, true);
    assert.equal(contact.best?.jid, 'a@x/phone', 'away beats dnd at equal priority');
    tracker.update(presence('<presence from="a@x/desk"><show>dnd</show><priority>10</priority></presence>'));
    assert.equal(tracker.get('a@x').best?.jid, 'a@x/desk', 'priority first');
    tracker.update(presence('<presence from="a@x/desk" type="unavailable"/>'));
    contact = tracker.get('a@x');
    assert.deepEqual(contact.resources.map((r) => r.jid), ['a@x/phone']);
    tracker.update(presence('<presence from="a@x" type="unavailable"/>'));
    assert.equal(tracker.get('a@x').available, false, 'unavailable from the bare JID ends every resource');
    assert.equal(bestResource([]), undefined);
  });

  it('keeps the roster from a roster result and applies pushes, removals included', () => {
    const roster = new Roster();
    roster.load(lib.parse('<query xmlns="jabber:iq:roster"><item jid="a@x" subscription="both" name="A"><group>g</group></item><item jid="b@x" ask="subscribe"/></query>'));
    assert.deepEqual(roster.get('a@x'), { jid: 'a@x', name: 'A', subscription: 'both', pending: false, groups: ['g'] });
    assert.equal(roster.get('b@x')?.pending, true);
    roster.push(lib.parse('<query xmlns="jabber:iq:roster"><item jid="b@x" subscription="to"/></query>'));
    assert.equal(roster.get('b@x')?.subscription, 'to');
    roster.push(lib.parse('<query xmlns="jabber:iq:roster"><item jid="a@x" subscription="remove"/></query>'));
    assert.equal(roster.get('a@x'), undefined);
  });

  it('builds presence stanzas, dropping characters XML forbids', () => {
    assert.equal(buildPresence(lib.xml, { show: 'xa', status: 'up 192.0.2.7\u0001', priority: -3 }).toString(), '<presence><show>xa</show><status>up 192.0.2.7</status><priority>-3</priority></presence>');
    assert.equal(buildPresence(lib.xml, { to: 'a@x', type: 'subscribed' }).toString(), '<presence to="a@x" type="subscribed"/>');
  });

  it('turns a presence into the msg of xmpp-in\'s presence output', () => {
    const msg = presenceMsg(presence('<presence from="a@x/1" to="bot@x/r"><show>chat</show></presence>'), 'bot@x/r');
    assert.deepEqual({ ...msg, xmpp: { ...msg.xmpp, stanza: '' } }, {
      topic: 'a@x', from: 'a@x/1', to: 'bot@x/r', payload: { available: true, show: 'chat', status: undefined, priority: 0 }, xmpp: { type: 'available', stanza: '' },
    });
  });

  it('reads the presence actions of xmpp-out and refuses bad ones by name', () => {
    assert.deepEqual(presenceAction({ presence: { status: 'up 192.0.2.7' } }, ''), { kind: 'presence', presence: { show: undefined, status: 'up 192.0.2.7', priority: undefined }, to: undefined });
    assert.deepEqual(presenceAction({ presence: 'unavailable' }, ''), { kind: 'presence', presence: 'unavailable', to: undefined });
    assert.deepEqual(presenceAction({ presence: 'dnd', to: 'a@x' }, ''), { kind: 'presence', presence: { show: 'dnd' }, to: 'a@x' });
    assert.deepEqual(presenceAction({ subscription: 'approve', to: 'A@x/phone' }, ''), { kind: 'subscription', action: 'approve', to: 'a@x' });
    assert.deepEqual(presenceAction({ roster: 'add', name: 'Alice' }, 'a@x'), { kind: 'roster', action: 'add', to: 'a@x', name: 'Alice' });
    assert.equal(presenceAction({ payload: 'just a message' }, ''), undefined);
    for (const msg of [{ presence: { show: 'sleepy' } }, { presence: 42 }, { presence: { priority: 300 } }, { subscription: 'maybe', to: 'a@x' }, { roster: 'rename', to: 'a@x' }, { subscription: 'approve' }]) {
      assert.throws(() => presenceAction(msg, ''), (e: unknown) => e instanceof XmppError, JSON.stringify(msg));
    }
  });
});
