// Who may trigger an xmpp-in node, and how old a message it still takes: lists of JIDs and domains,
// the roster, anyone; a From value of a flow made before lists existed means what it always did.
import { strict as assert } from 'node:assert';
import { readMessage, type IncomingMessage } from '../../nodes/core/messages/message-stanza';
import { loadXmpp, xmppLib } from '../../nodes/core/xmpp-lib';
import { messageFilter, senderMode, type SenderContext } from '../../nodes/lib/message-filter';

const verdicts = (filter: ReturnType<typeof messageFilter>, senders: string[]): string[] => senders.map((from) => `${from}: ${filter.sender(from)}`);

describe('the xmpp-in filter', () => {
  before(async () => {
    await loadXmpp();
  });

  describe('a From value from before sender lists (no `senders` field) means what it did', () => {
    it('empty: anyone', () => {
      assert.equal(senderMode({ from: '' }), 'anyone');
      assert.equal(messageFilter({ from: '  ' }).sender('mallory@evil.example/x'), 'allowed');
    });

    it('a bare JID: any of its resources; a full JID: that one; a domain: the server itself', () => {
      assert.deepEqual(verdicts(messageFilter({ from: 'Alice@Example.org' }), ['alice@example.org/phone', 'alice@example.org', 'alicia@example.org/phone']), [
        'alice@example.org/phone: allowed',
        'alice@example.org: allowed',
        'alicia@example.org/phone: refused',
      ]);
      assert.deepEqual(verdicts(messageFilter({ from: 'alice@example.org/phone' }), ['alice@example.org/phone', 'alice@example.org/laptop']), [
        'alice@example.org/phone: allowed',
        'alice@example.org/laptop: refused',
      ]);
      assert.deepEqual(verdicts(messageFilter({ from: 'example.org' }), ['example.org', 'alice@example.org/phone']), ['example.org: allowed', 'alice@example.org/phone: refused']);
    });

    it('read whole, as one JID: a comma or "*@" is not a list or a wildcard there', () => {
      assert.deepEqual(verdicts(messageFilter({ from: 'alice@example.org/desk, left' }), ['alice@example.org/desk, left', 'alice@example.org/desk']), [
        'alice@example.org/desk, left: allowed',
        'alice@example.org/desk: refused',
      ]);
      assert.deepEqual(verdicts(messageFilter({ from: '*@example.org' }), ['alice@example.org/phone', '*@example.org/x']), ['alice@example.org/phone: refused', '*@example.org/x: allowed']);
    });

    it('one that does not parse matches nobody', () => {
      const filter = messageFilter({ from: 'not a jid@@' });
      assert.equal(filter.sender('alice@example.org/phone'), 'refused');
      assert.deepEqual(filter.invalid, ['not a jid@@']);
    });
  });

  describe('a list of senders', () => {
    const filter = messageFilter({ senders: 'list', from: 'alice@example.org, bob@example.net/desk\n*@team.example\nnot valid@@, *@x@y' });

    it('takes JIDs and *@domains, separated by commas or new lines', () => {
      assert.deepEqual(
        verdicts(filter, ['alice@example.org/any', 'bob@example.net/desk', 'bob@example.net/phone', 'carol@team.example/x', 'team.example', 'dave@sub.team.example/x', 'mallory@evil.example/x']),
        [
          'alice@example.org/any: allowed',
          'bob@example.net/desk: allowed',
          'bob@example.net/phone: refused',
          'carol@team.example/x: allowed',
          'team.example: refused',
          'dave@sub.team.example/x: refused',
          'mallory@evil.example/x: refused',
        ],
      );
    });

    it('names the entries that match nobody, so the node can say so once', () => {
      assert.deepEqual(filter.invalid, ['not valid@@', '*@x@y']);
    });

    it('an empty list takes nobody; "anyone" takes anyone whatever the list says', () => {
      assert.equal(messageFilter({ senders: 'list', from: '' }).sender('alice@example.org/x'), 'refused');
      assert.equal(messageFilter({ senders: 'anyone', from: 'alice@example.org' }).sender('mallory@evil.example/x'), 'allowed');
    });
  });

  describe('contacts in the roster only', () => {
    const roster = new Map<string, object>([['alice@example.org', { subscription: 'both' }], ['bob@example.org', { subscription: 'none' }]]);
    let known = false;
    const context: SenderContext = { ownJid: () => 'bot@example.org/flows', rosterItem: (jid) => (known ? roster.get(jid) : null) };
    const filter = messageFilter({ senders: 'roster', from: 'ignored@example.org' }, context);

    it('cannot tell before the roster is known, except for our own account', () => {
      known = false;
      assert.deepEqual(verdicts(filter, ['alice@example.org/phone', 'bot@example.org/other']), ['alice@example.org/phone: unknown', 'bot@example.org/other: allowed']);
    });

    it('takes whoever is in the roster, whatever the subscription, and nobody else', () => {
      known = true;
      assert.deepEqual(verdicts(filter, ['alice@example.org/phone', 'bob@example.org/pc', 'mallory@evil.example/x', 'ignored@example.org/x']), [
        'alice@example.org/phone: allowed',
        'bob@example.org/pc: allowed',
        'mallory@evil.example/x: refused',
        'ignored@example.org/x: refused',
      ]);
    });
  });

  describe('how old a message may be (XEP-0203)', () => {
    const message = (delay: string): IncomingMessage =>
      readMessage(xmppLib().parse(`<message from="alice@example.org/phone" type="chat"><body>x</body>${delay}</message>`));
    const ago = (s: number): string => `<delay xmlns="urn:xmpp:delay" from="example.org" stamp="${new Date(Date.now() - s * 1000).toISOString()}">Offline Storage</delay>`;

    it('takes everything unless told to ignore old messages', () => {
      assert.equal(messageFilter({}).fresh(message(ago(86_400))), true);
      assert.equal(messageFilter({ ignoreOld: false, maxAge: 1 }).fresh(message(ago(86_400))), true);
    });

    it('drops what was sent more than maxAge seconds ago; a message without a delay is new', () => {
      const filter = messageFilter({ ignoreOld: true, maxAge: '300' });
      assert.equal(filter.maxAgeS, 300);
      assert.equal(filter.fresh(message(ago(301))), false);
      assert.equal(filter.fresh(message(ago(290))), true);
      assert.equal(filter.fresh(message('')), true);
      assert.equal(filter.fresh(message('<delay xmlns="urn:xmpp:delay" stamp="not a date"/>')), true, 'a stamp that does not read is no age');
    });

    it('an empty or invalid maxAge is 5 minutes', () => {
      assert.equal(messageFilter({ ignoreOld: true, maxAge: '' }).maxAgeS, 300);
      assert.equal(messageFilter({ ignoreOld: true, maxAge: 'soon' }).maxAgeS, 300);
      assert.equal(messageFilter({ ignoreOld: true, maxAge: 0 }).maxAgeS, 0);
    });
  });
});
