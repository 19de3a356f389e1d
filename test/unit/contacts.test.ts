// Contacts against a fake port: the roster fetched at login and kept by pushes, who is online
// (strangers bounded), and subscription requests decided by the policy.
import { strict as assert } from 'node:assert';
import { Contacts, MAX_STRANGERS, type ContactsLimit } from '../../nodes/core/contacts/contacts';
import type { IncomingPresence } from '../../nodes/core/presence/presence-stanza';
import { loadXmpp, xmppLib, type XmlElement } from '../../nodes/core/xmpp-lib';
import { FakePort } from './fake-port';

const ROSTER = 'jabber:iq:roster';

describe('contacts (core)', () => {
  let port: FakePort;
  before(async () => {
    await loadXmpp();
  });
  beforeEach(() => {
    port = new FakePort();
    // The roster our server keeps: alice (both ways) and bob (we asked, no answer yet).
    port.answer = (iq) =>
      xmppLib().parse(
        iq.getChild('query', ROSTER)
          ? `<iq type="result" id="${iq.attrs.id}"><query xmlns="${ROSTER}"><item jid="alice@example.org" subscription="both" name="Alice"><group>Friends</group></item><item jid="bob@example.org" subscription="none" ask="subscribe"/></query></iq>`
          : `<iq type="result" id="${iq.attrs.id}"/>`,
      );
  });

  /** Resolves once the contacts heard the roster (fetched after a login). */
  function rosterFetched(contacts: Contacts): Promise<void> {
    return new Promise((resolve) => {
      const stop = contacts.onRoster(() => {
        stop();
        resolve();
      });
    });
  }

  const sentTypes = (): Array<[string | undefined, string | undefined]> => port.sent.filter((s) => s.name === 'presence').map((s) => [s.attrs.to, s.attrs.type]);

  it('fetches the roster at a new login (not at a resumed one), and knows nothing before', async () => {
    const contacts = new Contacts(port);
    assert.equal(contacts.rosterItem('alice@example.org'), null, 'unknown before the first fetch');
    const fetched = rosterFetched(contacts);
    port.login(false);
    await fetched;
    assert.equal(port.requests.length, 1);
    assert.deepEqual(contacts.rosterItem('Alice@Example.org/phone'), { jid: 'alice@example.org', name: 'Alice', subscription: 'both', pending: false, groups: ['Friends'] });
    assert.equal(contacts.rosterItem('carol@example.org'), undefined);
    assert.equal(contacts.seesPresenceOf('alice@example.org'), true);
    assert.equal(contacts.seesPresenceOf('bob@example.org'), false);
    port.login(true);
    assert.equal(port.requests.length, 1, 'a resumed session keeps its roster');
  });

  it('applies roster pushes from our own account only, and answers each', async () => {
    const contacts = new Contacts(port);
    const fetched = rosterFetched(contacts);
    port.login(false);
    await fetched;
    const forged = await port.query(`<iq type="set" from="mallory@evil.example/x" id="p1"><query xmlns="${ROSTER}"><item jid="mallory@evil.example" subscription="both"/></query></iq>`);
    assert.equal(forged, undefined, 'service-unavailable for a push from someone else');
    assert.equal(contacts.rosterItem('mallory@evil.example'), undefined);
    const own = await port.query(`<iq type="set" id="p2"><query xmlns="${ROSTER}"><item jid="bob@example.org" subscription="to"/></query></iq>`);
    assert.equal(own, true);
    assert.equal(contacts.seesPresenceOf('bob@example.org'), true);
    await port.query(`<iq type="set" from="bot@example.org" id="p3"><query xmlns="${ROSTER}"><item jid="alice@example.org" subscription="remove"/></query></iq>`);
    assert.equal(contacts.rosterItem('alice@example.org'), undefined);
  });

  it("follows contacts' resources and tells listeners, best resource first", async () => {
    const contacts = new Contacts(port);
    const fetched = rosterFetched(contacts);
    port.login(false);
    await fetched;
    const heard: Array<[boolean, string | undefined]> = [];
    contacts.onPresence((contact) => heard.push([contact.available, contact.best?.show]));
    port.deliver(`<presence from="alice@example.org/phone"><show>dnd</show><priority>5</priority></presence>`);
    port.deliver(`<presence from="alice@example.org/desk"><show>chat</show></presence>`);
    assert.equal(contacts.presenceOf('alice@example.org').best?.jid, 'alice@example.org/phone', 'the highest priority counts');
    port.deliver(`<presence from="alice@example.org/phone" type="unavailable"/>`);
    port.deliver(`<presence from="alice@example.org" type="unavailable"/>`);
    assert.deepEqual(heard, [
      [true, 'dnd'],
      [true, 'dnd'],
      [true, 'chat'],
      [false, undefined],
    ]);
  });

  it(`follows at most ${MAX_STRANGERS} strangers at a time and says so once; someone we wrote to is no stranger`, () => {
    const contacts = new Contacts(port);
    const limits: ContactsLimit[] = [];
    contacts.onLimit((limit) => limits.push(limit));
    let heard = 0;
    contacts.onPresence(() => (heard += 1));
    for (let i = 0; i < MAX_STRANGERS + 50; i += 1) port.deliver(`<presence from="s${i}@crowd.example/r"/>`);
    assert.equal(heard, MAX_STRANGERS);
    assert.deepEqual(limits, [{ limit: 'strangers', ignored: 1 }], 'the first ignored one is reported at once, the rest a minute later');
    void port.send(port.xml('message', { to: 'friend@crowd.example' }, port.xml('body', {}, 'hi')));
    port.deliver(`<presence from="friend@crowd.example/r"/>`);
    assert.equal(heard, MAX_STRANGERS + 1);
    // A stranger going offline frees its place.
    port.deliver(`<presence from="s0@crowd.example/r" type="unavailable"/>`);
    port.deliver(`<presence from="newcomer@crowd.example/r"/>`);
    assert.equal(contacts.presenceOf('newcomer@crowd.example').available, true);
  });

  it('decides subscription requests by the policy', async () => {
    const requests = (contacts: Contacts): IncomingPresence[] => {
      const heard: IncomingPresence[] = [];
      contacts.onSubscription((presence) => heard.push(presence));
      return heard;
    };
    const flow = new Contacts(port, { policy: 'flow' });
    const toFlow = requests(flow);
    port.deliver(`<presence from="carol@example.org" type="subscribe"/>`);
    assert.deepEqual(toFlow.map((p) => [p.from, p.type]), [['carol@example.org', 'subscribe']]);
    assert.deepEqual(sentTypes(), []);

    port = new FakePort();
    new Contacts(port, { policy: 'deny' });
    port.deliver(`<presence from="carol@example.org" type="subscribe"/>`);
    assert.deepEqual(sentTypes(), [['carol@example.org', 'unsubscribed']]);

    port = new FakePort();
    new Contacts(port, { policy: 'everyone' });
    port.deliver(`<presence from="carol@example.org" type="subscribe"/>`);
    assert.deepEqual(sentTypes(), [
      ['carol@example.org', 'subscribed'],
      ['carol@example.org', 'subscribe'],
    ]);
  });

  it('"accept everyone" stops at the roster limit, counting approvals whose roster push has not come yet, and says so once', () => {
    const contacts = new Contacts(port, { policy: 'everyone', maxRoster: 3 });
    const limits: ContactsLimit[] = [];
    contacts.onLimit((limit) => limits.push(limit));
    for (let i = 0; i < 10; i += 1) port.deliver(`<presence from="s${i}@crowd.example" type="subscribe"/>`);
    const approved = port.sent.filter((s: XmlElement) => s.attrs.type === 'subscribed').map((s) => s.attrs.to);
    assert.deepEqual(approved, ['s0@crowd.example', 's1@crowd.example', 's2@crowd.example']);
    assert.deepEqual(limits, [{ limit: 'roster', size: 3, max: 3 }]);
  });

  it('adds to and removes from the roster with a roster set, names cleaned', async () => {
    const contacts = new Contacts(port);
    await contacts.addToRoster('Carol@Example.org/phone', 'Ca\u0001rol', ['Team']);
    await contacts.removeFromRoster('carol@example.org');
    assert.deepEqual(
      port.requests.map((iq) => iq.toString()),
      [
        `<iq type="set"><query xmlns="${ROSTER}"><item jid="carol@example.org" name="Carol"><group>Team</group></item></query></iq>`,
        `<iq type="set"><query xmlns="${ROSTER}"><item jid="carol@example.org" subscription="remove"/></query></iq>`,
      ],
    );
  });
});
